"""The analytics warehouse: the canonical tables, reached through Ibis.

The embedded default is a DuckDB file in the workspace. Analytics read tables as Ibis
expressions (``Warehouse.table``) so the same code can run on another Ibis backend; the
importer, which needs transactions and bulk loading, uses the DuckDB connection underneath.
Timestamps are stored as UTC without a zone; the session time zone is UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, StoreError
from .ingest.schema import TABLES, Table
from .ingest.validate import q
from .settings import WarehouseSettings

if TYPE_CHECKING:
    import duckdb
    import ibis.expr.types as ir
    from ibis.backends.duckdb import Backend as DuckDBBackend


def resolve_duckdb_path(url: str, home: Path) -> str:
    """duckdb:///rel/path -> home/rel/path; duckdb:////abs/path -> /abs/path; :memory:."""
    scheme, sep, rest = url.partition("://")
    if scheme != "duckdb" or not sep:
        raise ConfigError(
            f"warehouse.url {url!r}: only duckdb:///PATH is supported for the warehouse "
            "the importer writes to"
        )
    path = rest[1:] if rest.startswith("/") else rest
    if path in ("", ":memory:"):
        return ":memory:"
    p = Path(path)
    return str(p if p.is_absolute() else home / p)


def stored_columns(table: Table) -> list[tuple[str, str]]:
    """(name, storage type) of every column a canonical table stores, attributes last."""
    return [*((c.name, c.storage_type) for c in table.columns), ("attributes", "JSON")]


def create_table_sql(table: Table) -> str:
    cols = ", ".join(f"{q(name)} {kind}" for name, kind in stored_columns(table))
    return f"CREATE TABLE IF NOT EXISTS {q(table.name)} ({cols})"


def add_columns_sql(table: Table, existing: set[str]) -> list[str]:
    """ALTER TABLE statements adding the declared columns an existing table lacks.

    A workspace created before a column was declared (subscriptions.canceled_at) gets it,
    empty in the stored rows, at the end of the table; the importer names its columns, so
    their order does not matter.
    """
    have = {c.lower() for c in existing}
    return [
        f"ALTER TABLE {q(table.name)} ADD COLUMN {q(name)} {kind}"
        for name, kind in stored_columns(table)
        if name.lower() not in have
    ]


@dataclass
class Warehouse:
    """A lazily opened warehouse connection."""

    url: str
    home: Path
    settings: WarehouseSettings
    _backend: Any = field(default=None, init=False, repr=False)

    @property
    def path(self) -> str:
        return resolve_duckdb_path(self.url, self.home)

    @property
    def ibis(self) -> DuckDBBackend:
        if self._backend is None:
            import ibis

            path = self.path
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            config: dict[str, Any] = {}
            if self.settings.threads:
                config["threads"] = self.settings.threads
            if self.settings.memory_limit:
                config["memory_limit"] = self.settings.memory_limit
            try:
                backend = ibis.duckdb.connect(path, **config)
            except Exception as exc:  # duckdb.IOException: locked by another process, ...
                raise StoreError(f"cannot open the warehouse {path}: {exc}") from exc
            backend.raw_sql("SET TimeZone = 'UTC'")
            # DuckDB would draw its own progress bar on stdout, even into a pipe, and corrupt
            # JSON output; the CLI shows progress itself.
            backend.raw_sql("SET enable_progress_bar = false")
            self._backend = backend
        return self._backend  # type: ignore[no-any-return]

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection under the Ibis backend (for bulk loading)."""
        return self.ibis.con  # type: ignore[no-any-return]

    def ensure_tables(self) -> None:
        """Create any canonical table that does not exist yet, and add to an existing one
        the declared columns it lacks (a workspace made by an earlier version)."""
        con = self.con
        columns: dict[str, set[str]] = {}
        for table_name, column_name in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_catalog = current_database() AND table_schema = 'main'"
        ).fetchall():
            columns.setdefault(table_name, set()).add(column_name)
        for table in TABLES.values():
            if table.name not in columns:
                con.execute(create_table_sql(table))
                continue
            for sql in add_columns_sql(table, columns[table.name]):
                con.execute(sql)

    def table(self, name: str) -> ir.Table:
        """A canonical table as an Ibis expression."""
        if name not in TABLES:
            raise KeyError(name)
        return self.ibis.table(name)

    def existing_tables(self) -> set[str]:
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
        return {r[0] for r in rows}

    def close(self) -> None:
        if self._backend is not None:
            self._backend.disconnect()
            self._backend = None
