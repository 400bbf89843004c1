"""Retention: personal data is kept only as long as the workspace says (GDPR art. 5(1)(e),
storage limitation; CCPA §1798.100(a)(3), no longer than reasonably necessary).

A rule names a table of the warehouse or the app database, an age (``after``) and what
happens to rows older than it: ``delete`` removes the rows; ``redact`` blanks the named
columns and keeps the rows, so counts stay right (a ticket's subject goes, the ticket still
counts in ticket volume and resolution times). Rules are data: declared as
``[[privacy.retention]]`` in tenure.toml and merged by table with :data:`DEFAULT_RULES`; a
table named in tenure.toml gets only the rules declared for it (``action = "keep"``: none).

A row's age is read from its table's date column (the canonical table's ``date_column``,
:data:`APP_DATE_COLUMNS` for the app database, or the rule's own ``date_column``). A row
dated before ``as_of`` minus the period goes; a row without a date stays.

Files hold personal data too: a rule with ``files`` instead of ``table`` names a set of
files (:data:`FILE_SETS`: the rejects folder, whose files keep the raw rejected rows, and
``reports/``), and deletes the files last modified before the cutoff, counted from the
day of ``now`` (the wall clock that wrote them), not ``as_of``.

Applied by `tenure privacy enforce` and by each scoring run for its day; audited as
``privacy.retention``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, DateTime, String, Text, and_, delete, func, or_, select, update

from ..errors import ConfigError
from ..ingest.schema import TABLES, Kind
from ..ingest.validate import q
from ..store.models import Base

if TYPE_CHECKING:
    from sqlalchemy import Table as SqlTable

    from ..app import App
    from ..settings import Settings

ACTIONS = ("delete", "redact", "keep")
UNITS = {"day": "days", "week": "weeks", "month": "months", "year": "years"}
AUDIT_ACTION = "privacy.retention"

# The built-in rules (the examples): raw events 25 months; the free text of tickets,
# survey comments, touchpoints and feedback 24 months (rows kept for the counts); the audit
# log 24 months; login attempts 90 days; the text of notifications 30 days after sending.
DEFAULT_RULES: tuple[dict[str, Any], ...] = (
    {"table": "events", "after": "25 months", "action": "delete"},
    {"table": "tickets", "after": "24 months", "action": "redact", "columns": ["subject"]},
    {"table": "survey_responses", "after": "24 months", "action": "redact",
     "columns": ["comment"]},
    {"table": "activities", "after": "24 months", "action": "redact", "columns": ["summary"]},
    {"table": "feedback", "after": "24 months", "action": "redact", "columns": ["text"]},
    {"table": "logged_activities", "after": "24 months", "action": "redact",
     "columns": ["summary"]},
    {"table": "audit_log", "after": "24 months", "action": "delete"},
    {"table": "login_attempts", "after": "90 days", "action": "delete"},
    {"table": "notifications", "after": "30 days", "action": "redact",
     "columns": ["subject", "body", "payload"]},
    # The register of privacy requests: kept three years to show requests were answered
    # (an erased person's row holds no identity by then).
    {"table": "privacy_requests", "after": "36 months", "action": "delete"},
    # Rejected rows are raw customer data kept so a file can be fixed and imported again;
    # generated reports (QBRs) quote contacts.
    {"files": "rejects", "after": "90 days", "action": "delete"},
    {"files": "reports", "after": "24 months", "action": "delete"},
)

# Sets of files a rule can name (``files = "rejects"``), and where they are.
FILE_SETS = ("rejects", "reports")

# The date that ages a row of an app database table. Notifications age from sent_at, so a
# message still queued or failed (no sent_at) is never redacted before it is sent.
APP_DATE_COLUMNS: dict[str, str] = {
    "audit_log": "at", "login_attempts": "at", "notifications": "sent_at",
    "logged_activities": "occurred_at", "tasks": "closed_at", "web_sessions": "expires_at",
    "health_pulses": "created_at", "import_runs": "started_at",
    "playbook_runs": "started_at", "privacy_requests": "received_at",
}

_AFTER = re.compile(r"^\s*(\d+)\s*(day|week|month|year)s?\s*$", re.IGNORECASE)
_RULE_KEYS = {"table", "files", "after", "action", "columns", "date_column"}
# Warehouse columns a rule may blank: text of any kind, never the dates, money or flags.
_REDACTABLE_KINDS = {Kind.TEXT, Kind.EMAIL, Kind.ID, Kind.JSON}


@dataclass(frozen=True)
class Period:
    """An age such as 25 months: ``amount`` of ``unit`` (days, weeks, months, years)."""

    amount: int
    unit: str

    def cutoff(self, as_of: date) -> date:
        """The first day that is kept: ``as_of`` minus the period (calendar months and
        years; the 31st minus a month is the last day of the shorter month)."""
        if self.unit == "days":
            return as_of - timedelta(days=self.amount)
        if self.unit == "weeks":
            return as_of - timedelta(weeks=self.amount)
        months = self.amount * (12 if self.unit == "years" else 1)
        index = as_of.year * 12 + as_of.month - 1 - months
        year, month = divmod(index, 12)
        month += 1
        last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
        return date(year, month, min(as_of.day, last))

    def __str__(self) -> str:
        unit = self.unit if self.amount != 1 else self.unit[:-1]
        return f"{self.amount} {unit}"


def parse_period(text: str) -> Period | None:
    """'25 months' -> Period(25, 'months'); None when the text is not such an age."""
    m = _AFTER.match(text) if isinstance(text, str) else None
    if not m or int(m.group(1)) < 1:
        return None
    return Period(int(m.group(1)), UNITS[m.group(2).lower()])


@dataclass(frozen=True)
class RetentionRule:
    """One validated rule: rows of ``store``.``table`` dated (by ``date_column``) before
    the cutoff are deleted, or their ``columns`` blanked."""

    table: str  # for files: the set's name (FILE_SETS)
    store: str  # "warehouse", "app" or "files"
    period: Period
    action: str  # "delete" or "redact"
    date_column: str
    columns: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.store == "files":
            return f"{self.table} files: delete after {self.period} (by last change)"
        what = ("delete rows" if self.action == "delete"
                else "blank " + ", ".join(self.columns))
        return f"{self.table}: {what} after {self.period} (by {self.date_column})"


@dataclass
class RuleResult:
    """What one rule did (or, in a dry run, would do)."""

    table: str
    store: str
    action: str
    columns: tuple[str, ...]
    after: str
    date_column: str
    cutoff: date
    rows: int

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "store": self.store, "action": self.action,
                "columns": list(self.columns), "after": self.after,
                "date_column": self.date_column, "before": self.cutoff.isoformat(),
                "rows": self.rows}


@dataclass
class RetentionReport:
    """What :func:`enforce_retention` did, rule by rule."""

    as_of: date
    dry_run: bool
    results: list[RuleResult] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(r.rows for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "dry_run": self.dry_run, "rows": self.rows,
                "rules": [r.as_dict() for r in self.results]}


def _app_table(name: str) -> SqlTable | None:
    return Base.metadata.tables.get(name)


def _check_rule(at: str, d: Any, problems: list[str]) -> RetentionRule | None:
    """One declared rule, or None after adding what is wrong with it to ``problems``."""
    if not isinstance(d, dict):
        problems.append(f"{at}: must be a table with table, after and action")
        return None
    start = len(problems)
    unknown = sorted(set(d) - _RULE_KEYS)
    if unknown:
        problems.append(f"{at}: unknown key(s) {', '.join(unknown)} (known: "
                        f"{', '.join(sorted(_RULE_KEYS))})")
    name = d.get("table")
    action = d.get("action", "delete")
    if action not in ACTIONS:
        problems.append(f"{at}.action: must be one of {', '.join(ACTIONS)}, not {action!r}")
    if "files" in d:
        return _check_files_rule(at, d, action, problems, start)
    app_table = _app_table(name) if isinstance(name, str) else None
    if not isinstance(name, str) or (name not in TABLES and app_table is None):
        problems.append(f"{at}.table: {name!r} is neither a warehouse table "
                        f"({', '.join(TABLES)}) nor an app database table "
                        f"({', '.join(sorted(Base.metadata.tables))})")
        return None
    if action == "keep":
        return None
    period = parse_period(d.get("after", ""))
    if period is None:
        problems.append(f"{at}.after: write an age such as \"25 months\", \"90 days\", "
                        f"\"2 years\", not {d.get('after')!r}")
    store = "warehouse" if name in TABLES else "app"
    date_column = d.get("date_column") or (
        TABLES[name].date_column if store == "warehouse" else APP_DATE_COLUMNS.get(name))
    if not date_column:
        problems.append(f"{at}.date_column: {name} has no default date column; name the "
                        "column that dates its rows")
    elif not _is_date_column(store, name, date_column):
        problems.append(f"{at}.date_column: {name} has no date or timestamp column "
                        f"{date_column!r}")
    columns = d.get("columns", [])
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        problems.append(f"{at}.columns: must be a list of column names")
        columns = []
    if action == "delete" and columns:
        problems.append(f"{at}.columns: a delete rule removes whole rows; name columns only "
                        "with action = \"redact\"")
    if action == "redact":
        if not columns:
            problems.append(f"{at}.columns: a redact rule names the columns it blanks")
        for c in columns:
            why = _why_not_redactable(store, name, c)
            if why:
                problems.append(f"{at}.columns: {name}.{c} {why}")
    if len(problems) > start or period is None or not date_column:
        return None
    return RetentionRule(table=name, store=store, period=period, action=action,
                         date_column=date_column, columns=tuple(columns))


def _check_files_rule(at: str, d: dict[str, Any], action: Any, problems: list[str],
                      start: int) -> RetentionRule | None:
    name = d["files"]
    if "table" in d:
        problems.append(f"{at}: a rule names a table or files, not both")
    if name not in FILE_SETS:
        problems.append(f"{at}.files: must be one of {', '.join(FILE_SETS)}, not {name!r}")
    if action == "redact" or d.get("columns") or d.get("date_column"):
        problems.append(f"{at}: a files rule deletes files by their age (action = "
                        "\"delete\" or \"keep\"; no columns or date_column)")
    if action == "keep" and len(problems) == start:
        return None
    period = parse_period(d.get("after", ""))
    if period is None:
        problems.append(f"{at}.after: write an age such as \"90 days\", not "
                        f"{d.get('after')!r}")
    if len(problems) > start or period is None:
        return None
    return RetentionRule(table=name, store="files", period=period, action="delete",
                         date_column="last modified")


def _is_date_column(store: str, table: str, column: str) -> bool:
    if store == "warehouse":
        try:
            return TABLES[table].column(column).kind in (Kind.DATE, Kind.TIMESTAMP)
        except KeyError:
            return False
    t = _app_table(table)
    return t is not None and column in t.c and isinstance(t.c[column].type, Date | DateTime)


def _why_not_redactable(store: str, table: str, column: str) -> str | None:
    if store == "warehouse":
        t = TABLES[table]
        if column == "attributes":
            return None
        try:
            col = t.column(column)
        except KeyError:
            return "is not a column"
        if column in t.key or column in (t.account_column, t.date_column):
            return "is the table's key, account or date: delete the rows instead"
        if col.kind not in _REDACTABLE_KINDS:
            return f"is a {col.kind} column; only text columns can be blanked"
        return None
    app_t = _app_table(table)
    if app_t is None or column not in app_t.c:
        return "is not a column"
    app_col = app_t.c[column]
    if app_col.primary_key or app_col.unique:
        return "is the table's key: delete the rows instead"
    if not isinstance(app_col.type, String | Text | JSON):
        return "is not a text column; only text columns can be blanked"
    return None


def load_rules(settings: Settings) -> list[RetentionRule]:
    """The workspace's rules: the built-in ones, with every table that tenure.toml names
    taking only the rules declared for it. Raises :class:`ConfigError` listing every
    problem of the declared rules at once."""
    declared = settings.privacy.retention or []
    problems: list[str] = []
    rules: list[RetentionRule] = []
    named: set[str] = set()
    for i, d in enumerate(declared):
        rule = _check_rule(f"privacy.retention[{i}]", d, problems)
        if isinstance(d, dict):
            named |= {str(d[k]) for k in ("table", "files") if isinstance(d.get(k), str)}
        if rule is not None:
            rules.append(rule)
    if problems:
        raise ConfigError("retention rules in tenure.toml: " + "; ".join(problems))
    defaults = [r for i, d in enumerate(DEFAULT_RULES)
                if d.get("table", d.get("files")) not in named
                and (r := _check_rule(f"default[{i}]", d, problems)) is not None]
    if problems:  # a mistake in DEFAULT_RULES itself
        raise AssertionError("; ".join(problems))
    return defaults + rules


def _blank(store: str, table: str, column: str) -> str | None:
    """What a redacted value becomes: NULL, or '' where the column may not be empty (a
    required warehouse column, a NOT NULL app column)."""
    if store == "warehouse":
        t = TABLES[table]
        return "" if column != "attributes" and t.column(column).required else None
    t_app = _app_table(table)
    assert t_app is not None
    return None if t_app.c[column].nullable else ""


def _warehouse_rule(app: App, rule: RetentionRule, before: datetime, dry_run: bool) -> int:
    con = app.warehouse.con
    if rule.table not in app.warehouse.existing_tables():
        return 0
    where = f"{q(rule.date_column)} < ?"
    if rule.action == "redact":
        # Only rows that still hold something: a second run counts nothing again.
        held = [f"({q(c)} IS NOT NULL AND {q(c)} <> '')" if _blank("warehouse", rule.table, c)
                == "" else f"{q(c)} IS NOT NULL" for c in rule.columns]
        where += " AND (" + " OR ".join(held) + ")"
    row = con.execute(f"SELECT count(*) FROM {q(rule.table)} WHERE {where}", [before]
                      ).fetchone()
    n = int(row[0]) if row else 0
    if n and not dry_run:
        if rule.action == "delete":
            con.execute(f"DELETE FROM {q(rule.table)} WHERE {where}", [before])
        else:
            sets = ", ".join(
                f"{q(c)} = " + ("''" if _blank("warehouse", rule.table, c) == "" else "NULL")
                for c in rule.columns)
            con.execute(f"UPDATE {q(rule.table)} SET {sets} WHERE {where}", [before])
    return n


def _app_rule(app: App, rule: RetentionRule, before: datetime, dry_run: bool) -> int:
    t = _app_table(rule.table)
    assert t is not None
    cond: Any = t.c[rule.date_column] < before
    if rule.action == "redact":
        held = [and_(t.c[c].is_not(None), t.c[c] != "") if _blank("app", rule.table, c) == ""
                else t.c[c].is_not(None) for c in rule.columns]
        cond = and_(cond, or_(*held))
    with app.store.session() as s:
        n = int(s.execute(select(func.count()).select_from(t).where(cond)).scalar_one())
        if n and not dry_run:
            if rule.action == "delete":
                s.execute(delete(t).where(cond))
            else:
                s.execute(update(t).where(cond).values(
                    {c: _blank("app", rule.table, c) for c in rule.columns}))
    return n


def history_kept_from(settings: Settings, as_of: date) -> date | None:
    """The first day whose warehouse records the retention rules keep in full as of
    ``as_of``: the latest cutoff of the rules that delete warehouse rows (product events
    after 25 months by default); None without such a rule. Analyses over history (churn
    training, health backtests) start there, so that they never learn from records the
    workspace's own rules remove, whether or not retention has run yet."""
    cutoffs = [r.period.cutoff(as_of) for r in load_rules(settings)
               if r.store == "warehouse" and r.action == "delete"]
    return max(cutoffs) if cutoffs else None


def file_set(app: App, name: str) -> Path:
    """Where a set of files (:data:`FILE_SETS`) lives in the workspace."""
    return app.rejects_dir if name == "rejects" else app.home / "reports"


def _files_rule(app: App, rule: RetentionRule, before: datetime, dry_run: bool) -> int:
    """Delete (or count) the files of the set last modified before ``before`` (UTC)."""
    root = file_set(app, rule.table)
    if not root.is_dir():
        return 0
    limit = before.replace(tzinfo=UTC).timestamp()
    old = [p for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()
           and p.stat().st_mtime < limit]
    if not dry_run:
        for p in old:
            p.unlink(missing_ok=True)
    return len(old)


def enforce_retention(app: App, *, as_of: date, now: datetime, dry_run: bool = False,
                      actor: str | None = None, via: str = "cli",
                      rules: list[RetentionRule] | None = None) -> RetentionReport:
    """Apply the retention rules for the day ``as_of``: per rule, delete the rows (or blank
    the columns) dated before ``as_of`` minus its period, and say how many. ``dry_run``
    counts without changing anything. Every other run is written to the audit log
    (``privacy.retention``, by ``actor``) with the counts of every rule, so the log shows
    that retention ran even on days it found nothing."""
    from ..access import record_audit

    rules = load_rules(app.settings) if rules is None else rules
    report = RetentionReport(as_of=as_of, dry_run=dry_run)

    def run(rule: RetentionRule) -> None:
        # A row's date is the data's; a file's age is the wall clock's (when it was written).
        cutoff = rule.period.cutoff(now.date() if rule.store == "files" else as_of)
        before = datetime.combine(cutoff, datetime.min.time())
        apply = {"warehouse": _warehouse_rule, "app": _app_rule,
                 "files": _files_rule}[rule.store]
        report.results.append(RuleResult(
            table=rule.table, store=rule.store, action=rule.action, columns=rule.columns,
            after=str(rule.period), date_column=rule.date_column, cutoff=cutoff,
            rows=apply(app, rule, before, dry_run)))

    # The warehouse's rules in one transaction (all or none), then the app database's,
    # each in its own.
    warehouse_rules = [r for r in rules if r.store == "warehouse"]
    if warehouse_rules:
        con = app.warehouse.con
        con.execute("BEGIN TRANSACTION")
        try:
            for rule in warehouse_rules:
                run(rule)
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    for rule in rules:
        if rule.store in ("app", "files"):
            run(rule)
    if not dry_run:
        record_audit(app.store, who=None, email=actor, action=AUDIT_ACTION, via=via, now=now,
                     object_type="retention", detail={
                         "as_of": as_of.isoformat(), "rows": report.rows,
                         "rules": [r.as_dict() for r in report.results]})
    return report


__all__ = ["APP_DATE_COLUMNS", "DEFAULT_RULES", "FILE_SETS", "Period", "RetentionReport",
           "RetentionRule", "RuleResult", "enforce_retention", "history_kept_from", "load_rules",
           "parse_period"]
