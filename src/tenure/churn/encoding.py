"""Which feature columns a model reads, and how: the feature schema saved with each model.

The schema is decided from the training rows and then fixed, so a model reads the same
columns the same way on any later day:

- numeric columns (metrics, changes, health, day counts) are kept unless they never have a
  value or always the same one in training;
- text columns (account dimensions, attributes) are *numbers* when at least
  :data:`NUMERIC_SHARE` of their values read as numbers ("34" employees), else *categories*:
  each level held by at least :data:`MIN_LEVEL_ACCOUNTS` accounts (or 1% of them) is kept, up
  to :data:`MAX_LEVELS`; the others read as ``(other)``. A column with no such level is an
  identifier (a website, a name) and is left out.

LightGBM reads categories as integer codes (``(other)`` the last, missing as NaN); the
logistic-regression baseline one-hot encodes the level names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

NUMERIC_SHARE = 0.95
MIN_LEVEL_ACCOUNTS = 5
MIN_LEVEL_SHARE = 0.01
MAX_LEVELS = 30
OTHER = "(other)"
MISSING = "(missing)"
TEXT_PREFIXES = ("account.", "attr.")
KEY_COLUMNS = ("account_id", "as_of", "churned")  # keys and the label: never features


@dataclass(frozen=True)
class Feature:
    """One column a model reads: numeric, or categorical with its kept levels."""

    name: str
    kind: str  # "numeric" | "categorical"
    levels: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.kind == "categorical":
            out["levels"] = list(self.levels)
        return out


def to_number(value: Any) -> float:
    """A value as a float (true/false as 1/0); NaN when it is not a number."""
    if value is None:
        return np.nan
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return np.nan


def _numbers(values: pd.Series) -> pd.Series:
    if values.dtype.kind in "fiub":
        return values.astype("float64")
    return pd.Series([to_number(v) for v in values], index=values.index, dtype="float64")


def _safe(name: str) -> str:
    # LightGBM refuses JSON's special characters in feature names.
    return re.sub(r"[^0-9A-Za-z_.\-]", "_", name)


@dataclass(frozen=True)
class FeatureSchema:
    """The features of a model, in order."""

    features: tuple[Feature, ...]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def numeric(self) -> list[str]:
        return [f.name for f in self.features if f.kind == "numeric"]

    @property
    def categorical(self) -> list[str]:
        return [f.name for f in self.features if f.kind == "categorical"]

    @property
    def categorical_indices(self) -> list[int]:
        return [i for i, f in enumerate(self.features) if f.kind == "categorical"]

    @property
    def lgb_names(self) -> list[str]:
        """Unique names LightGBM accepts, one per feature."""
        out: list[str] = []
        seen: set[str] = set()
        for f in self.features:
            base = name = _safe(f.name)
            i = 1
            while name in seen:
                i += 1
                name = f"{base}_{i}"
            seen.add(name)
            out.append(name)
        return out

    def levels_of(self, frame: pd.DataFrame, f: Feature) -> pd.Series:
        """A categorical column as its kept level names, OTHER or MISSING."""
        raw = frame[f.name] if f.name in frame.columns else pd.Series(None, index=frame.index)
        text = raw.astype(object).map(lambda v: None if v is None or v != v else str(v))
        kept = set(f.levels)
        return text.map(lambda v: MISSING if v is None else v if v in kept else OTHER)

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """The rows as LightGBM reads them (n x features, float)."""
        out = np.full((len(frame), len(self.features)), np.nan)
        for j, f in enumerate(self.features):
            if f.name not in frame.columns:
                continue  # a column gone since training (a removed attribute): missing
            if f.kind == "numeric":
                out[:, j] = _numbers(frame[f.name]).to_numpy()
            else:
                codes = {level: i for i, level in enumerate(f.levels)}
                codes[OTHER] = len(f.levels)
                out[:, j] = [codes.get(v, np.nan) for v in self.levels_of(frame, f)]
        return out

    def table(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows as the baseline reads them: numbers, and level names for categories."""
        data: dict[str, Any] = {}
        for f in self.features:
            if f.kind == "numeric":
                data[f.name] = (_numbers(frame[f.name]).to_numpy() if f.name in frame.columns
                                else np.full(len(frame), np.nan))
            else:
                data[f.name] = self.levels_of(frame, f).to_numpy(dtype=object)
        return pd.DataFrame(data, index=frame.index)

    def to_json(self) -> dict[str, Any]:
        return {"features": [f.as_dict() for f in self.features]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureSchema:
        return cls(tuple(Feature(name=f["name"], kind=f["kind"],
                                 levels=tuple(f.get("levels", ())))
                         for f in data["features"]))


def build_schema(frame: pd.DataFrame, *, exclude: Sequence[str] = ()) -> FeatureSchema:
    """The schema for training rows (one row per account and as-of date); ``exclude``: column
    names left out (the label attribute)."""
    accounts = frame["account_id"].nunique() if "account_id" in frame.columns else len(frame)
    min_accounts = max(MIN_LEVEL_ACCOUNTS, int(MIN_LEVEL_SHARE * accounts))
    features: list[Feature] = []
    for col in frame.columns:
        if col in KEY_COLUMNS or col in exclude:
            continue
        values = frame[col]
        if not col.startswith(TEXT_PREFIXES) or values.dtype.kind in "fiub":
            nums = _numbers(values)
            if nums.notna().any() and nums.nunique(dropna=False) > 1:
                features.append(Feature(col, "numeric"))
            continue
        present = values[values.notna()]
        if present.empty:
            continue
        nums = _numbers(present)
        if nums.notna().mean() >= NUMERIC_SHARE:
            if nums.nunique(dropna=False) > 1 or len(present) < len(values):
                features.append(Feature(col, "numeric"))
            continue
        text = present.map(str)
        holders = (frame.loc[present.index, "account_id"].groupby(text.to_numpy()).nunique()
                   if "account_id" in frame.columns else text.value_counts())
        holders = holders[holders >= min_accounts]
        ranked = sorted(holders.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_LEVELS]
        levels = tuple(sorted(str(k) for k, _ in ranked))
        varied = len(levels) > 1 or len(present) < len(values) or text.nunique() > len(levels)
        if levels and varied:
            features.append(Feature(col, "categorical", levels))
    return FeatureSchema(tuple(features))
