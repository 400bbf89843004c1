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


def create_table_sql(table: Table) -> str:
    cols = [f"{q(c.name)} {c.storage_type}" for c in table.columns]
    cols.append("attributes JSON")
    return f"CREATE TABLE IF NOT EXISTS {q(table.name)} ({', '.join(cols)})"


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
        """Create any canonical table that does not exist yet."""
        for table in TABLES.values():
            self.con.execute(create_table_sql(table))

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
