"""Expectations and P(alive) against integration over the posterior and simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tenure.clv import BetaGeoModel, ParetoNBDModel

from . import reference as ref

BG = (0.243, 4.414, 0.793, 2.426)
PARETO = (0.553, 10.578, 0.606, 11.669)
HISTORIES = [(0, 0.0, 38.86), (2, 30.43, 38.86), (7, 29.43, 38.86), (3, 5.0, 38.86)]


@pytest.mark.parametrize("modified", [False, True])
@pytest.mark.parametrize(("x", "t_x", "T"), HISTORIES)
def test_beta_geo_conditional_expectation(modified: bool, x: int, t_x: float, T: float) -> None:
    # E[Y(t) | history] = ∫∫ E[Y(t) | λ, p, alive] · L_alive(λ, p) dG / ∫∫ L(λ, p) dG, with
    # E[Y(t) | λ, p, alive] = (1 - e^(-λpt)) / p (FHL 2005 eq. 5, from T on by memorylessness).
    t = 39.0
    r, alpha, a, b = BG
    alive, whole = ref.bg_individual(x, t_x, T, modified=modified)
    lam_max = (r + x + 60) / alpha

    def future(lam: float, p: float) -> float:
        return -math.expm1(-lam * p * t) / p * alive(lam, p)

    evidence = ref.integrate_gamma_beta(whole, r, alpha, a, b, lam_max)
    expected = ref.integrate_gamma_beta(future, r, alpha, a, b, lam_max) / evidence
    p_alive = ref.integrate_gamma_beta(alive, r, alpha, a, b, lam_max) / evidence
    model = BetaGeoModel(*BG, modified=modified)
    assert float(model.conditional_expected_purchases(t, x, t_x, T)) == pytest.approx(
        expected, rel=1e-6)
    assert float(model.p_alive(x, t_x, T)) == pytest.approx(p_alive, rel=1e-6)


@pytest.mark.parametrize(("x", "t_x", "T"), HISTORIES)
def test_pareto_conditional_expectation(x: int, t_x: float, T: float) -> None:
    # E[Y(t) | λ, μ, alive] = λ/μ (1 - e^(-μt)) (SMC 1987).
    t = 52.0
    r, alpha, s, beta = PARETO
    alive, whole = ref.pareto_individual(x, t_x, T)
    limits = {"lam_max": (r + x + 60) / alpha, "mu_max": (s + 60) / beta}

    def future(lam: float, mu: float) -> float:
        return lam * -math.expm1(-mu * t) / mu * alive(lam, mu)

    evidence = ref.integrate_gamma_gamma(whole, *PARETO, **limits)
    expected = ref.integrate_gamma_gamma(future, *PARETO, **limits) / evidence
    p_alive = ref.integrate_gamma_gamma(alive, *PARETO, **limits) / evidence
    model = ParetoNBDModel(*PARETO)
    assert float(model.conditional_expected_purchases(t, x, t_x, T)) == pytest.approx(
        expected, rel=1e-6)
    assert float(model.p_alive(x, t_x, T)) == pytest.approx(p_alive, rel=1e-6)


def _simulate(model: str, t: float, n: int, seed: int) -> np.ndarray:
    """Repeat purchases in (0, t] of ``n`` new customers drawn from the model's story."""
    rng = np.random.default_rng(seed)
    if model == "pareto":
        r, alpha, s, beta = PARETO
        lam = rng.gamma(r, 1 / alpha, n)
        lifetime = rng.exponential(1 / rng.gamma(s, 1 / beta, n))
        return rng.poisson(lam * np.minimum(t, lifetime))
    r, alpha, a, b = BG
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    # BG/NBD: the customer drops out right after purchase J ~ geometric(p) on 1, 2, …;
    # MBG/NBD also at the first purchase, so J starts at 0.
    last = rng.geometric(p) - (1 if model == "mbgnbd" else 0)
    return np.minimum(rng.poisson(lam * t), last)


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd", "pareto"])
@pytest.mark.parametrize("t", [10.0, 78.0])
def test_expected_purchases_of_a_new_customer_against_simulation(name: str, t: float) -> None:
    n = 400_000
    draws = _simulate(name, t, n, seed=2005)
    model = ParetoNBDModel(*PARETO) if name == "pareto" else BetaGeoModel(
        *BG, modified=name == "mbgnbd")
    standard_error = draws.std() / math.sqrt(n)
    assert abs(float(model.expected_purchases(t)) - draws.mean()) < 4 * standard_error


def test_conditional_expectation_with_no_history_is_the_unconditional_one() -> None:
    for model in (BetaGeoModel(*BG), BetaGeoModel(*BG, modified=True), ParetoNBDModel(*PARETO)):
        t = np.array([1.0, 39.0, 520.0])
        np.testing.assert_allclose(model.conditional_expected_purchases(t, 0, 0, 0),
                                   model.expected_purchases(t), rtol=1e-12)
