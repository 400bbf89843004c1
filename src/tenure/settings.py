"""Settings, declared once: every setting has a type, a default and a help text.

`tenure.toml` holds one table per section below. Any setting can be overridden by an
environment variable ``TENURE_<SECTION>__<NAME>`` (upper case), which is where secrets such as
a PostgreSQL password belong: they never go into the toml.

``docs/settings.md`` is generated from these declarations (``python -m tenure.settings``); a
test fails when a setting has no help text or the page drifts from the code.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError

CONFIG_FILE = "tenure.toml"
ENV_PREFIX = "TENURE_"


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class CompanySettings(Section):
    """Who the workspace belongs to and how money is reported."""

    name: str = Field("", description="Company name shown in reports and the dashboard.")
    reporting_currency: str = Field(
        "USD",
        description="ISO 4217 currency that money is reported in; imported rows without a "
        "currency are taken to be in it.",
    )

    @field_validator("reporting_currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        if len(v) != 3 or not v.isalpha():
            raise ValueError("must be a three-letter ISO 4217 code such as USD")
        return v.upper()


class WarehouseSettings(Section):
    """The analytics warehouse holding the canonical tables."""

    url: str = Field(
        "duckdb:///data/warehouse.duckdb",
        description="Warehouse URL. duckdb:///PATH (relative to the workspace) is the "
        "embedded default.",
    )
    threads: int | None = Field(
        None, description="Threads the warehouse may use (default: all cores).", ge=1
    )
    memory_limit: str | None = Field(
        None, description="Memory the warehouse may use, e.g. '4GB' (default: 80% of RAM)."
    )


class AppDbSettings(Section):
    """The application database: snapshots, tasks, users, audit."""

    url: str = Field(
        "sqlite:///data/app.db",
        description="SQLAlchemy URL. sqlite:///PATH (relative to the workspace) by default; "
        "postgresql+psycopg://USER@HOST/DB for a team (password via TENURE_APP_DB__URL).",
    )


class ImportSettings(Section):
    """How files are imported."""

    batch_rows: int = Field(
        100_000,
        description="Rows handed from a CSV or JSON Lines file to the warehouse per batch; "
        "bounds the importer's Python memory (the warehouse holds the staged rows until the "
        "commit, spilling to disk beyond warehouse.memory_limit).",
        ge=1000,
    )
    rejects_dir: str = Field(
        "data/rejects",
        description="Folder (relative to the workspace) for rejects files: one CSV per import "
        "with file, line, reason and the rejected record.",
    )


class Settings(Section):
    """All settings of a workspace."""

    company: CompanySettings = Field(
        default_factory=CompanySettings, description="The company and its reporting currency."
    )
    warehouse: WarehouseSettings = Field(
        default_factory=WarehouseSettings, description="The analytics warehouse."
    )
    app_db: AppDbSettings = Field(
        default_factory=AppDbSettings, description="The application database."
    )
    imports: ImportSettings = Field(
        default_factory=ImportSettings,
        alias="import",
        description="Importing files.",
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def iter_settings(
    model: type[BaseModel] = Settings, prefix: str = ""
) -> Iterator[tuple[str, Any, str]]:
    """Yield (dotted name, default, help) for every leaf setting."""
    for name, info in model.model_fields.items():
        key = info.alias or name
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from iter_settings(ann, f"{prefix}{key}.")
            continue
        default = info.get_default(call_default_factory=True)
        yield f"{prefix}{key}", default, info.description or ""


def _apply_env(
    data: dict[str, Any], env: Mapping[str, str], origins: dict[tuple[str, str], str]
) -> dict[str, Any]:
    """Put ``TENURE_<SECTION>__<NAME>`` values into ``data``, noting each variable in
    ``origins`` so that a bad value is blamed on the variable, not on tenure.toml."""
    sections = {
        (info.alias or name): info.annotation for name, info in Settings.model_fields.items()
    }
    for var, value in env.items():
        if not var.startswith(ENV_PREFIX) or "__" not in var:
            continue
        section, _, key = var[len(ENV_PREFIX):].lower().partition("__")
        model = sections.get(section)
        if model is None or key not in model.model_fields:  # type: ignore[union-attr]
            raise ConfigError(f"{var} names no setting; see docs/settings.md for the list")
        data.setdefault(section, {})[key] = value
        origins[(section, key)] = var
    return data


def load_settings(home: Path, env: Mapping[str, str] | None = None) -> Settings:
    """Read ``home/tenure.toml`` (missing file: all defaults) and apply the environment."""
    path = home / CONFIG_FILE
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    origins: dict[tuple[str, str], str] = {}
    data = _apply_env(data, os.environ if env is None else env, origins)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            loc = [str(p) for p in e["loc"]]
            var = origins.get((loc[0], loc[1])) if len(loc) >= 2 else None
            source = f"from {var}" if var else f"in {path}"
            problems.append(f"{'.'.join(loc)} ({source}): {e['msg']}")
        raise ConfigError("; ".join(problems)) from exc


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} to TOML")


def default_toml() -> str:
    """The tenure.toml that `tenure init` writes: every setting with its help as a comment."""
    lines = [
        "# Tenure workspace settings. Every setting is listed with its default; see",
        "# docs/settings.md. Secrets go in environment variables (TENURE_<SECTION>__<NAME>).",
    ]
    section = None
    for dotted, default, help_text in iter_settings():
        sec, _, key = dotted.rpartition(".")
        if sec != section:
            section = sec
            lines += ["", f"[{sec}]"]
        lines.append(f"# {help_text}")
        if default is None:
            lines.append(f"# {key} =")
        else:
            lines.append(f"{key} = {_toml_value(default)}")
    return "\n".join(lines) + "\n"


def settings_markdown() -> str:
    """docs/settings.md, generated from the declarations."""
    out = [
        "# Settings",
        "",
        "Generated from `src/tenure/settings.py` by `python -m tenure.settings`; do not edit by "
        "hand. Each setting lives in `tenure.toml` under its section and can be overridden by "
        "the environment variable `TENURE_<SECTION>__<NAME>`.",
        "",
        "| setting | default | environment variable | what it does |",
        "|---|---|---|---|",
    ]
    for dotted, default, help_text in iter_settings():
        sec, _, key = dotted.rpartition(".")
        env = f"TENURE_{sec.upper()}__{key.upper()}"
        shown = "(none)" if default is None else f"`{_toml_value(default)}`"
        out.append(f"| `{dotted}` | {shown} | `{env}` | {help_text} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover - a docs generator
    print(settings_markdown(), end="")
