"""Gamma-Gamma: how much a customer spends per purchase.

Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value" (note 025), after Colombo &
Jiang (1999) and Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer
Base Analysis", JMR 42(4). Each transaction value of a customer is gamma(p, ν); ν ~ gamma(q, γ)
across customers, independent of the purchase process. The model is fitted to the customers
with at least one repeat purchase, on x (repeat transactions) and m̄ (their mean value;
the first purchase is left out by convention, as in FHL 2005 JMR):

    f(m̄ | p, q, γ, x) = Γ(px+q) / (Γ(px)Γ(q)) · γ^q m̄^(px-1) x^(px) / (γ + m̄x)^(px+q)

and predicts the expected value of a customer's future transactions (note 025):

    E(M | p, q, γ, m̄, x) = (pγ + p x m̄) / (px + q - 1),

a weighted mean of the population mean pγ/(q-1) and the customer's own mean. It needs q > 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln

from ..errors import ClvError
from .fitting import FitResult, FloatArray, as_float, dot, maximise


@dataclass(frozen=True)
class GammaGammaModel:
    """A fitted Gamma-Gamma spend model."""

    p: float
    q: float
    gamma: float

    @property
    def params(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "gamma": self.gamma}

    @property
    def population_mean(self) -> float:
        """Expected transaction value of a customer we know nothing about: pγ/(q-1)."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("inf")

    def log_likelihood(self, frequency: object, monetary_value: object) -> FloatArray:
        """Each repeat customer's log-likelihood (note 025, in logs)."""
        x, m = as_float(frequency), as_float(monetary_value)
        p, q, g = self.p, self.q, self.gamma
        px = p * x
        return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g)
                + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(g + m * x))

    def expected_spend(self, frequency: object, monetary_value: object) -> FloatArray:
        """Conditional expected average transaction value (note 025); the population
        mean for customers with no repeat purchase."""
        x, m = as_float(frequency), as_float(monetary_value)
        m = np.where(x > 0, m, 0.0)  # no repeat purchase: the customer's own mean is unknown
        p, q, g = self.p, self.q, self.gamma
        return (p * g + p * x * m) / (p * x + q - 1)


class _Prepared:
    """Repeat customers arranged for a fast objective: what depends on x alone is computed per
    distinct x, and the sums of log m̄ and x·log(m̄x) once for the whole fit."""

    def __init__(self, x: FloatArray, m: FloatArray) -> None:
        self.n = float(len(x))
        self.ux, inverse = np.unique(x, return_inverse=True)
        self.nu = np.bincount(inverse, minlength=len(self.ux)).astype(float)
        self.x, self.mx = x, m * x
        self.sum_log_m = float(np.log(m).sum())
        self.sum_x_log_mx = dot(x, np.log(self.mx))

    def neg_ll(self, theta: FloatArray) -> tuple[float, FloatArray]:
        """Mean negative log-likelihood (note 025) and its gradient in log-parameters."""
        p, q, g = np.exp(theta)
        n, ux, nu, x = self.n, self.ux, self.nu, self.x
        pu = p * ux
        log_g_mx = np.log(g + self.mx)
        # Σ [lnΓ(px+q) - lnΓ(px) - lnΓ(q) + q ln γ + (px-1) ln m̄ + px ln x - (px+q) ln(γ+m̄x)]
        ll = (dot(nu, gammaln(pu + q) - gammaln(pu)) - n * gammaln(q) + n * q * np.log(g)
              + p * self.sum_x_log_mx - self.sum_log_m
              - p * dot(x, log_g_mx) - q * float(log_g_mx.sum()))
        psi_pq = digamma(pu + q)
        g_p = dot(nu, ux * (psi_pq - digamma(pu))) + self.sum_x_log_mx - dot(x, log_g_mx)
        g_q = dot(nu, psi_pq) - n * digamma(q) + n * np.log(g) - float(log_g_mx.sum())
        g_g = n * q / g - dot(p * x + q, 1 / (g + self.mx))
        grad = np.array([g_p * p, g_q * q, g_g * g]) / n
        return -ll / n, -grad


def fit_gamma_gamma(frequency: object, monetary_value: object) -> FitResult[GammaGammaModel]:
    """Fit Gamma-Gamma by maximum likelihood to the customers with x > 0 and m̄ > 0."""
    x, m = as_float(frequency), as_float(monetary_value)
    keep = (x > 0) & (m > 0) & np.isfinite(m)
    x, m = x[keep], m[keep]
    if len(x) < 2:
        raise ClvError(f"the spend model needs repeat customers with a positive amount; "
                       f"found {len(x)}: use a longer calibration period or leave out --amount")
    prepared = _Prepared(x, m)
    # Start at a population mean equal to the data's: pγ/(q-1) = mean(m̄) with p = 1, q = 2.
    start = np.log([1.0, 2.0, float(m.mean())])
    theta, value, nit = maximise(prepared.neg_ll, start, what="Gamma-Gamma")
    p, q, g = (float(v) for v in np.exp(theta))
    if q <= 1:
        raise ClvError(f"the spend model's q is {q:.3g} ≤ 1: the expected spend is unbounded; "
                       "the amounts are too heavy-tailed for Gamma-Gamma")
    return FitResult(GammaGammaModel(p, q, g), -value * len(x), len(x), nit)
