"""docs/health.md stays true: its tables of the built-in model match default.toml, it names
every key the validator accepts, and its TOML examples are models the validator accepts.

The built-in model is read with tomllib straight from src/tenure/health/default.toml, not
through tenure.health.model, so a change to the file fails here until the page follows.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tenure.health.model import _MEASURE_KEYS, LIFECYCLES, RULE_NAMES, SCORINGS, build_model
from tenure.settings import HealthSettings

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "health.md"
DEFAULT = ROOT / "src" / "tenure" / "health" / "default.toml"
NONE = "—"  # a cell with nothing to say (no metric, no rule)


def page() -> str:
    return DOCS.read_text(encoding="utf-8")


def builtin() -> dict[str, Any]:
    return tomllib.loads(DEFAULT.read_text(encoding="utf-8"))["health"]


def _cells(line: str) -> list[str]:
    # No cell of these tables holds an escaped pipe, so splitting on "|" is safe.
    return [c.strip() for c in line.strip().strip("|").split("|")]


def table(header: list[str]) -> list[dict[str, str]]:
    """The rows of the one markdown table on the page whose header row is ``header``."""
    lines = page().splitlines()
    starts = [i for i, line in enumerate(lines)
              if line.lstrip().startswith("|") and _cells(line) == header]
    assert len(starts) == 1, (
        f"docs/health.md: expected one table headed {header}, found {len(starts)}")
    rows = []
    for line in lines[starts[0] + 2:]:
        if not line.lstrip().startswith("|"):
            break
        cells = _cells(line)
        assert len(cells) == len(header), f"docs/health.md: row {line!r} has {len(cells)} cells"
        rows.append(dict(zip(header, cells, strict=True)))
    assert rows, f"docs/health.md: the table headed {header} is empty"
    return rows


def code(cell: str) -> str:
    """The text of a cell that is one `code span`."""
    m = re.fullmatch(r"`([^`]*)`", cell)
    assert m, f"docs/health.md: expected a single `code` cell, got {cell!r}"
    return m.group(1)


def num(v: float) -> str:
    return f"{v:g}"


def parameters(d: dict[str, Any]) -> str:
    """A measure's parameters as the page writes them (see the note above its table)."""
    scoring = d["scoring"]
    if scoring == "thresholds":
        op = "≥" if d["good"] > d["average"] else "≤"
        text = f"good {op} {num(d['good'])}, average {op} {num(d['average'])}"
        if "scores" in d and list(d["scores"]) != [100, 60, 0]:
            text += ", scores " + "/".join(num(s) for s in d["scores"])
    elif scoring == "ranges":
        parts = []
        for r in d["ranges"]:
            if "from" not in r:
                span = f"< {num(r['to'])}"
            elif "to" not in r:
                span = f"≥ {num(r['from'])}"
            else:
                span = f"{num(r['from'])} to {num(r['to'])}"
            parts.append(f"{span}: {num(r['score'])}")
        text = "; ".join(parts)
    elif scoring == "percentile":
        text = f"within {d['within']}" if d.get("within") else "among all scored accounts"
        if d.get("higher_is_better", True) is False:
            text += ", lower is better"
    elif scoring == "linear":
        text = f"worst {num(d['worst'])}, best {num(d['best'])}"
    else:
        text = "latest pulse"
    if "if_missing" in d:
        text += f"; missing scores {num(d['if_missing'])}"
    return text


# ------------------------------------------------------------------ the built-in model


def test_the_measures_table_matches_default_toml() -> None:
    measures = builtin()["measures"]
    rows = table(["measure", "metric", "scoring", "parameters", "why"])
    documented = [code(r["measure"]) for r in rows]

    assert sorted(documented) == sorted(measures), (
        "docs/health.md lists other measures than default.toml")
    assert len(documented) == len(set(documented)), "a measure is listed twice"
    for r in rows:
        name = code(r["measure"])
        d = measures[name]
        metric = NONE if r["metric"] == NONE else code(r["metric"])
        assert metric == d.get("metric", NONE), f"{name}: metric"
        assert code(r["scoring"]) == d["scoring"], f"{name}: scoring"
        assert r["parameters"] == parameters(d), f"{name}: parameters"
        assert r["why"], f"{name}: say why the measure is there"


def test_the_profiles_tables_match_default_toml() -> None:
    profiles = builtin()["profiles"]

    listed = table(["profile", "when", "description"])
    assert [code(r["profile"]) for r in listed] == [p["name"] for p in profiles], (
        "profiles or their order (first match wins) differ from default.toml")
    for r, p in zip(listed, profiles, strict=True):
        when = NONE if r["when"] == NONE else code(r["when"])
        assert when == p.get("when", NONE), f"{p['name']}: when"
        assert r["description"] == p.get("description", ""), f"{p['name']}: description"

    documented: dict[str, dict[str, tuple[str, float, dict[str, float]]]] = {}
    for r in table(["profile", "group", "label", "weight", "measures"]):
        members = {}
        for part in r["measures"].split(", "):
            m = re.fullmatch(r"`(\w+)` (\d+(?:\.\d+)?)", part)
            assert m, f"docs/health.md: cannot read {part!r} as `measure` weight"
            members[m.group(1)] = float(m.group(2))
        documented.setdefault(code(r["profile"]), {})[code(r["group"])] = (
            r["label"], float(r["weight"]), members)
    expected = {
        p["name"]: {g: (spec.get("label", g), float(spec["weight"]),
                        {m: float(w) for m, w in spec["measures"].items()})
                    for g, spec in p["groups"].items()}
        for p in profiles}
    assert documented == expected


def test_the_bands_table_matches_default_toml() -> None:
    rows = table(["band", "from", "to", "color"])

    assert [(r["band"], float(r["from"]), float(r["to"]), code(r["color"])) for r in rows] == [
        (b["label"], float(b["from"]), float(b["to"]), b["color"]) for b in builtin()["bands"]]


def test_the_settings_table_matches_the_declarations() -> None:
    rows = {code(r["setting"]): r["default"]
            for r in table(["setting", "default", "what it does"])}
    settings = {f"health.{name}": info.default
                for name, info in HealthSettings.model_fields.items()
                if not (isinstance(info.json_schema_extra, dict)
                        and info.json_schema_extra.get("model"))}

    assert set(rows) == set(settings)
    for name, default in settings.items():
        assert float(rows[name]) == default, f"{name}: the default is {default}"


# ------------------------------------------------------------------ keys and examples


@pytest.mark.parametrize("word", sorted({*_MEASURE_KEYS, *SCORINGS, *RULE_NAMES, *LIFECYCLES}))
def test_every_key_the_validator_accepts_is_documented(word: str) -> None:
    assert f"`{word}`" in page(), f"docs/health.md does not mention `{word}`"


def toml_examples() -> list[str]:
    blocks = re.findall(r"^```toml\n(.*?)^```", page(), flags=re.S | re.M)
    assert blocks, "docs/health.md has no TOML examples"
    return blocks


@pytest.mark.parametrize("index", range(len(toml_examples())))
def test_the_toml_examples_are_what_they_claim(index: int) -> None:
    text = toml_examples()[index]
    health = tomllib.loads(text)["health"]
    declared = {k: v for k, v in health.items() if k in ("bands", "measures", "profiles")}
    if text.startswith("# invalid"):
        # The validation example: the page quotes the error it gives.
        from tenure.errors import HealthModelError

        with pytest.raises(HealthModelError) as exc:
            build_model(declared)
        assert f"error: {exc.value}" in page()
    else:
        build_model(declared)
