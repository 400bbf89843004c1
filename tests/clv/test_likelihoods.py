"""Each model's likelihood against a straightforward reference (tests/clv/reference.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tenure.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel, compress, fit_beta_geo

from . import reference as ref

# (x, t_x, T): no repeat purchase, the papers' customer 0001, a heavy buyer, the same heavy buyer
# in days, and a last purchase on the calibration end.
CUSTOMERS = [(0, 0.0, 38.86), (2, 30.43, 38.86), (7, 29.43, 38.86), (29, 38.43, 38.86),
             (29, 269.0, 272.0), (3, 20.0, 20.0)]
BG = (0.243, 4.414, 0.793, 2.426)
PARETO = (0.553, 10.578, 0.606, 11.669)


@pytest.mark.parametrize(("x", "t_x", "T"), CUSTOMERS)
def test_bgnbd_log_likelihood(x: int, t_x: float, T: float) -> None:
    ours = BetaGeoModel(*BG).log_likelihood(x, t_x, T)
    assert float(ours) == pytest.approx(ref.bgnbd_log_likelihood(*BG, x, t_x, T), rel=1e-12)


@pytest.mark.parametrize(("x", "t_x", "T"), CUSTOMERS)
def test_mbgnbd_log_likelihood(x: int, t_x: float, T: float) -> None:
    ours = BetaGeoModel(*BG, modified=True).log_likelihood(x, t_x, T)
    assert float(ours) == pytest.approx(ref.mbgnbd_log_likelihood(*BG, x, t_x, T), rel=1e-12)


@pytest.mark.parametrize(("x", "t_x", "T"), [c for c in CUSTOMERS if c[2] < 100])
def test_pareto_log_likelihood_against_integration(x: int, t_x: float, T: float) -> None:
    _, whole = ref.pareto_individual(x, t_x, T)
    r, alpha, s, beta = PARETO
    likelihood = ref.integrate_gamma_gamma(whole, r, alpha, s, beta,
                                           lam_max=(r + x + 60) / alpha, mu_max=(s + 60) / beta)
    ours = ParetoNBDModel(*PARETO).log_likelihood(x, t_x, T)
    assert float(ours) == pytest.approx(math.log(likelihood), rel=1e-7)


def test_pareto_log_likelihood_in_both_branches() -> None:
    # α < β (CDNOW) and α ≥ β use different hypergeometric forms of the same integral.
    for params in ((0.553, 10.578, 0.606, 11.669), (0.8, 12.0, 1.3, 4.0)):
        r, alpha, s, beta = params
        _, whole = ref.pareto_individual(4, 15.0, 30.0)
        likelihood = ref.integrate_gamma_gamma(whole, r, alpha, s, beta,
                                               lam_max=(r + 4 + 60) / alpha,
                                               mu_max=(s + 60) / beta)
        ours = ParetoNBDModel(*params).log_likelihood(4, 15.0, 30.0)
        assert float(ours) == pytest.approx(math.log(likelihood), rel=1e-7)


@pytest.mark.parametrize(("x", "m"), [(1, 11.77), (2, 22.345), (7, 71.2), (12, 30.0)])
def test_gamma_gamma_log_likelihood(x: int, m: float) -> None:
    ours = GammaGammaModel(6.25, 3.74, 15.44).log_likelihood(x, m)
    assert float(ours) == pytest.approx(ref.gamma_gamma_log_likelihood(6.25, 3.74, 15.44, x, m),
                                        rel=1e-12)


def test_bgnbd_p_alive_is_one_without_repeat_purchases() -> None:
    # FHL 2005 eq. A2: under BG/NBD a customer can only drop out after a repeat purchase.
    T = np.array([0.0, 1.0, 38.86, 500.0])
    np.testing.assert_array_equal(BetaGeoModel(*BG).p_alive(np.zeros(4), np.zeros(4), T), 1.0)
    # Under MBG/NBD they can drop out after the first purchase, so it is below 1.
    assert (BetaGeoModel(*BG, modified=True).p_alive(np.zeros(4), np.zeros(4), T) < 1).all()


def test_log_likelihood_stays_finite_for_heavy_buyers() -> None:
    # Thousands of purchases over years of days: the log-sum-exp forms do not overflow.
    x, t_x, T = np.array([5000.0, 800.0]), np.array([720.0, 700.0]), np.array([730.0, 730.0])
    for model in (BetaGeoModel(*BG), BetaGeoModel(*BG, modified=True), ParetoNBDModel(*PARETO)):
        assert np.isfinite(model.log_likelihood(x, t_x, T)).all()
        p = model.p_alive(x, t_x, T)
        assert ((p >= 0) & (p <= 1)).all()


def test_compressed_rows_give_the_same_fit() -> None:
    rng = np.random.default_rng(7)
    x = rng.integers(0, 5, 3000).astype(float)
    T = rng.integers(20, 40, 3000).astype(float)
    t_x = np.where(x > 0, np.floor(T * rng.random(3000)), 0.0)
    packed = compress(x, t_x, T)
    assert len(packed.weights) < 3000 and packed.weights.sum() == 3000
    np.testing.assert_array_equal(packed.columns[0][packed.inverse], x)
    whole = fit_beta_geo(x, t_x, T)
    weighted = fit_beta_geo(*packed.columns, weights=packed.weights)
    assert whole.log_likelihood == pytest.approx(weighted.log_likelihood, rel=1e-10)
    # …and that log-likelihood is the sum over every customer, uncompressed.
    assert whole.log_likelihood == pytest.approx(
        float(whole.model.log_likelihood(x, t_x, T).sum()), rel=1e-10)
