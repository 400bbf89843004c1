"""The churn model on the 5,000-account sample company: out of time, it must rank churners
well (AUC >= 0.80) and better than the health score on the same judged account-months.

Slow (about two minutes on two cores): the demo is generated, imported and scored, then the
model is trained (which judges the way of fitting out of time) and evaluated again from the
same point-in-time features.
"""

from __future__ import annotations

from datetime import date

import pytest
from tests.workspaces import sample_5k

from tenure import build_app
from tenure.churn import evaluate, latest_model, predict, train
from tenure.churn.features import PointInTime

pytestmark = pytest.mark.slow

DAY = date(2026, 11, 21)  # the last day with data
JUDGED = [date(2026, 5, 31), date(2026, 6, 30), date(2026, 7, 31)]


def test_the_model_beats_the_health_score_out_of_time(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    home = sample_5k(tmp_path_factory).home
    with build_app(home) as app:
        pit = PointInTime(app)
        card, _ = train(app, created=date(2026, 11, 22), pit=pit)
        ev = evaluate(app, pit=pit)
        found = predict(app, as_of=DAY)
        assert latest_model(app) is not None
    report = ev.report
    assert report["validation"]["kind"] == "out-of-time"
    assert report["validation"]["judged_months"] == JUDGED
    assert report["rows"] > 10_000 and report["churned"] > 200
    assert report["auc"] >= 0.80
    assert report["auc"] > report["auc_health"]
    assert report["auc"] > report["auc_baseline"]
    assert report["brier"] < report["brier_health"]
    assert report["pr_auc"] > report["pr_auc_health"]
    assert report["top_decile_lift"] > report["top_decile_lift_health"]
    for month in report["months"]:
        assert month["auc"] > month["auc_health"], month
    # Training judged the same way on the same data: the same figures; its card says so.
    for key in ("auc", "auc_health", "auc_baseline", "brier", "top_decile_lift"):
        assert card.metrics[key] == pytest.approx(report[key], rel=1e-12), key
    assert len(card.train_months) >= 12
    # Probabilities that add up: the expected churners among paying accounts now are in the
    # range of churn the judged months saw.
    expected = found["churn_probability"].mean()
    assert 0.3 * report["churn_rate"] < expected < 3 * report["churn_rate"]
