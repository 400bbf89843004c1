"""Tables of the application database (what people act on and the web app serves).

Every change to these classes comes with an Alembic migration in ``migrations/versions``; a
test checks that the migrations produce exactly these tables.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Constraint names fixed by convention so migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# Columns that can hold a person's data carry info={"personal": ...} (what kind), so the
# privacy inventory finds them: a CSM's email, a free-text note. Every text column declares
# itself: info={"personal": False} says it cannot (a test fails on an undeclared one).
PERSONAL = "personal"
NOT_PERSONAL = {PERSONAL: False}
# How a row is matched to a person when the category's usual way does not fit (see
# tenure.privacy.inventory.KEYS): info={"personal": "identifier", "key": "user_id"}.
PERSON_KEY = "key"
# Personal, but a viewer still sees it: the wording of the work (a task's title and reason),
# which names a person only when a playbook's template or a hand-made task does.
VIEWER_SEES = "viewer_sees"


class ImportRun(Base):
    """One `tenure import` of one file: what came in, what was rejected, and how it ended.

    A run is written as ``running`` before the warehouse transaction starts and marked
    ``committed`` or ``failed`` after; a run left ``running`` was interrupted, and the
    warehouse holds nothing of it (the transaction was never committed).
    """

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(64), index=True, info=NOT_PERSONAL)
    source: Mapped[str] = mapped_column(String(32), info=NOT_PERSONAL)
    file_path: Mapped[str] = mapped_column(Text, info=NOT_PERSONAL)
    file_format: Mapped[str] = mapped_column(String(16), info=NOT_PERSONAL)
    status: Mapped[str] = mapped_column(String(16), index=True,
                                        info=NOT_PERSONAL)  # running|committed|failed
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    imported: Mapped[int] = mapped_column(BigInteger, default=0)
    updated: Mapped[int] = mapped_column(BigInteger, default=0)
    duplicate: Mapped[int] = mapped_column(BigInteger, default=0)
    skipped: Mapped[int] = mapped_column(BigInteger, default=0)
    rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    # Rows naming a person erased earlier (privacy.tombstones): neither stored nor kept.
    suppressed: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    unknown_account_rows: Mapped[int] = mapped_column(BigInteger, default=0)
    rejects_file: Mapped[str | None] = mapped_column(Text, nullable=True, info=NOT_PERSONAL)
    # A failed import's error, which can quote a value of the file (an email that did not
    # parse).
    message: Mapped[str | None] = mapped_column(Text, nullable=True,
                                                info={PERSONAL: "free text"})


def owner_key(email: object) -> str | None:
    """How an owner's (a CSM's) email is stored in snapshots and tasks: trimmed and lower
    case (emails compare case-insensitively), None when empty; so that finding a book is an
    equality on an indexed column."""
    if not isinstance(email, str) or not email.strip():
        return None
    return email.strip().lower()


class HealthPulse(Base):
    """A CSM's own reading of an account's health (Gainsight's "CSM sentiment"): 0-100, or a
    band word stored as its score. The latest pulse not older than health.pulse_max_age_days
    is the value of measures with scoring = "pulse"."""

    __tablename__ = "health_pulses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(String(255), index=True, info=NOT_PERSONAL)
    day: Mapped[date] = mapped_column(Date)
    score: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text, nullable=True,
                                             info={PERSONAL: "free text"})
    author: Mapped[str | None] = mapped_column(String(320), nullable=True,
                                               info={PERSONAL: "contact detail"})
    created_at: Mapped[datetime] = mapped_column(DateTime)


class HealthHistory(Base):
    """An account's health score on a day: one row per (account, day), written by each scoring
    run (a replay of a past day overwrites that day). ``groups`` holds the group scores as
    JSON ({"adoption": 72.5, ...}) for the component chart."""

    __tablename__ = "health_history"

    account_id: Mapped[str] = mapped_column(String(255), primary_key=True, info=NOT_PERSONAL)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    profile: Mapped[str | None] = mapped_column(String(128), nullable=True, info=NOT_PERSONAL)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    band: Mapped[str | None] = mapped_column(String(64), nullable=True, info=NOT_PERSONAL)
    groups: Mapped[str | None] = mapped_column(Text, nullable=True, info=NOT_PERSONAL)
    churn_probability: Mapped[float | None] = mapped_column(Float, nullable=True)


class AccountSnapshot(Base):
    """The latest scoring of each account: what the worklist, `tenure accounts` and the
    dashboard show without touching the warehouse. Its explanation is in
    :class:`AccountExplanation`."""

    __tablename__ = "account_snapshots"

    account_id: Mapped[str] = mapped_column(String(255), primary_key=True, info=NOT_PERSONAL)
    as_of: Mapped[date] = mapped_column(Date)
    name: Mapped[str | None] = mapped_column(Text, nullable=True, info=NOT_PERSONAL)
    segment: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True,
                                                info=NOT_PERSONAL)
    owner: Mapped[str | None] = mapped_column(String(320), nullable=True, index=True,
                                              info={PERSONAL: "contact detail"})
    lifecycle: Mapped[str] = mapped_column(String(32), info=NOT_PERSONAL)
    mrr: Mapped[float | None] = mapped_column(Float, nullable=True)
    currency: Mapped[str] = mapped_column(String(3), info=NOT_PERSONAL)
    renewal_date: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    profile: Mapped[str | None] = mapped_column(String(128), nullable=True, info=NOT_PERSONAL)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    band: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True,
                                             info=NOT_PERSONAL)
    score_before: Mapped[float | None] = mapped_column(Float, nullable=True)
    trend: Mapped[str | None] = mapped_column(String(16), nullable=True, info=NOT_PERSONAL)
    top_drag: Mapped[str | None] = mapped_column(Text, nullable=True, info=NOT_PERSONAL)
    drags: Mapped[str | None] = mapped_column(Text, nullable=True,
                                              info=NOT_PERSONAL)  # JSON list of words
    scored_at: Mapped[datetime] = mapped_column(DateTime)
    # From the churn model (tenure churn train), when one exists: the calibrated probability
    # of churning within churn_horizon_days, its drivers in words (JSON list), the model
    # version; and the subscription lifetime value that follows from it.
    churn_probability: Mapped[float | None] = mapped_column(Float, nullable=True)
    churn_horizon_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    churn_drivers: Mapped[str | None] = mapped_column(Text, nullable=True, info=NOT_PERSONAL)
    churn_model: Mapped[str | None] = mapped_column(String(64), nullable=True, info=NOT_PERSONAL)
    expected_lifetime_months: Mapped[float | None] = mapped_column(Float, nullable=True)
    clv: Mapped[float | None] = mapped_column(Float, nullable=True)
    # For the dashboard's check-ins (migration 0006): the day of the last touchpoint the
    # scoring run saw (the metric last_touchpoint_day) and when the next one is due by the
    # segment's cadence (checkins.cadence_days; none for a tech-touch segment).
    last_touchpoint_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    checkin_due_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)


class AccountExplanation(Base):
    """How each account's latest score adds up: the JSON of every group and measure (raw
    value, score, effective weight, contribution), about 2 KB an account. Kept apart from
    the snapshot (migration 0006) so that the lists, which sort and count snapshots, read
    narrow rows; the account page reads it by key."""

    __tablename__ = "account_explanations"

    account_id: Mapped[str] = mapped_column(String(255), primary_key=True, info=NOT_PERSONAL)
    explanation: Mapped[str | None] = mapped_column(Text, nullable=True,
                                                    info=NOT_PERSONAL)  # JSON


# --- The CSM's work: tasks from playbooks, the notification outbox, onboarding, success plans
# and the touchpoints logged in Tenure itself (migration 0004).


class Task(Base):
    """Something a person should do about an account: made by a playbook (``playbook`` and
    ``reason_key`` set) or by hand. At most one task per (account, playbook, reason_key) is
    open at a time, so a second scoring run on the same data makes no new task.

    ``status``: open, snoozed (until ``snoozed_until``; open again after it) or closed (with an
    ``outcome``: saved, churned, expanded, no_action_needed). ``band``, ``score``, ``segment``
    and ``arr`` are the account's when the task was made, for `tenure playbooks effect`."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(String(255), index=True, info=NOT_PERSONAL)
    playbook: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True,
                                                 info=NOT_PERSONAL)
    reason_key: Mapped[str | None] = mapped_column(String(255), nullable=True,
                                                   info={PERSONAL: "identifier",
                                                         PERSON_KEY: "mentions", VIEWER_SEES: True})
    title: Mapped[str] = mapped_column(Text, info={PERSONAL: "free text", VIEWER_SEES: True})
    reason: Mapped[str | None] = mapped_column(Text, nullable=True,
                                               info={PERSONAL: "free text", VIEWER_SEES: True})
    type: Mapped[str] = mapped_column(String(32),
                                      info=NOT_PERSONAL)  # risk|opportunity|lifecycle|activity
    priority: Mapped[str] = mapped_column(String(16), info=NOT_PERSONAL)  # urgent|high|medium|low
    owner: Mapped[str | None] = mapped_column(String(320), nullable=True, index=True,
                                              info={PERSONAL: "contact detail"})
    status: Mapped[str] = mapped_column(String(16), index=True,
                                        info=NOT_PERSONAL)  # open|snoozed|closed
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    snoozed_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    # JSON list of words
    steps: Mapped[str | None] = mapped_column(Text, nullable=True,
                                              info={PERSONAL: "free text", VIEWER_SEES: True})
    created_on: Mapped[date] = mapped_column(Date, index=True)  # the scoring day (as of)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(String(320), nullable=True,
                                                   info={PERSONAL: "contact detail"})
    band: Mapped[str | None] = mapped_column(String(64), nullable=True, info=NOT_PERSONAL)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    segment: Mapped[str | None] = mapped_column(String(128), nullable=True, info=NOT_PERSONAL)
    arr: Mapped[float | None] = mapped_column(Float, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(320), nullable=True,
                                                  info={PERSONAL: "contact detail"})
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True, info=NOT_PERSONAL)
    outcome_note: Mapped[str | None] = mapped_column(Text, nullable=True,
                                                     info={PERSONAL: "free text"})
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Notification(Base):
    """One email or Slack/webhook message in the outbox: stored before it is sent, sent with
    retries and backoff, never sent twice. ``dedup_key`` is unique: enqueueing the same
    message again is a no-op. ``status``: queued, sending (claimed by a sender until
    ``claimed_until``), sent, failed (gave up after the last attempt; `tenure outbox retry`)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedup_key: Mapped[str] = mapped_column(String(255), unique=True,
                                           info={PERSONAL: "contact detail",
                                                 PERSON_KEY: "mentions"})
    channel: Mapped[str] = mapped_column(String(16), index=True,
                                         info=NOT_PERSONAL)  # email|slack|webhook
    recipient: Mapped[str] = mapped_column(Text, info={PERSONAL: "contact detail"})
    subject: Mapped[str | None] = mapped_column(Text, nullable=True, info={PERSONAL: "free text"})
    body: Mapped[str] = mapped_column(Text, info={PERSONAL: "free text"})
    payload: Mapped[str | None] = mapped_column(Text, nullable=True,
                                                info={PERSONAL: "free text"})  # JSON
    account_id: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True,
                                                   info=NOT_PERSONAL)
    task_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True, info=NOT_PERSONAL)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True,
                                                   info={PERSONAL: "free text"})
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class PlaybookRun(Base):
    """One evaluation of the playbooks (at the end of a scoring run): how many accounts each
    playbook matched and how many tasks and messages it made (JSON per playbook)."""

    __tablename__ = "playbook_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    tasks_created: Mapped[int] = mapped_column(Integer, default=0)
    notifications_queued: Mapped[int] = mapped_column(Integer, default=0)
    enrolled: Mapped[int] = mapped_column(Integer, default=0)
    per_playbook: Mapped[str | None] = mapped_column(Text, nullable=True, info=NOT_PERSONAL)  # JSON


class OnboardingPlan(Base):
    """An account's onboarding: the template it follows (per segment), when it started, and
    when it was completed. ``status``: active, completed, cancelled."""

    __tablename__ = "onboarding_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(String(255), index=True, info=NOT_PERSONAL)
    template: Mapped[str] = mapped_column(String(128), info=NOT_PERSONAL)
    started_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True, info=NOT_PERSONAL)
    completed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    value_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # first value reached
    created_at: Mapped[datetime] = mapped_column(DateTime)


class OnboardingMilestone(Base):
    """One milestone of an onboarding plan, due ``due_on`` (counted from the plan's start);
    completed automatically from events, activities or a metric, or by hand (``completed_by``
    is then the person)."""

    __tablename__ = "onboarding_milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(Integer, index=True)
    account_id: Mapped[str] = mapped_column(String(255), index=True, info=NOT_PERSONAL)
    key: Mapped[str] = mapped_column(String(128), info=NOT_PERSONAL)
    title: Mapped[str] = mapped_column(Text, info=NOT_PERSONAL)
    position: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    completed_by: Mapped[str | None] = mapped_column(String(320), nullable=True,
                                                     info={PERSONAL: "contact detail"})
    evidence: Mapped[str | None] = mapped_column(Text, nullable=True, info={PERSONAL: "free text"})


class SuccessGoal(Base):
    """A goal in an account's success plan: what, a target value and a date. A goal linked to
    a per-account ``metric`` has its ``current`` value and ``progress`` (0-1 from ``baseline``
    to ``target``) kept by each scoring run. ``status``: open, achieved, missed, dropped."""

    __tablename__ = "success_goals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(String(255), index=True, info=NOT_PERSONAL)
    title: Mapped[str] = mapped_column(Text, info={PERSONAL: "free text"})
    metric: Mapped[str | None] = mapped_column(String(128), nullable=True, info=NOT_PERSONAL)
    baseline: Mapped[float | None] = mapped_column(Float, nullable=True)
    target: Mapped[float | None] = mapped_column(Float, nullable=True)
    current: Mapped[float | None] = mapped_column(Float, nullable=True)
    progress: Mapped[float | None] = mapped_column(Float, nullable=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True, info=NOT_PERSONAL)
    achieved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(320), nullable=True,
                                                   info={PERSONAL: "contact detail"})
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class LoggedActivity(Base):
    """A touchpoint logged in Tenure (`tenure log`, later the dashboard): kept here because
    the web app never writes to the warehouse; each scoring run copies the ones not yet
    copied into the warehouse's activities table (activity_id ``tenure-<id>``), so touchpoint
    metrics see them."""

    __tablename__ = "logged_activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(String(255), index=True, info=NOT_PERSONAL)
    kind: Mapped[str] = mapped_column(String(32), info=NOT_PERSONAL)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str | None] = mapped_column(String(320), nullable=True,
                                              info={PERSONAL: "contact detail"})
    summary: Mapped[str | None] = mapped_column(Text, nullable=True,
                                                info={PERSONAL: "free text"})
    contact_id: Mapped[str | None] = mapped_column(String(255), nullable=True,
                                                   info={PERSONAL: "identifier"})
    created_at: Mapped[datetime] = mapped_column(DateTime)
    synced_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


# --- People and access: users, their API tokens, login attempts (for throttling) and the audit
# log (migration 0005).


class User(Base):
    """A person who signs in to the dashboard or the API. ``role``: admin, manager (all
    accounts), csm (the accounts whose snapshot owner is their email) or viewer (all accounts,
    read only, no personal data). ``email`` is stored lower-cased; ``password_hash`` is an
    Argon2id hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True,
                                       info={PERSONAL: "contact detail"})
    name: Mapped[str | None] = mapped_column(Text, nullable=True, info={PERSONAL: "name"})
    role: Mapped[str] = mapped_column(String(16), info=NOT_PERSONAL)
    password_hash: Mapped[str] = mapped_column(Text, info={PERSONAL: "credential"})
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ApiToken(Base):
    """A personal API token: only its SHA-256 is kept (the token is shown once); ``prefix``
    (its first 8 characters) tells tokens apart in lists."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True,
                                         info={PERSONAL: "identifier", PERSON_KEY: "user_id"})
    name: Mapped[str] = mapped_column(String(128), info={PERSONAL: "free text", PERSON_KEY: "row"})
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info={PERSONAL: "credential"})
    prefix: Mapped[str] = mapped_column(String(8), info={PERSONAL: "credential"})
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class WebSession(Base):
    """A signed-in browser: the cookie carries a random token, of which only the SHA-256 is
    kept here, so signing out (or disabling the user) ends the session on the server."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info={PERSONAL: "credential"})
    user_id: Mapped[int] = mapped_column(Integer, index=True,
                                         info={PERSONAL: "identifier", PERSON_KEY: "user_id"})
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True,
                                           info={PERSONAL: "online identifier"})


class LoginAttempt(Base):
    """One password login, kept for throttling (too many failures for an email in a window)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), index=True,
                                       info={PERSONAL: "contact detail"})
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True,
                                           info={PERSONAL: "online identifier"})
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    success: Mapped[bool] = mapped_column(Boolean)


class AuditEntry(Base):
    """Who read which person's personal data, and who changed what: one row per action, with
    ``via`` api, web or cli. ``detail`` is JSON."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True,
                                                info={PERSONAL: "identifier",
                                                      PERSON_KEY: "user_id"})
    user_email: Mapped[str | None] = mapped_column(String(320), nullable=True,
                                                   info={PERSONAL: "contact detail"})
    action: Mapped[str] = mapped_column(String(64), info=NOT_PERSONAL)
    object_type: Mapped[str | None] = mapped_column(String(64), nullable=True, info=NOT_PERSONAL)
    object_id: Mapped[str | None] = mapped_column(String(255), nullable=True,
                                                  info={PERSONAL: "identifier",
                                                        PERSON_KEY: "mentions"})
    account_id: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True,
                                                   info=NOT_PERSONAL)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True,
                                               info={PERSONAL: "free text"})
    via: Mapped[str] = mapped_column(String(8), info=NOT_PERSONAL)


class PortfolioSeries(Base):
    """The portfolio's figures over time as the scoring run computed them for its day (KPI
    tiles, MRR movements, NRR/GRR by month, cohort retention, NPS and support times by
    month), as JSON, so that the dashboard's Portfolio and Metrics pages read one row instead
    of scanning the warehouse. ``scope`` is "company" or "owner:<email>" (one CSM's book)."""

    __tablename__ = "portfolio_series"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(340), primary_key=True,
                                       info={PERSONAL: "contact detail", PERSON_KEY: "mentions"})
    payload: Mapped[str] = mapped_column(Text, info=NOT_PERSONAL)  # JSON
    computed_at: Mapped[datetime] = mapped_column(DateTime)


class PrivacyRequest(Base):
    """A person's access or erasure request, from the day it was received to the day it was
    done (GDPR gives a month, CCPA 45 days: ``due_on``). An erasure filed from the dashboard
    or the API waits (``pending``) for the next process that may write the warehouse
    (`tenure privacy process`, or the next `tenure score`); once carried out, its email is
    replaced by a pseudonymous address. ``outcome`` is JSON: what was done."""

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16), info=NOT_PERSONAL)  # access|erasure
    email: Mapped[str] = mapped_column(String(320), index=True,
                                       info={PERSONAL: "contact detail"})
    # pending|done|cancelled|failed
    status: Mapped[str] = mapped_column(String(16), index=True, info=NOT_PERSONAL)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    due_on: Mapped[date] = mapped_column(Date)
    # The member of staff who filed it (their email), or the command line's user.
    requested_by: Mapped[str | None] = mapped_column(String(320), nullable=True,
                                                     info={PERSONAL: "contact detail"})
    via: Mapped[str] = mapped_column(String(8), info=NOT_PERSONAL)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True,
                                                info={PERSONAL: "free text"})


class ErasureTombstone(Base):
    """What is kept of a person erased by `tenure privacy erase` (migration 0007): a keyed hash
    (HMAC-SHA256, see tenure.privacy.tombstones) of their email or of one of their contact ids,
    under the erasure request's id, so a later import of the same person is suppressed and
    reported. No plain identifier: without the workspace's privacy key the digest names
    nobody."""

    __tablename__ = "erasure_tombstones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(64), index=True, info={PERSONAL: False})
    kind: Mapped[str] = mapped_column(String(16), info={PERSONAL: False})  # email|contact_id
    # A keyed hash, not an identifier: kept after erasure on purpose (a suppression list).
    digest: Mapped[str] = mapped_column(String(64), unique=True, info={PERSONAL: False})
    erased_at: Mapped[datetime] = mapped_column(DateTime)
