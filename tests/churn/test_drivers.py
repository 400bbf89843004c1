"""Drivers: TreeSHAP contributions that add up to the model's own raw score, said in words."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tenure import App
from tenure.churn import labels as lab
from tenure.churn.drivers import MIN_PUSH, describe, explain, grouped, top_drivers
from tenure.churn.encoding import Feature, build_schema
from tenure.churn.features import PointInTime
from tenure.churn.runs import history_rows
from tenure.churn.storage import ModelCard, load, save
from tenure.churn.training import ChurnModel, fit_model
from tenure.health import load_model

TRAIN = [date(2025, 3, 31), date(2025, 4, 30), date(2025, 5, 31), date(2025, 6, 30)]
CALIB = [date(2025, 10, 31)]
SCORED = date(2026, 3, 31)


@pytest.fixture(scope="module")
def fitted(company_home: Path) -> tuple[ChurnModel, pd.DataFrame]:
    from tenure import build_app

    with build_app(company_home) as app:
        pit = PointInTime(app)
        rows = history_rows(app, pit, [*TRAIN, *CALIB], 90)
        train = rows[rows["as_of"].isin(TRAIN)]
        calib = rows[rows["as_of"].isin(CALIB)]
        schema = build_schema(rows)
        model = fit_model(schema, train, train["churned"].to_numpy(), calib,
                          calib["churned"].to_numpy())
        return model, pit.features(SCORED)


def test_contributions_add_up_to_lightgbms_raw_score(
    fitted: tuple[ChurnModel, pd.DataFrame]
) -> None:
    model, frame = fitted
    contrib = model.contributions(frame)
    assert contrib.shape == (len(frame), len(model.schema.features) + 1)
    raw = model.booster.predict(model.schema.matrix(frame), raw_score=True)
    np.testing.assert_allclose(contrib.sum(axis=1), raw, rtol=1e-9, atol=1e-9)
    # The expected value is the same for every account.
    assert np.ptp(contrib[:, -1]) == pytest.approx(0.0, abs=1e-12)
    found = explain(model, frame.iloc[:5])
    for row, r in zip(found, raw[:5], strict=True):
        total = row["expected_value"] + sum(c["contribution"] for c in row["contributions"])
        assert total == pytest.approx(r, abs=1e-9)
        assert row["raw_score"] == pytest.approx(r, abs=1e-9)
        assert row["churn_probability"] == pytest.approx(
            1 / (1 + np.exp(-(model.calibrator.a * r + model.calibrator.b))))


def test_a_saved_model_predicts_what_it_did_before_saving(
    fitted: tuple[ChurnModel, pd.DataFrame], tmp_path: Path
) -> None:
    model, frame = fitted
    card = ModelCard(version=0, created=date(2026, 7, 1), as_of=SCORED, horizon_days=90,
                     label="mrr_to_zero", validation={}, train_months=TRAIN,
                     calibration_months=CALIB, rows={}, features=model.schema.names,
                     metrics={}, params={}, libraries={}, calibration="platt")
    saved = save(tmp_path, model, card)
    assert saved.name == "v0001"
    again, card2 = load(tmp_path / "v0001")
    np.testing.assert_allclose(again.probability(frame), model.probability(frame), rtol=1e-12)
    np.testing.assert_allclose(again.contributions(frame), model.contributions(frame),
                               rtol=1e-9, atol=1e-12)
    assert card2.train_months == TRAIN and card2.created == date(2026, 7, 1)
    assert save(tmp_path, model, card).name == "v0002"


def test_drivers_name_the_biggest_pushes_risk_raising_first(
    fitted: tuple[ChurnModel, pd.DataFrame], company: App
) -> None:
    model, frame = fitted
    health = load_model(company.settings)
    contrib, words = top_drivers(model, frame, health_model=health)
    pushes, owner = grouped(model, contrib, health)
    # Folding a health measure into its metric keeps every row's sum.
    np.testing.assert_allclose(pushes.sum(axis=1), contrib[:, :-1].sum(axis=1), atol=1e-9)
    names = model.schema.names
    folded = [names[j] for j, o in enumerate(owner) if o != j]
    assert "health.adoption.stickiness" in folded
    assert names[owner[names.index("health.adoption.stickiness")]] == "metric.stickiness"
    assert len(words) == len(frame)
    for row, said in zip(pushes, words, strict=True):
        assert len(said) <= 3
        big = np.sort(np.abs(row))[::-1][:3]
        assert len(said) == int((big >= MIN_PUSH).sum())
        ups = [s.endswith("(raises risk)") for s in said]
        assert ups == sorted(ups, reverse=True)  # raising ones first
        assert not any(s.startswith("Health measure Stickiness") for s in said)
    riskiest = int(np.argmax(contrib.sum(axis=1)))
    assert words[riskiest] and words[riskiest][0].endswith("(raises risk)")


@pytest.mark.parametrize(("name", "value", "text"), [
    ("change90.active_user_days", -0.45, "Active user-days down 45% over 90 days"),
    ("change30.mrr", 0.12, "MRR up 12% over 30 days"),
    ("days_to_renewal", 21.0, "Renewal in 21 days"),
    ("days_to_renewal", float("nan"), "No renewal date"),
    ("metric.urgent_open_tickets", 3.0, "Urgent open tickets 3"),
    ("metric.nps_latest", 4.0, "Latest NPS answer 4"),
    ("metric.seat_utilization", 0.25, "Seat utilisation 25%"),
    ("metric.mrr", 1200.0, "MRR USD 1,200"),
    ("tenure_days", 400.0, "Customer for 400 days"),
    ("health.score", 41.6, "Health score 42"),
    ("attr.employees", 34.0, "Employees 34"),
])
def test_values_are_said_in_their_units(name: str, value: float, text: str) -> None:
    assert describe(Feature(name, "numeric"), value) == text


def test_categories_and_health_measures_in_words(company: App) -> None:
    tier = Feature("attr.crm_tier", "categorical", ("A", "B"))
    assert describe(tier, "B") == "Crm tier B"
    assert describe(tier, "Q") == "Crm tier Q (rare)"
    assert describe(tier, None) == "Crm tier unknown"
    health = load_model(company.settings)
    label = health.measures["nps"].label
    assert describe(Feature("health.voice.nps", "numeric"), 0.0, health_model=health) == (
        f"Health measure {label} scores 0 of 100")
    # A missing value in the words of the health measure that reads the metric.
    assert describe(Feature("metric.stickiness", "numeric"), float("nan"),
                    health_model=health) == "No active users in the last 30 days"
    assert describe(Feature("metric.stickiness", "numeric"), float("nan")) == (
        "Stickiness (DAU/MAU) unknown")
    assert lab.DEFAULT_HORIZON_DAYS == 90
