"""The conventions on which vendors differ, each a setting, each with its own test.

Same approach as test_worked_examples.py: canonical CSV rows through the real importer, the real
engine, expected numbers worked out by hand from KPI_DEFINITIONS.md and the spec
(tests/metrics/SPEC.md, "Retention" and "MRR").
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from tests.metrics.test_worked_examples import (
    LOGO_AS_OF,
    RESP_HEADER,
    SUB_HEADER,
    approx,
    load,
    load_accounts,
    load_logo_churn_example,
    metrics,
    single,
)

from tenure import App, init_workspace


# ---------------------------------------------------------------------- logo churn
@pytest.fixture(scope="module")
def logo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The published logo-churn example (see load_logo_churn_example), imported once; the
    tests pass their settings to compute_metrics and leave the app's own untouched."""
    tmp = tmp_path_factory.mktemp("logo")
    with init_workspace(tmp / "ws") as app:
        load_logo_churn_example(app, tmp)
        yield app


# March 2025 (see load_logo_churn_example for the rows):
#   accounts paying on 2025-02-28 (accounts_at_start)                    100
#   new in March: j01 (joins and churns) + j02..j05 (stay)                 5
#   churn movements in March                                              12
#     s001..s010: were paying at the start, not paying on 03-31         10
#     s011: was paying at the start, paying again on 03-31 (returned)    1
#     j01: not paying at the start (joined in March), gone by 03-31      1
# churned_accounts = the 10, + s011 with count_churn_and_return, + j01 with
# count_join_and_churn. The denominator is accounts_at_start = 100 whatever is counted in the
# numerator (the joiner is not added to it: it was not there at the start); with
# churn_denominator = "start_plus_new" it is 100 + 5 new = 105 (the reactivated s011 is not new).
@pytest.mark.parametrize(
    ("churn_and_return", "join_and_churn", "denominator", "churned", "rate"),
    [
        pytest.param(False, False, "start", 10, 10 / 100, id="chartmogul-standard"),
        pytest.param(True, False, "start", 11, 11 / 100, id="count-churn-and-return"),
        pytest.param(False, True, "start", 11, 11 / 100, id="count-join-and-churn"),
        pytest.param(True, True, "start", 12, 12 / 100, id="count-both"),
        pytest.param(False, False, "start_plus_new", 10, 10 / 105, id="start-plus-new"),
        pytest.param(True, True, "start_plus_new", 12, 12 / 105, id="both-start-plus-new"),
    ],
)
def test_logo_churn_conventions(logo_app: App, churn_and_return: bool, join_and_churn: bool,
                                denominator: str, churned: int, rate: float) -> None:
    settings = logo_app.settings.model_copy(deep=True)
    settings.metrics.count_churn_and_return = churn_and_return
    settings.metrics.count_join_and_churn = join_and_churn
    settings.metrics.churn_denominator = denominator  # type: ignore[assignment]
    v = single(metrics(logo_app, LOGO_AS_OF, ["accounts_at_start", "new_accounts",
                                              "churned_accounts", "logo_churn_rate"],
                       settings=settings))
    assert v == approx({"accounts_at_start": 100.0, "new_accounts": 5.0,
                        "churned_accounts": float(churned), "logo_churn_rate": rate})


def test_logo_churn_settings_on_the_app(app: App, tmp_path: Path) -> None:
    """The same switches set on app.settings (validate_assignment) are honoured."""
    load_logo_churn_example(app, tmp_path)
    app.settings.metrics.count_join_and_churn = True
    app.settings.metrics.churn_denominator = "start_plus_new"
    v = single(metrics(app, LOGO_AS_OF, ["churned_accounts", "logo_churn_rate"]))
    assert v == approx({"churned_accounts": 11.0, "logo_churn_rate": 11 / 105})


# ---------------------------------------------------------------------- churn recognition
def test_churn_recognition_takes_the_earlier_of_valid_to_and_canceled_at(
        app: App, tmp_path: Path) -> None:
    """Spec: with "cancellation", end = min(valid_to, canceled_at) when canceled_at is given
    (an empty valid_to is infinitely late). All rows $100 from 2025-01-01; as_of 2025-06-30.

      early: valid_to 2025-06-15, canceled_at 2025-04-10 → cancellation: churns in April
      late:  valid_to 2025-05-20, canceled_at 2025-06-25 (after valid_to) → May either way
      open:  no valid_to, canceled_at 2025-03-05 → cancellation: March; term_end: never
      plain: valid_to 2025-04-01, no canceled_at → April either way
    """
    load_accounts(app, tmp_path, ["early", "late", "open", "plain"])
    load(app, tmp_path, "subscriptions", SUB_HEADER, [
        ("e", "early", "100", "2025-01-01", "2025-06-15", "pro", None, "2025-04-10"),
        ("l", "late", "100", "2025-01-01", "2025-05-20", "pro", None, "2025-06-25"),
        ("o", "open", "100", "2025-01-01", None, "pro", None, "2025-03-05"),
        ("p", "plain", "100", "2025-01-01", "2025-04-01", "pro", None, None),
    ])
    as_of = date(2025, 6, 30)

    def churned_by_month() -> list[float]:
        df = metrics(app, as_of, ["churned_mrr"], periods=4)  # March .. June
        return [float(x) for x in df.sort_values("period_start")["value"]]

    # term_end: plain (Apr 1), late (May 20), early (Jun 15); open never ends
    assert churned_by_month() == approx([0.0, 100.0, 100.0, 100.0])
    app.settings.metrics.churn_recognition = "cancellation"
    # cancellation: open (Mar 5), early (Apr 10) + plain (Apr 1), late (May 20)
    assert churned_by_month() == approx([100.0, 200.0, 100.0, 0.0])


# ---------------------------------------------------------------------- survey windows
def test_survey_window_settings(app: App, tmp_path: Path) -> None:
    """as_of 2025-06-30. NPS: a 10 on 06-01 (E - 29) and a 0 on 05-31 (E - 30); CSAT: a 5 on
    06-24 (E - 6) and a 1 on 06-23 (E - 7).

    Defaults (180 / 90 days): all four count → NPS 100 x (1 - 1) / 2 = 0, CSAT 1 / 2.
    nps_window_days = 30 (06-01..06-30): only the 10 → NPS 100; csat_window_days = 7
    (06-24..06-30): only the 5 → CSAT 1.0.
    """
    load_accounts(app, tmp_path, ["a1"])
    load(app, tmp_path, "survey_responses", RESP_HEADER, [
        ("n1", "a1", "nps", 10, "2025-06-01T00:00:00Z"),
        ("n2", "a1", "nps", 0, "2025-05-31T23:59:59Z"),
        ("c1", "a1", "csat", 5, "2025-06-24T00:00:00Z"),
        ("c2", "a1", "csat", 1, "2025-06-23T23:59:59Z"),
    ])
    names = ["nps", "nps_responses", "csat", "csat_responses"]
    as_of = date(2025, 6, 30)
    assert single(metrics(app, as_of, names)) == approx(
        {"nps": 0.0, "nps_responses": 2.0, "csat": 0.5, "csat_responses": 2.0})
    app.settings.metrics.nps_window_days = 30
    app.settings.metrics.csat_window_days = 7
    assert single(metrics(app, as_of, names)) == approx(
        {"nps": 100.0, "nps_responses": 1.0, "csat": 1.0, "csat_responses": 1.0})
