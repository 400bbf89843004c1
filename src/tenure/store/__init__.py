"""The application database: SQLAlchemy 2 over SQLite (default) or PostgreSQL, with Alembic.

``AppStore`` is built from a URL by the application (see ``tenure.app``); ``migrate`` brings
the schema to the newest revision. Nothing connects at import time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import ConfigError, StoreError
from .models import (
    AccountExplanation,
    AccountSnapshot,
    ApiToken,
    AuditEntry,
    Base,
    ErasureTombstone,
    HealthHistory,
    HealthPulse,
    ImportRun,
    LoggedActivity,
    LoginAttempt,
    Notification,
    OnboardingMilestone,
    OnboardingPlan,
    PlaybookRun,
    PortfolioSeries,
    PrivacyRequest,
    SuccessGoal,
    Task,
    User,
    WebSession,
)

__all__ = [
    "AccountExplanation", "AccountSnapshot", "ApiToken", "AppStore", "AuditEntry", "Base",
    "ErasureTombstone", "HealthHistory", "HealthPulse", "ImportRun", "LoggedActivity",
    "LoginAttempt", "Notification",
    "OnboardingMilestone", "OnboardingPlan", "PlaybookRun", "PortfolioSeries", "PrivacyRequest",
    "SuccessGoal",
    "Task", "User", "WebSession",
    "resolve_db_url",
]

MIGRATIONS = Path(__file__).parent / "migrations"


def resolve_db_url(url: str, home: Path) -> str:
    """Make a relative SQLite path relative to the workspace."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"app_db.url {url!r} is not a database URL: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database or ""
        if db and db != ":memory:" and not Path(db).is_absolute():
            return parsed.set(database=str(home / db)).render_as_string(hide_password=False)
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


class AppStore:
    """The app database: an engine, sessions and migrations."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            url = make_url(self.url)
            if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            try:
                engine = create_engine(self.url, pool_pre_ping=True)
            except (ArgumentError, ModuleNotFoundError) as exc:
                raise ConfigError(f"app_db.url: {exc}") from exc
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
            self._engine = engine
        return self._engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        if self._sessions is None:
            self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        with self._sessions() as s, s.begin():
            yield s

    def alembic_config(self):  # type: ignore[no-untyped-def]
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["engine"] = self.engine
        return cfg

    def migrate(self, revision: str = "head") -> None:
        """Upgrade the schema (creating it on a new database)."""
        from alembic import command

        try:
            command.upgrade(self.alembic_config(), revision)
        except OperationalError as exc:
            raise StoreError(f"cannot migrate the app database: {exc.orig}") from exc

    def current_revision(self) -> str | None:
        from alembic.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def table_names(self) -> set[str]:
        return set(inspect(self.engine).get_table_names())

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            self._sessions = None
