"""Pareto/NBD: Poisson purchases, λ ~ gamma(r, α), over an exponential lifetime, μ ~ gamma(s, β).

Schmittlein, Morrison & Colombo (1987), "Counting Your Customers", Management Science 33(1). The
likelihood is written as in Fader, Hardie & Lee (2005), "A Note on Implementing the Pareto/NBD
Model in MATLAB" (note 008):

    L = Γ(r+x)α^r β^s / Γ(r) · [ (α+T)^-(r+x) (β+T)^-s + s/(r+s+x) · A0 ]

    A0 = F(t_x) - F(T),  F(y) = 2F1(r+s+x, b; r+s+x+1; z(y)) / (m+y)^(r+s+x)

where, if α ≥ β: m = α, b = s+1, z(y) = (α-β)/(α+y); otherwise m = β, b = r+x, z(y) = (β-α)/(β+y).
Everything is computed in logs: the two terms of L are added with logaddexp (the log-sum-exp
form the note recommends for customers with many purchases) and A0 = F(t_x)·(1 - F(T)/F(t_x)) with
log1p. The Gauss function 2F1(A, b; A+1; z) is itself evaluated through Pfaff's transformation,
(1-z)^-b · 2F1(b, 1; A+1; z/(z-1)): the second factor lies in (0, 1] for every z in [0, 1), so
it neither overflows nor converges slowly as z nears 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, gammaln, hyp2f1

from .fitting import FitResult, FloatArray, as_float, maximise, numeric_gradient, packed_inputs


def _log_f(y: FloatArray, r: float, alpha: float, s: float, beta: float, x: FloatArray
           ) -> FloatArray:
    """log F(y) of the note's A0 (see the module docstring), vectorised over customers."""
    big_a = r + s + x
    b: float | FloatArray
    if alpha >= beta:
        m, other, b = alpha, beta, s + 1
    else:
        m, other, b = beta, alpha, r + x
    # 1 - z = (other+y)/(m+y);  z/(z-1) = -(m-other)/(other+y)
    log_one_minus_z = np.log(other + y) - np.log(m + y)
    pfaff = hyp2f1(b, 1.0, big_a + 1, -(m - other) / (other + y))
    return -b * log_one_minus_z + np.log(pfaff) - big_a * np.log(m + y)


@dataclass(frozen=True)
class ParetoNBDModel:
    """A fitted Pareto/NBD purchase model; times in the unit it was fitted in."""

    r: float
    alpha: float
    s: float
    beta: float

    @property
    def name(self) -> str:
        return "pareto"

    @property
    def params(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "s": self.s, "beta": self.beta}

    def _log_terms(self, x: FloatArray, t_x: FloatArray, T: FloatArray
                   ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(common part, alive term, dropped-out term) of the log-likelihood."""
        r, alpha, s, beta = self.r, self.alpha, self.s, self.beta
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        f_tx = _log_f(t_x, r, alpha, s, beta, x)
        f_T = _log_f(T, r, alpha, s, beta, x)
        with np.errstate(divide="ignore"):  # t_x = T: A0 = 0, the dropped-out term is -inf
            log_a0 = f_tx + np.log(-np.expm1(np.minimum(f_T - f_tx, 0.0)))
        dropped = np.log(s) - np.log(r + s + x) + log_a0
        return common, alive, dropped

    def log_likelihood(self, x: object, t_x: object, T: object) -> FloatArray:
        """Each customer's log-likelihood (FHL note 008, in log space)."""
        common, alive, dropped = self._log_terms(as_float(x), as_float(t_x), as_float(T))
        return common + np.logaddexp(alive, dropped)

    def p_alive(self, x: object, t_x: object, T: object) -> FloatArray:
        """P(still a customer at T | x, t_x, T): the alive term's share of the likelihood."""
        _, alive, dropped = self._log_terms(as_float(x), as_float(t_x), as_float(T))
        return expit(alive - dropped)

    def expected_purchases_if_alive(self, t: object, x: object, T: object) -> FloatArray:
        """Expected purchases in (T, T+t] of a customer alive at T with x repeat purchases:
        (r+x)(β+T) / ((α+T)(s-1)) · [1 - ((β+T)/(β+T+t))^(s-1)] (SMC 1987; FHL note 008)."""
        t_, x_, T_ = as_float(t), as_float(x), as_float(T)
        rate = (self.r + x_) / (self.alpha + T_)
        return rate * _lifetime_factor(t_, self.beta + T_, self.s)

    def conditional_expected_purchases(self, t: object, x: object, t_x: object, T: object
                                       ) -> FloatArray:
        """Expected purchases in (T, T+t] given the history: P(alive) times the expectation
        if alive."""
        return self.expected_purchases_if_alive(t, x, T) * self.p_alive(x, t_x, T)

    def expected_purchases(self, t: object) -> FloatArray:
        """Expected repeat purchases in (0, t] for a new customer (SMC 1987)."""
        t_ = as_float(t)
        return self.r / self.alpha * _lifetime_factor(t_, np.full_like(t_, self.beta), self.s)

    def _neg_ll(self, theta: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray,
                w: FloatArray) -> float:
        r, alpha, s, beta = np.exp(theta)
        model = ParetoNBDModel(r, alpha, s, beta)
        return -float(w @ model.log_likelihood(x, t_x, T)) / float(w.sum())


def _lifetime_factor(t: FloatArray, scale: FloatArray, s: float) -> FloatArray:
    """∫_0^t of survival under a gamma(s, scale) mixed exponential lifetime.

    scale/(s-1) · [1 - (scale/(scale+t))^(s-1)], with its limit scale·log(1 + t/scale) at s = 1.
    """
    log_ratio = np.log1p(t / scale)
    if abs(s - 1) < 1e-9:
        return scale * log_ratio
    return scale * -np.expm1(-(s - 1) * log_ratio) / (s - 1)


def fit_pareto_nbd(frequency: object, recency: object, T: object, *,
                   weights: object | None = None) -> FitResult[ParetoNBDModel]:
    """Fit Pareto/NBD by maximum likelihood to frequency, recency and T."""
    x, t_x, T_, w = packed_inputs(frequency, recency, T, weights)
    shell = ParetoNBDModel(1.0, 1.0, 1.0, 1.0)

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        def f(th: FloatArray) -> float:
            return shell._neg_ll(th, x, t_x, T_, w)

        return f(theta), numeric_gradient(f, theta)

    horizon = max(float(w @ T_) / float(w.sum()), 1e-6)
    rate = max(float(w @ x) / max(float(w @ T_), 1e-9), 1e-6)
    start = np.log([1.0, 1.0 / rate, 1.0, horizon])
    theta, value, nit = maximise(objective, start, what="Pareto/NBD")
    r, alpha, s, beta = (float(v) for v in np.exp(theta))
    n = float(w.sum())
    return FitResult(ParetoNBDModel(r, alpha, s, beta), -value * n, int(n), nit)
