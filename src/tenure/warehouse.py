"""The analytics warehouse: the canonical tables, reached through Ibis.

The embedded default is a DuckDB file in the workspace. Analytics read tables as Ibis
expressions (``Warehouse.table``) so the same code can run on another Ibis backend; the
importer, which needs transactions and bulk loading, uses the DuckDB connection underneath.
Timestamps are stored as UTC without a zone; the session time zone is UTC.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, StoreError, WarehouseBusy
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


def _locked(exc: BaseException) -> bool:
    """Whether DuckDB refused to open the file because another process holds its lock."""
    return "lock" in str(exc).lower()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Warehouse:
    """A lazily opened warehouse connection.

    DuckDB lets one process write a file, or any number read it, never both. Commands that
    write (imports, scoring) open it read-write through :attr:`ibis`; when a reader (the
    dashboard's server, :meth:`reading`) holds it, the writer announces itself in a
    ``<file>.write-intent`` file and waits up to ``warehouse.lock_wait_seconds``; readers
    that see the intent let go of the file and answer "busy" until the writer is done.
    """

    url: str
    home: Path
    settings: WarehouseSettings
    _backend: Any = field(default=None, init=False, repr=False)
    _reader: Any = field(default=None, init=False, repr=False)
    _readers: int = field(default=0, init=False, repr=False)
    _reader_lock: threading.Lock = field(default_factory=threading.Lock, init=False,
                                         repr=False)

    @property
    def intent_path(self) -> Path:
        return Path(self.path + ".write-intent")

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
            with self._reader_lock:  # this process's own read-only connection, if any
                self._release_reader()
            backend = self._open_for_writing(lambda: ibis.duckdb.connect(path, **config))
            backend.raw_sql("SET TimeZone = 'UTC'")
            # DuckDB would draw its own progress bar on stdout, even into a pipe, and corrupt
            # JSON output; the CLI shows progress itself.
            backend.raw_sql("SET enable_progress_bar = false")
            self._backend = backend
        return self._backend  # type: ignore[no-any-return]

    def _open_for_writing(self, connect: Any) -> Any:
        """``connect()``, waiting (up to warehouse.lock_wait_seconds) while readers in other
        processes let go of the file once they see this process's write intent."""
        deadline = time.monotonic() + self.settings.lock_wait_seconds
        intent: Path | None = None
        try:
            while True:
                try:
                    return connect()
                except Exception as exc:  # duckdb.IOException: locked by another process
                    if not _locked(exc) or self.path == ":memory:" \
                            or time.monotonic() >= deadline:
                        raise StoreError(f"cannot open the warehouse {self.path}: {exc}"
                                         ) from exc
                    if intent is None:
                        intent = self.intent_path
                        intent.write_text(str(os.getpid()), encoding="utf-8")
                    time.sleep(0.1)
        finally:
            if intent is not None:
                intent.unlink(missing_ok=True)

    def _writer_waiting(self) -> bool:
        """Whether a live process in this workspace is waiting to write the warehouse."""
        try:
            pid = int(self.intent_path.read_text(encoding="utf-8").strip() or 0)
        except (OSError, ValueError):
            return False
        return pid > 0 and pid != os.getpid() and _alive(pid)

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB cursor for reading, safe to use from several threads at once (one cursor
        each), for a long-running reader such as the dashboard's server.

        When this process already has the warehouse open (a command, a test), the cursor is
        on that connection. Otherwise the process keeps one read-only connection, shared by
        its threads, and closes it as soon as a writer in another process is waiting (see
        the class), raising :class:`~tenure.errors.WarehouseBusy` until the writer is done;
        the same while a writer holds the file.
        """
        if self._backend is not None:
            cursor = self.con.cursor()
            try:
                yield cursor
            finally:
                cursor.close()
            return
        with self._reader_lock:
            if self._writer_waiting():
                self._release_reader()
                raise WarehouseBusy("the warehouse is being updated (an import or a scoring "
                                    "run); try again in a moment")
            if self._reader is None:
                self._reader = self._open_reader()
                threading.Thread(target=self._watch_for_writers, args=(self._reader,),
                                 name="warehouse-reader-watch", daemon=True).start()
            cursor = self._reader.cursor()
            self._readers += 1
        try:
            yield cursor
        finally:
            cursor.close()
            with self._reader_lock:
                self._readers -= 1
                if self._writer_waiting():
                    self._release_reader()

    def _open_reader(self) -> duckdb.DuckDBPyConnection:
        import duckdb

        path = self.path
        if path == ":memory:" or not Path(path).exists():
            raise StoreError(f"no warehouse at {path}: import data first (tenure import)")
        config: dict[str, Any] = {}
        if self.settings.threads:
            config["threads"] = self.settings.threads
        if self.settings.memory_limit:
            config["memory_limit"] = self.settings.memory_limit
        try:
            con = duckdb.connect(path, read_only=True, config=config)
        except duckdb.IOException as exc:
            if _locked(exc):
                raise WarehouseBusy("the warehouse is being updated (an import or a scoring "
                                    "run); try again in a moment") from exc
            raise StoreError(f"cannot open the warehouse {path}: {exc}") from exc
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        return con

    def pinned(self, cursor: duckdb.DuckDBPyConnection) -> Warehouse:
        """A warehouse for the same file whose Ibis backend is ``cursor`` (from
        :meth:`reading`): it reads through it and never opens the file itself."""
        import ibis

        view = Warehouse(url=self.url, home=self.home, settings=self.settings)
        view._backend = ibis.duckdb.from_connection(cursor)
        return view

    def _watch_for_writers(self, reader: Any) -> None:
        """While ``reader`` is the shared connection, let go of it when a writer waits, even
        if no request comes to notice (an idle server must not block tonight's import)."""
        while True:
            time.sleep(0.2)
            with self._reader_lock:
                if self._reader is not reader:
                    return
                if self._writer_waiting():
                    self._release_reader()

    def _release_reader(self) -> None:
        """Close the shared read-only connection once no cursor is in use (lock held)."""
        if self._reader is not None and self._readers == 0:
            self._reader.close()
            self._reader = None

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
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
