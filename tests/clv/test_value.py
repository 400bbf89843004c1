"""CLV from the fitted models, the orchestrator, and the package's public surface."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tenure.clv
from tenure.clv import (
    DAYS_PER_MONTH,
    BetaGeoModel,
    ClvOptions,
    GammaGammaModel,
    TransactionSummary,
    fit_clv,
    predict_customers,
)
from tenure.errors import ClvError

from . import published as pub
from .published import sig3


def test_clv_is_the_discounted_monthly_sum(cdnow_summary: TransactionSummary) -> None:
    model, spend = BetaGeoModel(**pub.BGNBD), GammaGammaModel(**pub.GAMMA_GAMMA)
    frame = predict_customers(cdnow_summary, model, spend, horizon_months=2, discount_rate=0.05,
                              margin=0.3)
    # Customer 1 by hand: purchases in month 1 and month 2 from the conditional expectation,
    # discounted by one and two months; a month is 365.25/12 days = 4.348 weeks.
    month = DAYS_PER_MONTH / 7
    x, t_x, T = 2, 30.428571428571427, 38.857142857142854
    e1 = float(model.conditional_expected_purchases(month, x, t_x, T))
    e2 = float(model.conditional_expected_purchases(2 * month, x, t_x, T))
    m = float(spend.expected_spend(x, 22.345))
    row = frame.iloc[0]
    assert row["customer"] == 1
    assert row["expected_purchases"] == pytest.approx(e2, rel=1e-12)
    assert row["expected_spend"] == pytest.approx(m, rel=1e-12)
    assert row["clv"] == pytest.approx(0.3 * m * (e1 / 1.05 + (e2 - e1) / 1.05 ** 2), rel=1e-12)


def test_undiscounted_clv_is_margin_times_spend_times_purchases(
        cdnow_summary: TransactionSummary) -> None:
    model, spend = BetaGeoModel(**pub.BGNBD), GammaGammaModel(**pub.GAMMA_GAMMA)
    frame = predict_customers(cdnow_summary, model, spend, horizon_months=12, discount_rate=0.0,
                              margin=0.5)
    np.testing.assert_allclose(frame["clv"],
                               0.5 * frame["expected_spend"] * frame["expected_purchases"],
                               rtol=1e-10)
    assert list(frame.columns) == ["customer", "frequency", "recency", "T", "p_alive",
                                   "expected_purchases", "monetary_value", "expected_spend",
                                   "clv"]


def test_fit_clv_on_cdnow(cdnow: pd.DataFrame) -> None:
    result = fit_clv(cdnow, customer="customer", date_column="date", amount="amount",
                     calibration_end=pub.CALIBRATION_END, holdout_end=pub.HOLDOUT_END)
    data = result.as_dict()
    assert data["model"] == "bgnbd" and data["unit"] == "week"
    assert data["customers"] == pub.CUSTOMERS
    for name, value in pub.BGNBD.items():
        assert sig3(data["params"][name], value)
    for name, value in pub.GAMMA_GAMMA.items():
        assert sig3(data["spend"]["params"][name], value)
    assert data["holdout"]["by_frequency"][0]["actual"] == pub.ZERO_CLASS_HOLDOUT_PURCHASES
    assert len(result.predictions) == pub.CUSTOMERS
    assert result.predictions["clv"].gt(0).all()


def test_fit_clv_refuses_bad_options_and_data(cdnow: pd.DataFrame) -> None:
    with pytest.raises(ClvError, match="margin"):
        fit_clv(cdnow, customer="customer", date_column="date", options=ClvOptions(margin=2))
    with pytest.raises(ClvError, match="unknown model"):
        fit_clv(cdnow, customer="customer", date_column="date", model="nbd")  # type: ignore[arg-type]
    one_each = cdnow.drop_duplicates("customer")
    with pytest.raises(ClvError, match="needs repeat purchases"):
        fit_clv(one_each, customer="customer", date_column="date")
    free = cdnow.assign(amount=np.where(cdnow["customer"].duplicated(), 0.0, cdnow["amount"]))
    with pytest.raises(ClvError, match="spend model needs repeat customers"):
        fit_clv(free, customer="customer", date_column="date", amount="amount")


def test_public_surface() -> None:
    assert sorted(tenure.clv.__all__) == sorted([
        "DAYS_PER_MONTH", "MODELS", "BetaGeoModel", "ClvFit", "ClvOptions", "Compressed",
        "FitResult",
        "GammaGammaModel", "HoldoutBin", "HoldoutCheck", "ModelName", "ParetoNBDModel",
        "PurchaseModel", "Source", "TransactionSummary", "Unit", "check_holdout", "compress",
        "discounted_purchases", "fit_beta_geo", "fit_clv", "fit_gamma_gamma", "fit_pareto_nbd",
        "monthly_hazard", "predict_customers", "subscription_clv", "summarize_transactions"])
    for name in tenure.clv.__all__:
        assert getattr(tenure.clv, name) is not None
