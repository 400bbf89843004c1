"""Tables of the application database (what people act on and the web app serves).

Every change to these classes comes with an Alembic migration in ``migrations/versions``; a
test checks that the migrations produce exactly these tables.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Float, Integer, MetaData, String, Text
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


class ImportRun(Base):
    """One `tenure import` of one file: what came in, what was rejected, and how it ended.

    A run is written as ``running`` before the warehouse transaction starts and marked
    ``committed`` or ``failed`` after; a run left ``running`` was interrupted, and the
    warehouse holds nothing of it (the transaction was never committed).
    """

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(32))
    file_path: Mapped[str] = mapped_column(Text)
    file_format: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)  # running|committed|failed
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    imported: Mapped[int] = mapped_column(BigInteger, default=0)
    updated: Mapped[int] = mapped_column(BigInteger, default=0)
    duplicate: Mapped[int] = mapped_column(BigInteger, default=0)
    skipped: Mapped[int] = mapped_column(BigInteger, default=0)
    rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    unknown_account_rows: Mapped[int] = mapped_column(BigInteger, default=0)
    rejects_file: Mapped[str | None] = mapped_column(Text, nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)


# Columns that can hold a person's data carry info={"personal": ...} (what kind), so the
# privacy inventory finds them: a CSM's email, a free-text note.
PERSONAL = "personal"


class HealthPulse(Base):
    """A CSM's own reading of an account's health (Gainsight's "CSM sentiment"): 0-100, or a
    band word stored as its score. The latest pulse not older than health.pulse_max_age_days
    is the value of measures with scoring = "pulse"."""

    __tablename__ = "health_pulses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(String(255), index=True)
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

    account_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    profile: Mapped[str | None] = mapped_column(String(128), nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    band: Mapped[str | None] = mapped_column(String(64), nullable=True)
    groups: Mapped[str | None] = mapped_column(Text, nullable=True)
    churn_probability: Mapped[float | None] = mapped_column(Float, nullable=True)


class AccountSnapshot(Base):
    """The latest scoring of each account: what the worklist, `tenure accounts` and the
    dashboard show without touching the warehouse. ``explanation`` is the JSON of every
    group and measure (raw value, score, effective weight, contribution)."""

    __tablename__ = "account_snapshots"

    account_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    name: Mapped[str | None] = mapped_column(Text, nullable=True)
    segment: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    owner: Mapped[str | None] = mapped_column(String(320), nullable=True, index=True,
                                              info={PERSONAL: "contact detail"})
    lifecycle: Mapped[str] = mapped_column(String(32))
    mrr: Mapped[float | None] = mapped_column(Float, nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    renewal_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    profile: Mapped[str | None] = mapped_column(String(128), nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    band: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    score_before: Mapped[float | None] = mapped_column(Float, nullable=True)
    trend: Mapped[str | None] = mapped_column(String(16), nullable=True)
    top_drag: Mapped[str | None] = mapped_column(Text, nullable=True)
    drags: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON list of words
    explanation: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON
    scored_at: Mapped[datetime] = mapped_column(DateTime)
    # From the churn model (tenure churn train), when one exists: the calibrated probability
    # of churning within churn_horizon_days, its drivers in words (JSON list), the model
    # version; and the subscription lifetime value that follows from it.
    churn_probability: Mapped[float | None] = mapped_column(Float, nullable=True)
    churn_horizon_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    churn_drivers: Mapped[str | None] = mapped_column(Text, nullable=True)
    churn_model: Mapped[str | None] = mapped_column(String(64), nullable=True)
    expected_lifetime_months: Mapped[float | None] = mapped_column(Float, nullable=True)
    clv: Mapped[float | None] = mapped_column(Float, nullable=True)
