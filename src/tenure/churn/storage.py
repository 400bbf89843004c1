"""Saved churn models: one folder per version, each with its model card.

``WORKSPACE/models/churn/v0001/`` holds

- ``model.txt``: the booster, in LightGBM's own text format (``Booster.save_model``);
- ``calibrator.json``: raw score to probability (isotonic knots or Platt's a and b);
- ``features.json``: the feature schema (columns, kinds, category levels);
- ``card.json``: the model card (what it learned from, how it was judged, the libraries).

No pickle: every file is text a person can read and any later version can load. A version is
written to a temporary folder and renamed into place, so a half-written model is never the
latest. The latest model is the highest version number.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ChurnError
from .encoding import FeatureSchema
from .training import Calibrator, ChurnModel

if TYPE_CHECKING:
    from ..app import App

VERSION = re.compile(r"^v(\d{4,})$")
FILES = ("model.txt", "calibrator.json", "features.json", "card.json")


@dataclass
class ModelCard:
    """What a saved model is: its data, validation, figures and the software that made it."""

    version: int
    created: date
    as_of: date
    horizon_days: int
    label: str  # "mrr_to_zero" or "attribute:<name>"
    validation: dict[str, Any]
    train_months: list[date]
    calibration_months: list[date]
    rows: dict[str, int]
    features: list[str]
    metrics: dict[str, Any]
    params: dict[str, Any]
    libraries: dict[str, str]
    calibration: str
    top_features: list[dict[str, Any]] = field(default_factory=list)
    path: Path | None = None

    @property
    def name(self) -> str:
        return f"v{self.version:04d}"

    @property
    def data_window(self) -> dict[str, date | None]:
        months = sorted([*self.train_months, *self.calibration_months])
        return {"from": months[0] if months else self.as_of,
                "to": months[-1] if months else self.as_of}

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["path"] = str(self.path) if self.path else None
        out["name"] = self.name
        out["data_window"] = self.data_window
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], path: Path | None = None) -> ModelCard:
        def day(v: Any) -> date:
            return date.fromisoformat(v) if isinstance(v, str) else v  # type: ignore[no-any-return]

        keep = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        keep.update(created=day(data["created"]), as_of=day(data["as_of"]),
                    train_months=[day(m) for m in data.get("train_months", [])],
                    calibration_months=[day(m) for m in data.get("calibration_months", [])],
                    path=path)
        return cls(**keep)


def models_dir(app: App) -> Path:
    return app.home / "models" / "churn"


def versions(folder: Path) -> list[int]:
    """The complete versions saved in ``folder``, oldest first."""
    if not folder.is_dir():
        return []
    found = []
    for p in folder.iterdir():
        m = VERSION.match(p.name)
        if m and p.is_dir() and all((p / f).exists() for f in FILES):
            found.append(int(m.group(1)))
    return sorted(found)


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, default=_json_default, ensure_ascii=False) + "\n"


def save(folder: Path, model: ChurnModel, card: ModelCard) -> ModelCard:
    """Write ``model`` as the next version in ``folder``; the card with its version and
    path."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".writing-", dir=folder))
    try:
        model.booster.save_model(str(tmp / "model.txt"))
        (tmp / "calibrator.json").write_text(_dump(model.calibrator.to_json()), "utf-8")
        (tmp / "features.json").write_text(_dump(model.schema.to_json()), "utf-8")
        while True:
            card.version = (max(versions(folder), default=0)) + 1
            target = folder / card.name
            card.path = target
            data = card.as_dict()
            data.pop("path")
            (tmp / "card.json").write_text(_dump(data), "utf-8")
            try:
                tmp.rename(target)  # atomic; fails when another run took the number
                break
            except OSError:
                if not target.exists():
                    raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return card


def read_card(path: Path) -> ModelCard:
    data = json.loads((path / "card.json").read_text("utf-8"))
    return ModelCard.from_dict(data, path)


def load(path: Path) -> tuple[ChurnModel, ModelCard]:
    """The model and card saved in a version folder."""
    import lightgbm as lgb

    missing = [f for f in FILES if not (path / f).exists()]
    if missing:
        raise ChurnError(f"{path} is not a saved churn model (no {', '.join(missing)})")
    booster = lgb.Booster(model_file=str(path / "model.txt"))
    calibrator = Calibrator.from_json(json.loads((path / "calibrator.json").read_text("utf-8")))
    schema = FeatureSchema.from_json(json.loads((path / "features.json").read_text("utf-8")))
    return ChurnModel(schema, booster, calibrator), read_card(path)


def latest_path(app: App) -> Path | None:
    folder = models_dir(app)
    found = versions(folder)
    return folder / f"v{found[-1]:04d}" if found else None


def latest_card(app: App) -> ModelCard | None:
    path = latest_path(app)
    return read_card(path) if path else None


def load_latest(app: App, model_dir: Path | None = None) -> tuple[ChurnModel, ModelCard]:
    """The model in ``model_dir``, else the latest; ChurnError when there is none."""
    path = model_dir or latest_path(app)
    if path is None:
        raise ChurnError(f"no churn model in {models_dir(app)}: run `tenure churn train` first")
    return load(Path(path))
