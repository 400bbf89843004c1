"""A real PostgreSQL server for the test session, started from the machine's binaries.

A pytest plugin: register it from ``tests/conftest.py`` with ``pytest_plugins =
["postgres_server"]``. It provides

- ``postgres_server`` (session): the running server (``PostgresServer``);
- ``postgres_url`` (session): ``postgresql+psycopg://postgres@127.0.0.1:PORT/tenure_test``;
- ``postgres_db_url`` (function): a fresh, empty database per test, dropped afterwards.

The server lives in a temporary folder (data directory, socket directory, log), listens on
127.0.0.1 on a free port with trust authentication and durability switched off (fsync,
synchronous commit, full page writes), and is stopped and removed at the end of the session,
whether the tests passed or not. Under pytest-xdist every worker starts its own server.

initdb and postgres refuse to run as root, and CI runs as root: as root the server runs as the
``postgres`` system user (``runuser -u postgres``). Without the binaries the postgres tests
fail under CI (``CI=true``: CI must run them) and are skipped elsewhere; both say how to get
them (``make test`` installs postgresql).
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest

__all__ = ["PostgresServer", "find_bindir", "postgres_db_url", "postgres_server", "postgres_url"]

SUPERUSER = "postgres"
SESSION_DB = "tenure_test"
INSTALL_HINT = (
    "`make test` installs postgresql (or install it yourself: apt-get install postgresql, "
    "brew install postgresql)"
)

# Settings that make a throwaway server fast; none of them is safe for data you keep.
FAST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "archive_mode": "off",
    "checkpoint_timeout": "1h",
    "max_wal_size": "1GB",
    "shared_buffers": "32MB",
    "max_connections": "50",
    "autovacuum": "off",
    "jit": "off",
    "logging_collector": "off",
    "log_min_messages": "warning",
    "timezone": "UTC",
}


class PostgresUnavailable(Exception):
    """The machine cannot run a PostgreSQL server (no binaries, no postgres user)."""


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path))


def find_bindir() -> Path:
    """The folder holding initdb, pg_ctl and postgres: ``pg_config --bindir``, else the newest
    /usr/lib/postgresql/*/bin, else whatever is on PATH."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=30
            ).stdout.strip()
            if out:
                candidates.append(Path(out))
    candidates += [
        Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key,
                                reverse=True)
    ]
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    raise PostgresUnavailable(
        "no PostgreSQL server binaries found (looked at `pg_config --bindir`, "
        f"/usr/lib/postgresql/*/bin and PATH); {INSTALL_HINT}"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _others_can_enter(path: Path) -> bool:
    """Whether every folder from / down to ``path`` lets other users through (o+x)."""
    for p in [path, *path.parents]:
        try:
            if not os.stat(p).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class PostgresServer:
    """One throwaway PostgreSQL server: ``start()``, ``create_database()``, ``stop()``."""

    bindir: Path
    root: Path = field(init=False)
    port: int = field(init=False, default=0)
    _as_user: str | None = field(init=False, default=None)
    _running: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self._as_user = SUPERUSER if os.geteuid() == 0 else None
        uid = gid = None
        if self._as_user:
            try:
                user = pwd.getpwnam(self._as_user)
            except KeyError:
                raise PostgresUnavailable(
                    f"running as root, and there is no {self._as_user!r} system user to run "
                    f"the server as (initdb and postgres refuse root); {INSTALL_HINT}"
                ) from None
            if not shutil.which("runuser"):
                raise PostgresUnavailable("running as root, and `runuser` is not installed")
            uid, gid = user.pw_uid, user.pw_gid
        base = Path(tempfile.gettempdir())
        if self._as_user and not _others_can_enter(base):
            base = Path("/tmp")  # the postgres user must be able to reach its data directory
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.root = Path(tempfile.mkdtemp(prefix=f"tenure-pg-{worker}-", dir=base))
        self.datadir.mkdir()
        self.sockdir.mkdir()
        if uid is not None and gid is not None:
            for p in (self.root, self.datadir, self.sockdir):
                os.chown(p, uid, gid)
        os.chmod(self.datadir, 0o700)  # postgres refuses a data directory others can read

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def sockdir(self) -> Path:
        return self.root / "socket"

    @property
    def logfile(self) -> Path:
        return self.root / "postgres.log"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self._as_user:
            cmd = ["runuser", "-u", self._as_user, "--", *cmd]
        # cwd: the postgres user may not be allowed into the current folder (e.g. /root).
        return subprocess.run(
            cmd, cwd=self.root, capture_output=True, text=True, timeout=timeout, check=False
        )

    def _check(self, proc: subprocess.CompletedProcess[str], what: str) -> None:
        if proc.returncode != 0:
            log = ""
            if self.logfile.exists():
                log = "\n--- server log ---\n" + self.logfile.read_text(errors="replace")[-4000:]
            raise RuntimeError(
                f"{what} failed (exit {proc.returncode}): {' '.join(map(str, proc.args))}\n"
                f"{proc.stdout}{proc.stderr}{log}"
            )

    def start(self, attempts: int = 3) -> None:
        """initdb, then start on a free port (retrying if another process took the port)."""
        proc = self._run(
            "initdb", "-D", str(self.datadir), "-U", SUPERUSER, "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions",
        )
        self._check(proc, "initdb")
        base_conf = (self.datadir / "postgresql.conf").read_text()
        for attempt in range(attempts):
            self.port = _free_port()
            settings = {
                **FAST_SETTINGS,
                "listen_addresses": "'127.0.0.1'",
                "port": str(self.port),
                "unix_socket_directories": f"'{self.sockdir}'",
            }
            conf = "\n".join(f"{k} = {v}" for k, v in settings.items())
            # Written as root, the file keeps its owner (postgres).
            (self.datadir / "postgresql.conf").write_text(
                f"{base_conf}\n# tenure test server\n{conf}\n"
            )
            proc = self._run(
                "pg_ctl", "-D", str(self.datadir), "-l", str(self.logfile), "-w", "-t", "60",
                "start",
            )
            if proc.returncode == 0:
                self._running = True
                return
            if attempt == attempts - 1:
                self._check(proc, "pg_ctl start")

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder; safe to call twice."""
        try:
            if self._running:
                self._running = False
                self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = SESSION_DB) -> str:
        """A SQLAlchemy URL for ``database`` on this server."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin(self):  # type: ignore[no-untyped-def]
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres",
            autocommit=True, connect_timeout=10,
        )

    def create_database(self, name: str) -> str:
        """Create an empty database; return its URL."""
        with self._admin() as conn:
            conn.execute(f"CREATE DATABASE {_quote_ident(name)}")  # type: ignore[arg-type]
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, closing any connection a test left open."""
        with self._admin() as conn:
            if conn.info.server_version >= 130000:
                conn.execute(  # type: ignore[arg-type]
                    f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)"
                )
                return
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(f"DROP DATABASE IF EXISTS {_quote_ident(name)}")  # type: ignore[arg-type]


def _unavailable(reason: str) -> NoReturn:
    if _in_ci():
        pytest.fail(f"PostgreSQL tests must run under CI, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for this test session (one per xdist worker)."""
    try:
        server = PostgresServer(find_bindir())
    except PostgresUnavailable as exc:
        _unavailable(str(exc))
    atexit.register(server.stop)  # in case the session ends without fixture teardown
    try:
        server.start()
        yield server
    finally:
        server.stop()
        atexit.unregister(server.stop)


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """``postgresql+psycopg://postgres@127.0.0.1:PORT/tenure_test``, shared by the session."""
    return postgres_server.create_database(SESSION_DB)


@pytest.fixture
def postgres_db_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database for one test, dropped after it."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    url = postgres_server.create_database(name)
    try:
        yield url
    finally:
        postgres_server.drop_database(name)
