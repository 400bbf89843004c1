"""Straightforward references for the models, written from the papers' individual-level story.

Scalar formulas with ``math.lgamma`` and no log-space tricks, and numerical integration over
the mixing distributions of the individual-level likelihood (no hypergeometric functions), so
they share nothing with the vectorised implementation but the model.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from scipy.integrate import dblquad


def beta_fn(u: float, v: float) -> float:
    return math.exp(math.lgamma(u) + math.lgamma(v) - math.lgamma(u + v))


def bgnbd_log_likelihood(r: float, alpha: float, a: float, b: float, x: int, t_x: float,
                         T: float) -> float:
    """FHL 2005 (Marketing Science) eq. 6 as printed: two terms, added, then the log."""
    nbd = math.exp(math.lgamma(r + x) - math.lgamma(r)) * alpha ** r
    alive = beta_fn(a, b + x) / beta_fn(a, b) * nbd / (alpha + T) ** (r + x)
    dropped = 0.0
    if x > 0:
        dropped = beta_fn(a + 1, b + x - 1) / beta_fn(a, b) * nbd / (alpha + t_x) ** (r + x)
    return math.log(alive + dropped)


def mbgnbd_log_likelihood(r: float, alpha: float, a: float, b: float, x: int, t_x: float,
                          T: float) -> float:
    """Batislam, Denizel & Filiztekin (2007): the dropped-out term for every x."""
    nbd = math.exp(math.lgamma(r + x) - math.lgamma(r)) * alpha ** r
    alive = beta_fn(a, b + x + 1) / beta_fn(a, b) * nbd / (alpha + T) ** (r + x)
    dropped = beta_fn(a + 1, b + x) / beta_fn(a, b) * nbd / (alpha + t_x) ** (r + x)
    return math.log(alive + dropped)


def gamma_gamma_log_likelihood(p: float, q: float, gamma: float, x: int, m: float) -> float:
    """Fader & Hardie (2013) note 025, the density of m̄, term by term."""
    px = p * x
    density = (math.exp(math.lgamma(px + q) - math.lgamma(px) - math.lgamma(q))
               * gamma ** q * m ** (px - 1) * x ** px / (gamma + m * x) ** (px + q))
    return math.log(density)


# --- numerical integration over the mixing distributions --------------------------------------
#
# λ ~ gamma(r, α) is integrated over u = λ^r (the density's λ^(r-1) singularity at 0 becomes a
# constant); p ~ beta(a, b) over v = p^a, μ ~ gamma(s, β) like λ.

Integrand = Callable[[float, float], float]


def _gamma_sub(shape: float, rate: float) -> tuple[Callable[[float], float], float]:
    """(u -> λ, the constant density factor α^r / Γ(r+1)) for the substitution u = λ^r."""
    return (lambda u: u ** (1 / shape)), math.exp(shape * math.log(rate) - math.lgamma(shape + 1))


def integrate_gamma_beta(f: Integrand, r: float, alpha: float, a: float, b: float,
                         lam_max: float) -> float:
    """∫∫ f(λ, p) gamma(λ | r, α) beta(p | a, b) dλ dp for f vanishing past λ = lam_max."""
    lam, c_lam = _gamma_sub(r, alpha)
    c_p = 1 / (a * beta_fn(a, b))

    def inner(v: float, u: float) -> float:
        la, p = lam(u), v ** (1 / a)
        return f(la, p) * math.exp(-alpha * la) * (1 - p) ** (b - 1)

    value, _ = dblquad(inner, 0, lam_max ** r, 0, 1, epsabs=0, epsrel=1e-10)
    return value * c_lam * c_p


def integrate_gamma_gamma(f: Integrand, r: float, alpha: float, s: float, beta: float,
                          lam_max: float, mu_max: float) -> float:
    """∫∫ f(λ, μ) gamma(λ | r, α) gamma(μ | s, β) dλ dμ for f vanishing past the maxima."""
    lam, c_lam = _gamma_sub(r, alpha)
    mu, c_mu = _gamma_sub(s, beta)

    def inner(w: float, u: float) -> float:
        la, m = lam(u), mu(w)
        return f(la, m) * math.exp(-alpha * la - beta * m)

    value, _ = dblquad(inner, 0, lam_max ** r, 0, mu_max ** s, epsabs=0, epsrel=1e-10)
    return value * c_lam * c_mu


def bg_individual(x: int, t_x: float, T: float, *, modified: bool = False
                  ) -> tuple[Integrand, Integrand]:
    """(alive part, whole) of the individual-level BG/NBD (FHL 2005 eq. 3) or MBG/NBD
    likelihood given λ and p."""
    k = 1 if modified else 0

    def alive(lam: float, p: float) -> float:
        return (1 - p) ** (x + k) * lam ** x * math.exp(-lam * T)

    def whole(lam: float, p: float) -> float:
        dropped = 0.0
        if x > 0 or modified:
            dropped = p * (1 - p) ** (x - 1 + k) * lam ** x * math.exp(-lam * t_x)
        return alive(lam, p) + dropped

    return alive, whole


def pareto_individual(x: int, t_x: float, T: float) -> tuple[Integrand, Integrand]:
    """(alive part, whole) of the individual-level Pareto/NBD likelihood (SMC 1987; FHL note
    008) given λ and μ."""
    def alive(lam: float, mu: float) -> float:
        return lam ** x * math.exp(-(lam + mu) * T)

    def whole(lam: float, mu: float) -> float:
        dropped = (lam ** x * mu / (lam + mu)
                   * (math.exp(-(lam + mu) * t_x) - math.exp(-(lam + mu) * T)))
        return alive(lam, mu) + dropped

    return alive, whole
