"""The app database on SQLite and on PostgreSQL: migrations, the models they must match, and a
workspace whose app database is PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import BigInteger, Column, MetaData, create_engine, select
from sqlalchemy.orm import Session

import tenure
from tenure.store import AppStore, ImportRun
from tenure.store.models import Base

BIG = 10_000_000_000  # more than a 32-bit INTEGER holds

ACCOUNTS_CSV = "account_id,name,segment\na1,Acme,smb\na2,Globex,enterprise\n"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty app database: a SQLite file, or a fresh database on the test PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.db'}"
    return str(request.getfixturevalue("postgres_db_url"))


@pytest.fixture
def store(db_url: str) -> Iterator[AppStore]:
    s = AppStore(db_url)
    yield s
    s.dispose()


def head_revision(store: AppStore) -> str:
    head = ScriptDirectory.from_config(store.alembic_config()).get_current_head()
    assert head is not None
    return head


def schema_differences(store: AppStore, metadata: MetaData) -> list[object]:
    """What autogenerate would write to make the database match ``metadata``."""
    with store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))


def test_migrate_upgrades_an_empty_database_to_head(store: AppStore) -> None:
    assert store.current_revision() is None

    store.migrate()

    assert store.current_revision() == head_revision(store)
    assert store.table_names() == {"alembic_version", *Base.metadata.tables}


def test_migrate_twice_changes_nothing(store: AppStore) -> None:
    store.migrate()
    store.migrate()

    assert store.current_revision() == head_revision(store)


def test_migrations_produce_exactly_the_models(store: AppStore) -> None:
    """Fails when a model changes without a migration (or a migration without the model)."""
    store.migrate()

    assert schema_differences(store, Base.metadata) == []


def test_model_change_without_migration_is_detected(store: AppStore) -> None:
    """The comparison above can fail: a column added to the models alone shows up."""
    store.migrate()
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["import_runs"].append_column(Column("bytes_read", BigInteger()))

    diffs = schema_differences(store, changed)

    assert [(d[0], d[3].name) for d in diffs] == [("add_column", "bytes_read")]  # type: ignore[index]


def test_downgrade_to_base_and_upgrade_again(store: AppStore) -> None:
    store.migrate()

    command.downgrade(store.alembic_config(), "base")

    assert store.current_revision() is None
    assert store.table_names() == {"alembic_version"}

    store.migrate()

    assert store.current_revision() == head_revision(store)
    assert schema_differences(store, Base.metadata) == []


def test_import_run_round_trips(store: AppStore) -> None:
    store.migrate()
    started = datetime(2026, 3, 31, 23, 59, 58, 123456)
    finished = datetime(2026, 4, 1, 0, 0, 1, 654321)
    written = {
        "table_name": "events",
        "source": "segment",
        "file_path": "/data/ünïcode events.jsonl",
        "file_format": "jsonl",
        "status": "committed",
        "started_at": started,
        "finished_at": finished,
        "rows_read": BIG + 6,
        "imported": BIG,
        "updated": 1,
        "duplicate": 2,
        "skipped": 3,
        "rejected": 0,
        "unknown_account_rows": BIG // 2,
        "rejects_file": None,
        "message": "x" * 5000,
    }
    with store.session() as s:
        run = ImportRun(**written)
        s.add(run)
        s.flush()
        run_id = run.id

    store.dispose()  # read back over a new connection, not from the session's identity map
    with store.session() as s:
        back = s.get(ImportRun, run_id)
        assert back is not None
        assert {k: getattr(back, k) for k in written} == written


# --- a workspace whose app database is PostgreSQL -------------------------------------------


def import_runs(url: str) -> list[ImportRun]:
    """The import runs in the database at ``url``, read independently of the app."""
    engine = create_engine(url)
    try:
        with Session(engine) as s:
            return list(s.scalars(select(ImportRun).order_by(ImportRun.id)))
    finally:
        engine.dispose()


def account_ids(app: tenure.App) -> list[str]:
    rows = app.warehouse.con.execute("SELECT account_id FROM accounts ORDER BY 1").fetchall()
    return [r[0] for r in rows]


@pytest.mark.postgres
def test_workspace_with_postgres_in_toml_records_imports_there(
    tmp_path: Path, postgres_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TENURE_APP_DB__URL", raising=False)
    home = tmp_path / "ws"
    home.mkdir()
    (home / "tenure.toml").write_text(f'[app_db]\nurl = "{postgres_db_url}"\n')
    csv = tmp_path / "accounts.csv"
    csv.write_text(ACCOUNTS_CSV)

    with tenure.init_workspace(home) as app:
        assert app.store.dialect == "postgresql"
        report = tenure.import_file(app, "accounts", csv)
        assert account_ids(app) == ["a1", "a2"]

    assert report.imported == 2
    runs = import_runs(postgres_db_url)
    assert [(r.id, r.table_name, r.status, r.rows_read, r.imported) for r in runs] == [
        (report.run_id, "accounts", "committed", 2, 2)
    ]
    assert runs[0].finished_at is not None
    assert not (home / "data" / "app.db").exists()  # nothing went to the SQLite default


@pytest.mark.postgres
def test_failed_import_with_postgres_from_env_leaves_the_warehouse_unchanged(
    tmp_path: Path, postgres_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TENURE_APP_DB__URL", postgres_db_url)
    home = tmp_path / "ws"
    good = tmp_path / "accounts.csv"
    good.write_text(ACCOUNTS_CSV)
    bad = tmp_path / "no_name.csv"
    bad.write_text("account_id,segment\na3,smb\n")

    with tenure.init_workspace(home) as app:
        assert app.store.dialect == "postgresql"
        tenure.import_file(app, "accounts", good)

        with pytest.raises(tenure.ImportFileError, match=r"missing required column name"):
            tenure.import_file(app, "accounts", bad)

        assert account_ids(app) == ["a1", "a2"]
        count = app.warehouse.con.execute("SELECT count(*) FROM accounts").fetchone()
        assert count == (2,)

    runs = import_runs(postgres_db_url)
    assert [(r.file_path, r.status) for r in runs] == [
        (str(good), "committed"),
        (str(bad), "failed"),
    ]
    assert "missing required column name" in (runs[1].message or "")
