"""Validation of a health model: every problem at once, each with where it is."""

from __future__ import annotations

import pytest

from tenure.errors import HealthModelError
from tenure.health.model import build_model


def problems(health: dict) -> list[str]:  # type: ignore[type-arg]
    with pytest.raises(HealthModelError) as info:
        build_model(health)
    return info.value.problems


def test_the_built_in_model_is_valid() -> None:
    m = build_model()
    assert [p.name for p in m.profiles] == ["onboarding", "standard"]
    assert [b.label for b in m.bands] == ["red", "yellow", "green"]


def test_every_problem_is_listed_with_its_place() -> None:
    found = problems({
        "bands": [{"label": "red", "from": 0, "to": 60}, {"label": "green", "from": 50,
                                                           "to": 100}],
        "measures": {
            "typo": {"metric": "seat_utilisation", "scoring": "thresholds", "good": 1,
                     "average": 0.5},
            "company": {"metric": "nrr", "scoring": "linear", "worst": 0, "best": 1},
            "clash": {"metric": "mau", "scoring": "ranges",
                      "ranges": [{"to": 5, "score": 0}, {"from": 3, "score": 100}]},
        },
        "profiles": [{
            "name": "main", "when": "segmnt == 'smb'",
            "groups": {
                "usage": {"weight": 0, "measures": {"typo": 1}},
                "empty": {"weight": 10, "measures": {}},
                "voice": {"weight": 10, "measures": {"nps": 0, "ghost": 1}},
            }}],
    })
    expected = [
        "health.bands: red (0-60) and green (50-100) overlap",
        "health.measures.typo: unknown metric 'seat_utilisation'",
        "health.measures.company: metric 'nrr' is company-wide",
        "health.measures.clash: ranges overlap ([, 5) and [3, ))",
        "health.profiles[0] main: when reads 'segmnt'",
        "health.profiles[0] main.groups.usage: weight must be above 0",
        "health.profiles[0] main.groups.empty: the group is empty",
        "health.profiles[0] main.groups.voice: measure nps has weight 0",
        "health.profiles[0] main.groups.voice: unknown measure 'ghost'",
    ]
    for text in expected:
        assert any(p.startswith(text) for p in found), (text, found)
    assert len(found) == len(expected), found


def test_bands_must_cover_0_to_100_and_profiles_need_groups() -> None:
    found = problems({"bands": [{"label": "low", "from": 0, "to": 40},
                                {"label": "high", "from": 50, "to": 90}],
                      "profiles": [{"name": "p"}, {"name": "p", "groups": {
                          "g": {"weight": 1, "measures": {"nps": 1}}}}]})
    assert "health.bands: no band covers 40-50" in found
    assert "health.bands: the bands must cover 0 to 100" in found
    assert any(p.startswith("health.profiles[0] p: declare at least one group") for p in found)
    assert "health.profiles: name 'p' is used twice" in found


def test_a_workspace_measure_is_merged_with_the_built_in_ones() -> None:
    m = build_model({"measures": {"seats_used": {"metric": "seats", "scoring": "percentile"}},
                     "profiles": [{"name": "only", "groups": {"g": {"weight": 1, "measures": {
                         "seats_used": 1, "nps": 1}}}}]})
    assert set(m.profiles[0].measure_names()) == {"seats_used", "nps"}
    assert m.metrics() == ["nps_latest", "seats"]
