"""The scoring conventions of KPI_DEFINITIONS.md ("Health score conventions"), by hand.

Each expected number is worked out in the comment beside it from the published examples
(Totango, Catalyst, Vitally) or from the definition of the method, not from the code.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenure.health.history import trend
from tenure.health.model import build_model
from tenure.health.scoring import score_frame
from tenure.health.words import drag_text

DAY = date(2026, 6, 30)


def frame(**columns: list[Any]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base: dict[str, Any] = {
        "account_id": [f"a{i}" for i in range(n)], "lifecycle": ["active"] * n,
        "segment": ["smb"] * n, "pulse": [np.nan] * n,
    }
    base.update(columns)
    return pd.DataFrame(base)


def model(measures: dict[str, dict[str, Any]], groups: dict[str, dict[str, Any]],
          **extra: Any) -> Any:
    return build_model({"measures": measures,
                        "profiles": [{"name": "p", "groups": groups}], **extra})


# Totango's good / average / poor measure: good >= 1 (100), average >= 0.5 (60), else 0.
GAP = {"scoring": "thresholds", "good": 1.0, "average": 0.5}


def test_totango_measures_and_groups() -> None:
    # Group A: two measures at 50/50, one good (100) and one average (60) -> 80.
    # Group B: one poor measure -> 0. Groups 80 and 0 at 60/40 -> 0.6*80 + 0.4*0 = 48.
    m = model(
        {"x": {**GAP, "metric": "mrr"}, "y": {**GAP, "metric": "arr"},
         "z": {**GAP, "metric": "seats"}},
        {"a": {"weight": 60, "measures": {"x": 50, "y": 50}},
         "b": {"weight": 40, "measures": {"z": 100}}})
    s = score_frame(frame(mrr=[1.0], arr=[0.7], seats=[0.1]), m, as_of=DAY)
    assert s.accounts["score"].iloc[0] == pytest.approx(48)
    groups = dict(zip(s.groups["group"], s.groups["score"], strict=True))
    assert groups == pytest.approx({"a": 80, "b": 0})
    assert s.accounts["band"].iloc[0] == "red"  # 48 < 50


def test_missing_input_spreads_its_weight_in_proportion() -> None:
    # Catalyst: weights 50 / 30 / 20, the 30 one has no value; scores 100 and 0 ->
    # (50*100 + 20*0) / (50 + 20) = 71.43; effective weights 50/70 and 20/70.
    m = model(
        {"x": {**GAP, "metric": "mrr"}, "y": {**GAP, "metric": "arr"},
         "z": {**GAP, "metric": "seats"}},
        {"a": {"weight": 1, "measures": {"x": 50, "y": 30, "z": 20}}})
    s = score_frame(frame(mrr=[2.0], arr=[np.nan], seats=[0.0]), m, as_of=DAY)
    assert s.accounts["score"].iloc[0] == pytest.approx(5000 / 70)
    w = dict(zip(s.measures["measure"], s.measures["weight"], strict=True))
    assert w == pytest.approx({"x": 50 / 70, "y": 0.0, "z": 20 / 70})


def test_an_empty_group_spreads_its_weight_over_the_other_groups() -> None:
    # Groups at 60/40; the 40 group has no value at all -> the score is the 60 group's.
    m = model(
        {"x": {**GAP, "metric": "mrr"}, "y": {**GAP, "metric": "arr"}},
        {"a": {"weight": 60, "measures": {"x": 1}}, "b": {"weight": 40, "measures": {"y": 1}}})
    s = score_frame(frame(mrr=[0.6], arr=[np.nan]), m, as_of=DAY)
    assert s.accounts["score"].iloc[0] == pytest.approx(60)  # average -> 60
    g = s.groups.set_index("group")
    assert g.loc["a", "weight"] == pytest.approx(1.0)
    assert g.loc["b", "weight"] == 0 and np.isnan(g.loc["b", "score"])


def test_no_value_at_all_gives_no_score_and_no_band() -> None:
    m = model({"x": {**GAP, "metric": "mrr"}}, {"a": {"weight": 1, "measures": {"x": 1}}})
    s = score_frame(frame(mrr=[np.nan]), m, as_of=DAY)
    assert np.isnan(s.accounts["score"].iloc[0])
    assert s.accounts["band"].iloc[0] is None


def test_vitally_two_of_three_checks_pass() -> None:
    # Vitally: three integration checks, two pass -> (10 + 10 + 0) / 3 = 6.67 of 10,
    # i.e. 66.7 of 100. A check passes at 1 (score 100) and fails at 0 (score 0).
    check = {"scoring": "ranges", "ranges": [{"to": 1, "score": 0}, {"from": 1, "score": 100}]}
    m = model({"c1": {**check, "metric": "mrr"}, "c2": {**check, "metric": "arr"},
               "c3": {**check, "metric": "seats"}},
              {"integrations": {"weight": 1, "measures": {"c1": 1, "c2": 1, "c3": 1}}})
    s = score_frame(frame(mrr=[1], arr=[1], seats=[0]), m, as_of=DAY)
    assert s.accounts["score"].iloc[0] / 10 == pytest.approx(6.67, abs=0.005)


@pytest.mark.parametrize(("score", "band"), [
    (15, "red"), (54, "yellow"), (0, "red"), (49.99, "red"), (50, "yellow"),
    (74.99, "yellow"), (75, "green"), (100, "green")])
def test_default_bands(score: float, band: str) -> None:
    # KPI_DEFINITIONS: 0-50 red, 50-75 yellow, 75-100 green (a score of 15 is red, 54 yellow).
    assert build_model().band_of(score) == band


def test_thresholds_lower_is_better_ranges_linear_and_percentiles() -> None:
    measures = {
        # Lower is better: good <= 2 (100), average <= 5 (60), else 0.
        "low": {"scoring": "thresholds", "good": 2, "average": 5, "metric": "mrr"},
        # Linear from worst 0.03 (0) to best 0.2 (100): 0.115 is half-way -> 50.
        "lin": {"scoring": "linear", "worst": 0.03, "best": 0.2, "metric": "arr"},
        # Mid-rank percentile of [10, 20, 20, 40]: below + half the equal ones, over 4:
        # 10 -> 0.5/4 = 12.5; 20 -> (1 + 1)/4 = 50; 40 -> 3.5/4 = 87.5.
        "pct": {"scoring": "percentile", "metric": "seats"},
        "pct_low": {"scoring": "percentile", "metric": "seats", "higher_is_better": False},
    }
    m = model(measures, {"g": {"weight": 1, "measures": {k: 1 for k in measures}}})
    f = frame(mrr=[2, 5, 5.01, np.nan], arr=[0.115, 0.0, 1.0, 0.2], seats=[10, 20, 20, 40])
    s = score_frame(f, m, as_of=DAY)
    got = s.measures.pivot(index="account_id", columns="measure", values="score")
    assert got["low"].tolist()[:3] == [100, 60, 0] and np.isnan(got["low"].iloc[3])
    assert got["lin"].tolist() == pytest.approx([50, 0, 100, 100])
    assert got["pct"].tolist() == pytest.approx([12.5, 50, 50, 87.5])
    assert got["pct_low"].tolist() == pytest.approx([87.5, 50, 50, 12.5])


def test_percentiles_within_a_dimension() -> None:
    # Within segment: smb [1, 3] -> 25, 75; enterprise [100] alone -> 50.
    m = model({"p": {"scoring": "percentile", "metric": "mrr", "within": "segment"}},
              {"g": {"weight": 1, "measures": {"p": 1}}})
    f = frame(mrr=[1, 3, 100], segment=["smb", "smb", "enterprise"])
    assert score_frame(f, m, as_of=DAY).accounts["score"].tolist() == pytest.approx([25, 75, 50])


def test_if_missing_scores_a_missing_value_instead_of_ignoring_it() -> None:
    m = model({"x": {**GAP, "metric": "mrr", "if_missing": 0},
               "y": {**GAP, "metric": "arr"}},
              {"g": {"weight": 1, "measures": {"x": 1, "y": 1}}})
    s = score_frame(frame(mrr=[np.nan], arr=[1.0]), m, as_of=DAY)
    assert s.accounts["score"].iloc[0] == pytest.approx(50)  # (0 + 100) / 2


def test_profiles_are_chosen_by_the_first_rule_that_holds() -> None:
    health = {
        "measures": {"x": {**GAP, "metric": "mrr"}, "y": {**GAP, "metric": "arr"}},
        "profiles": [
            {"name": "big", "when": "segment == 'enterprise' and lifecycle != 'onboarding'",
             "groups": {"g": {"weight": 1, "measures": {"x": 1}}}},
            {"name": "rest", "groups": {"g": {"weight": 1, "measures": {"y": 1}}}},
        ]}
    m = build_model(health)
    f = frame(mrr=[1.0, 1.0, 1.0, 1.0], arr=[0.0, 0.0, 0.0, 0.0],
              segment=["enterprise", "smb", "enterprise", "enterprise"],
              lifecycle=["active", "active", "onboarding", "churned"])
    s = score_frame(f, m, as_of=DAY)
    assert s.accounts["profile"].tolist() == ["big", "rest", "rest", None]
    assert s.accounts["score"].tolist()[:3] == [100, 0, 0]
    assert np.isnan(s.accounts["score"].iloc[3])  # churned accounts are not scored
    forced = score_frame(f, m, as_of=DAY, profile="big")
    assert forced.accounts["profile"].tolist() == ["big", "big", "big", None]


@pytest.mark.parametrize(("now", "before", "expected"), [
    (70, 60, "up"), (60, 70, "down"), (64, 60, "flat"), (55, 60, "flat"), (54.9, 60, "down"),
    (65.1, 60, "up"), (60, None, None)])
def test_trend_against_the_earlier_score_with_a_tolerance(
        now: float, before: float | None, expected: str | None) -> None:
    # Up when above the earlier score, down when below; moves within 5 points are flat.
    assert trend(now, before, 5.0) == expected


def test_drags_are_said_in_words() -> None:
    m = build_model()
    usage = m.measures["usage_trend"]
    assert drag_text(usage, -0.42, 0) == "usage down 42% over 30 days"
    assert drag_text(m.measures["urgent_tickets"], 2, 0) == "2 urgent tickets open"
    assert drag_text(m.measures["pulse"], 0, 0) == "the CSM's pulse is red"


def test_the_biggest_costs_are_the_drags() -> None:
    # Weights 50/30/20 with scores 0 / 60 / 100: costs 50, 12, 0 -> two drags, largest first.
    m = model({},  # the built-in measures
              {"g": {"weight": 1, "measures": {"usage_trend": 50, "urgent_tickets": 30,
                                               "nps": 20}}})
    f = frame(usage_trend=[-0.5], urgent_open_tickets=[1], nps_latest=[10])
    s = score_frame(f, m, as_of=DAY)
    # usage -50% -> 0; one urgent ticket -> 40 (built-in ranges); NPS 10 -> 100.
    assert s.accounts["score"].iloc[0] == pytest.approx(0.3 * 40 + 0.2 * 100)
    assert s.accounts["drags"].iloc[0] == ["usage down 50% over 30 days",
                                           "1 urgent tickets open"]



def test_a_percentile_measure_at_or_above_the_median_is_no_drag() -> None:
    # Tickets ranked within the segment, fewer is better, among four accounts with 0, 0, 0
    # and 9 tickets. Mid-ranks of the ties: (1+2+3)/3 = 2 -> percentile 100 (2 - 0.5) / 4 =
    # 37.5, reversed: score 62.5, cost 37.5 points. The account with 9 tickets: rank 4 ->
    # 87.5, reversed: 12.5. Only that one has "many for the segment" in its words.
    m = model({}, {"g": {"weight": 1, "measures": {"ticket_volume": 1}}})
    f = frame(tickets_opened=[0, 0, 0, 9], segment=["smb"] * 4)
    s = score_frame(f, m, as_of=DAY)
    assert s.accounts["score"].tolist() == pytest.approx([62.5, 62.5, 62.5, 12.5])
    assert s.accounts["drags"].tolist() == [
        [], [], [], ["9 tickets opened in 90 days, many for the segment"]]

values = st.one_of(st.none(), st.floats(-2, 12, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(values, values, values, values), min_size=1, max_size=12),
       st.lists(st.floats(0.1, 10), min_size=4, max_size=4))
def test_contributions_add_up_to_the_score(rows: list[tuple[Any, ...]],
                                           weights: list[float]) -> None:
    m = model({"a": {**GAP, "metric": "mrr"},
               "b": {"scoring": "linear", "worst": 0, "best": 10, "metric": "arr"},
               "c": {"scoring": "percentile", "metric": "seats"},
               "d": {"scoring": "ranges", "metric": "mau",
                     "ranges": [{"to": 3, "score": 10}, {"from": 5, "score": 90}]}},
              {"g1": {"weight": weights[0], "measures": {"a": weights[1], "b": weights[2]}},
               "g2": {"weight": weights[3], "measures": {"c": 1, "d": 2}}})
    cols = list(zip(*rows, strict=True))
    f = frame(**{k: [np.nan if v is None else v for v in c]
                 for k, c in zip(["mrr", "arr", "seats", "mau"], cols, strict=True)})
    s = score_frame(f, m, as_of=DAY)
    by = s.measures.groupby("account_id")
    for acc in s.accounts.itertuples():
        if np.isnan(acc.score):
            assert acc.account_id not in by.groups or by.get_group(acc.account_id)[
                "weight"].sum() == 0
            continue
        g = by.get_group(acc.account_id)
        assert g["contribution"].sum() == pytest.approx(acc.score, abs=1e-9)
        assert g["weight"].sum() == pytest.approx(1.0)
        assert 0 <= acc.score <= 100
