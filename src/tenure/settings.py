"""Settings, declared once: every setting has a type, a default and a help text.

`tenure.toml` holds one table per section below. Any setting can be overridden by an
environment variable ``TENURE_<SECTION>__<NAME>`` (upper case), which is where secrets such as
a PostgreSQL password belong: they never go into the toml.

``docs/settings.md`` is generated from these declarations (``python -m tenure.settings``); a
test fails when a setting has no help text or the page drifts from the code.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

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
    lock_wait_seconds: float = Field(
        60.0, ge=0, description="How long a command that writes the warehouse waits for "
        "readers in other processes (the dashboard's server) to let go of the file.",
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


class MetricsSettings(Section):
    """How the KPI engine counts: the conventions on which vendors differ."""

    churn_recognition: Literal["term_end", "cancellation"] = Field(
        "term_end",
        description="When a cancelled subscription stops counting as MRR: 'term_end' (at "
        "valid_to, the end of the paid period; ChartMogul's default) or 'cancellation' (on "
        "the subscription's canceled_at day).",
    )
    count_join_and_churn: bool = Field(
        False,
        description="Count accounts that joined and churned within the same period as "
        "churned logos (ChartMogul's standard leaves them out).",
    )
    count_churn_and_return: bool = Field(
        False,
        description="Count accounts that churned and came back within the same period as "
        "churned logos (ChartMogul's standard leaves them out).",
    )
    churn_denominator: Literal["start", "start_plus_new"] = Field(
        "start",
        description="Logo churn rate denominator: accounts paying at the start of the "
        "period, or those plus the accounts new in the period.",
    )
    gross_margin: float = Field(
        1.0,
        description="Gross margin (0-1) that multiplies ARPA in LTV; 1.0 reports "
        "revenue LTV.",
        gt=0,
        le=1,
    )
    nps_window_days: int = Field(
        180, description="Trailing window of survey answers behind NPS (Gainsight: 180).", ge=1
    )
    csat_window_days: int = Field(90, description="Trailing window behind CSAT.", ge=1)
    ces_window_days: int = Field(90, description="Trailing window behind CES.", ge=1)
    purchase_kinds: list[str] = Field(
        default_factory=list,
        description="Invoice kinds that count as purchases in the repeat purchase rate "
        "(subscription, addon, services, one_off); empty means all kinds.",
    )


class SupportSettings(Section):
    """How support times are measured and which response times are promised."""

    business_hours: str = Field(
        "",
        description="Empty: durations in calendar hours. 'HH:MM-HH:MM': only hours inside "
        "this daily window, Monday to Friday, count.",
    )
    utc_offset_hours: float = Field(
        0.0,
        description="Offset of the support team's local time from UTC, for business hours.",
        ge=-14,
        le=14,
    )
    sla_urgent_hours: float = Field(1.0, description="First-response target, urgent.", gt=0)
    sla_high_hours: float = Field(4.0, description="First-response target, high.", gt=0)
    sla_normal_hours: float = Field(
        8.0, description="First-response target, normal (and tickets without priority).", gt=0
    )
    sla_low_hours: float = Field(24.0, description="First-response target, low.", gt=0)

    @field_validator("business_hours")
    @classmethod
    def _hours(cls, v: str) -> str:
        v = v.strip()
        if v and business_window(v) is None:
            raise ValueError("must be empty or a daily window such as '09:00-17:00'")
        return v

    @property
    def business_window(self) -> tuple[float, float] | None:
        """(start, end) of the business day in hours, or None for calendar hours."""
        return business_window(self.business_hours) if self.business_hours else None


def business_window(text: str) -> tuple[float, float] | None:
    """'09:00-17:30' -> (9.0, 17.5); None when the text is not such a window."""
    m = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", text.strip())
    if not m:
        return None
    h0, m0, h1, m1 = (int(g) for g in m.groups())
    start, end = h0 + m0 / 60, h1 + m1 / 60
    if m0 >= 60 or m1 >= 60 or not 0 <= start < end <= 24:
        return None
    return start, end


class AdoptionSettings(Section):
    """What counts as adoption and engagement in product events and activities."""

    key_features: list[str] = Field(
        default_factory=lambda: [
            "report_created", "report_shared", "dashboard_created", "alert_created",
            "integration_synced", "data_exported", "comment_added",
        ],
        description="Event names of the key features behind feature breadth.",
    )
    value_milestones: list[str] = Field(
        default_factory=lambda: ["integration_connected", "first_report_created"],
        description="Event names that mark first value; time to value runs from the "
        "account's start to the first of them.",
    )
    touchpoint_kinds: list[str] = Field(
        default_factory=lambda: ["call", "email", "meeting", "qbr"],
        description="Activity kinds that count as a touchpoint with the customer.",
    )
    automated_actors: list[str] = Field(
        default_factory=lambda: ["automation"],
        description="Activity actors whose touchpoints are automated and do not count as "
        "a touchpoint.",
    )


class HealthSettings(Section):
    """How health scores are kept and compared; the health model itself (bands, measures,
    profiles) is declared beside these, see docs/health.md."""

    trend_days: int = Field(
        30, description="Days back to the score a health trend compares with.", ge=1)
    trend_tolerance: float = Field(
        5.0,
        description="Points a score must move over trend_days to count as up or down "
        "(smaller moves are flat).",
        ge=0,
    )
    onboarding_days: int = Field(
        90,
        description="Days after the first payment during which an account's lifecycle "
        "stage is 'onboarding' (profiles can choose by it).",
        ge=1,
    )
    pulse_max_age_days: int = Field(
        90, description="Days a CSM's pulse counts before it is too old to score.", ge=1)
    horizon_days: int = Field(
        90, description="Default horizon of `tenure health backtest`: churn within this many "
        "days after each month end.", ge=1)
    bands: list[dict[str, Any]] | None = Field(
        None, description="The health model's bands ([[health.bands]]).",
        json_schema_extra={"model": True})
    measures: dict[str, dict[str, Any]] | None = Field(
        None, description="The health model's measures ([health.measures.NAME]).",
        json_schema_extra={"model": True})
    profiles: list[dict[str, Any]] | None = Field(
        None, description="The health model's profiles ([[health.profiles]]).",
        json_schema_extra={"model": True})

    def declared_model(self) -> dict[str, Any]:
        """The parts of the health model this workspace declares (the rest is built in)."""
        return {k: v for k in ("bands", "measures", "profiles")
                if (v := getattr(self, k)) is not None}


class ClvSettings(Section):
    """Lifetime value: how future revenue is discounted and how far ahead it counts."""

    discount_rate: float = Field(
        0.10, description="Annual discount rate for lifetime value (0.10 = 10% a year).",
        ge=0, lt=1)
    horizon_months: int = Field(
        60, description="Months of future revenue a subscription's lifetime value counts.",
        ge=1, le=600)


class PlaybookSettings(Section):
    """How playbooks turn scores into tasks; the playbooks themselves are declared beside
    these as [[playbooks.playbook]] (merged by name with the built-in ones), see
    docs/playbooks.md."""

    enabled: bool = Field(
        True, description="Evaluate the playbooks at the end of each scoring run.")
    lookback_days: int = Field(
        7, description="Records (survey answers, tickets, contacts who left) newer than this "
        "many days before the scoring day count as new for event triggers.", ge=1)
    cooldown_days: int = Field(
        30, description="Days after a task is closed before the same playbook may open a task "
        "for the same account and reason again.", ge=0)
    default_owner: str = Field(
        "", description="Who gets a task when its account has no owner (an email); empty "
        "leaves such tasks unassigned.")
    effect_horizon_days: int = Field(
        90, description="`tenure playbooks effect`: churn within this many days after a task "
        "was made.", ge=1)
    playbook: list[dict[str, Any]] | None = Field(
        None, description="The playbooks ([[playbooks.playbook]]).",
        json_schema_extra={"model": True})


class NotificationSettings(Section):
    """Email (SMTP) and Slack / webhook messages: sent from an outbox with retries."""

    smtp_host: str = Field("", description="SMTP server; empty: email actions are queued "
                           "but not sent (`tenure outbox` shows them).")
    smtp_port: int = Field(25, description="SMTP port (587 with smtp_starttls, 465 with "
                           "smtp_ssl).", ge=1, le=65535)
    smtp_username: str = Field("", description="SMTP login; empty: no login.")
    smtp_password: str = Field(
        "", description="SMTP password: set it with TENURE_NOTIFICATIONS__SMTP_PASSWORD, "
        "never in tenure.toml.")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_ssl: bool = Field(False, description="Connect to the SMTP server over TLS.")
    from_address: str = Field("tenure@localhost", description="The From: of Tenure's emails.")
    slack_webhook_url: str = Field(
        "", description="Slack incoming-webhook URL (a secret: set it with "
        "TENURE_NOTIFICATIONS__SLACK_WEBHOOK_URL); empty: Slack actions are queued, not sent.")
    webhook_url: str = Field(
        "", description="A URL that receives each webhook action's JSON by POST; empty: "
        "webhook actions are queued, not sent.")
    max_attempts: int = Field(
        12, description="Attempts before a message is marked failed (retry it with "
        "`tenure outbox retry`).", ge=1)
    backoff_seconds: float = Field(
        30.0, description="Wait before the first retry; each retry doubles it.", gt=0)
    backoff_max_seconds: float = Field(
        3600.0, description="The longest wait between two attempts.", gt=0)
    timeout_seconds: float = Field(
        10.0, description="Network timeout of one attempt.", gt=0)
    dashboard_url: str = Field(
        "", description="Base URL of the dashboard, for links in messages (empty: no links).")
    include_personal_data: bool = Field(
        False, description="Let Slack and webhook messages name people: off, every email "
        "address in them is masked (the account's owner becomes 'the account owner'); "
        "emails to an address are not affected.")


class OnboardingSettings(Section):
    """Onboarding plans: milestone templates per segment, declared as [[onboarding.plans]]
    (replacing the built-in ones), see docs/onboarding.md."""

    auto_enrol: bool = Field(
        True, description="Each scoring run enrols accounts in their onboarding lifecycle "
        "stage that have no plan yet.")
    stalled_after_days: int = Field(
        7, description="Days past a milestone's due date before the onboarding counts as "
        "stalled and the onboarding-stalled playbook acts (0: as soon as one is overdue); a "
        "week's grace keeps a milestone a day late off the worklist.", ge=0)
    plans: list[dict[str, Any]] | None = Field(
        None, description="The onboarding templates ([[onboarding.plans]]).",
        json_schema_extra={"model": True})


class CheckinSettings(Section):
    """How often a CSM should be in touch with an account, per segment."""

    cadence_days: dict[str, int] = Field(
        default_factory=lambda: {"enterprise": 30, "mid_market": 90, "smb": 0},
        description="Days between check-ins per segment; 0 means the segment is served by "
        "automated touches only (no check-in becomes overdue).")
    default_days: int = Field(
        90, description="Cadence of accounts whose segment is not in cadence_days (0: none).",
        ge=0)


class ApiSettings(Section):
    """The REST API and dashboard server (`tenure serve`): sessions and login throttling."""

    session_secret: str = Field(
        "", description="Key that signs session cookies; set it through "
        "TENURE_API__SESSION_SECRET, never in this file. Empty: a random key is made once and "
        "kept in data/session.key (readable by the owner only).")
    session_hours: int = Field(
        12, description="Hours a dashboard session lasts after login.", ge=1)
    login_max_failures: int = Field(
        5, description="Failed logins for one email within login_window_minutes before "
        "further logins for it are refused until the window has passed.", ge=1)
    login_window_minutes: int = Field(
        15, description="The window of login_max_failures, in minutes.", ge=1)


class PrivacySettings(Section):
    """Personal data: how long it is kept (retention rules, declared as
    [[privacy.retention]] and merged by table with the built-in ones), see docs/privacy.md."""

    retention_on_score: bool = Field(
        True, description="Apply the retention rules at the end of each scoring run for the "
        "current day (`tenure privacy enforce` applies them on demand).")
    request_due_days: int = Field(
        30, ge=1, le=90, description="Days within which a person's access or erasure request "
        "is due, counted from the day it was received (GDPR art. 12: one month; CCPA: 45 "
        "days). The register (`tenure privacy requests`, the Privacy page) flags it overdue "
        "after that.")
    process_on_score: bool = Field(
        True, description="Carry out pending erasure requests (filed from the dashboard or "
        "the API) at the start of each scoring run for the current day; `tenure privacy "
        "process` carries them out on demand.")
    retention: list[dict[str, Any]] | None = Field(
        None, description="Retention rules ([[privacy.retention]]: table, after, action "
        "delete or redact, columns); a table named here gets only the rules declared for it.",
        json_schema_extra={"model": True})


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
    metrics: MetricsSettings = Field(
        default_factory=MetricsSettings, description="KPI conventions and windows."
    )
    support: SupportSettings = Field(
        default_factory=SupportSettings, description="Support times and SLA targets."
    )
    adoption: AdoptionSettings = Field(
        default_factory=AdoptionSettings, description="Adoption and engagement."
    )
    health: HealthSettings = Field(
        default_factory=HealthSettings, description="Health scores and the health model."
    )
    clv: ClvSettings = Field(
        default_factory=ClvSettings, description="Lifetime value."
    )
    playbooks: PlaybookSettings = Field(
        default_factory=PlaybookSettings, description="Playbooks and tasks."
    )
    notifications: NotificationSettings = Field(
        default_factory=NotificationSettings, description="Email and Slack messages."
    )
    onboarding: OnboardingSettings = Field(
        default_factory=OnboardingSettings, description="Onboarding plans."
    )
    checkins: CheckinSettings = Field(
        default_factory=CheckinSettings, description="Check-in cadence."
    )
    api: ApiSettings = Field(
        default_factory=ApiSettings, description="The REST API and the dashboard server."
    )
    privacy: PrivacySettings = Field(
        default_factory=PrivacySettings, description="Personal data: retention."
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
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get("model"):
            continue  # a part of the health model: docs/health.md, not a setting
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
        field_type = model.model_fields[key].annotation  # type: ignore[union-attr]
        if getattr(field_type, "__origin__", None) is dict:
            # Tables come as comma-separated pairs: TENURE_CHECKINS__CADENCE_DAYS=smb=0,x=30
            pairs = [p.partition("=") for p in value.split(",") if p.strip()]
            if any(not sep for _, sep, _ in pairs):
                raise ConfigError(f"{var}: write the table as name=value pairs, e.g. a=1,b=2")
            data.setdefault(section, {})[key] = {k.strip(): v.strip() for k, _, v in pairs}
        elif getattr(field_type, "__origin__", None) is list:
            # Lists come as comma-separated words: TENURE_ADOPTION__KEY_FEATURES=a,b
            data.setdefault(section, {})[key] = [v.strip() for v in value.split(",") if v.strip()]
        else:
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
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
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
