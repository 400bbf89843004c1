"""The application object: one function builds it from a workspace.

The CLI, the tests and the server all call :func:`build_app`; nothing is created at import
time. A workspace is a folder with ``tenure.toml`` and a ``data`` folder holding the warehouse
and the app database (by default).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import WorkspaceError
from .settings import CONFIG_FILE, Settings, default_toml, load_settings
from .store import AppStore, resolve_db_url
from .warehouse import Warehouse

HOME_ENV = "TENURE_HOME"


@dataclass
class App:
    """A workspace opened for work: its settings and its two stores."""

    home: Path
    settings: Settings
    warehouse: Warehouse
    store: AppStore
    _closed: bool = field(default=False, repr=False)

    @property
    def rejects_dir(self) -> Path:
        p = Path(self.settings.imports.rejects_dir)
        return p if p.is_absolute() else self.home / p

    def close(self) -> None:
        if not self._closed:
            self.warehouse.close()
            self.store.dispose()
            self._closed = True

    @contextmanager
    def reading(self) -> Iterator[App]:
        """This workspace with its warehouse pinned to one read cursor
        (:meth:`Warehouse.reading`), for code written against ``app.warehouse.ibis`` (the KPI
        engine, the playbooks' effect) run by a long-lived reader such as the dashboard's
        server: it never opens the warehouse for writing, so imports and scoring runs in
        other processes are not locked out."""
        with self.warehouse.reading() as cursor:
            view = self.warehouse.pinned(cursor)
            yield replace(self, warehouse=view)

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def resolve_home(home: Path | str | None) -> Path:
    """--home, else $TENURE_HOME, else the current folder."""
    if home is None:
        home = os.environ.get(HOME_ENV) or Path.cwd()
    return Path(home).expanduser().resolve()


def build_app(
    home: Path | str | None = None,
    *,
    settings: Settings | None = None,
    require_workspace: bool = True,
) -> App:
    """Open the workspace at ``home`` (see :func:`resolve_home`) and build the application.

    Stores are opened lazily; call :func:`prepare` (done by ``tenure init``) to create the
    warehouse tables and migrate the app database.
    """
    root = resolve_home(home)
    if require_workspace and not (root / CONFIG_FILE).exists():
        raise WorkspaceError(
            f"{root} is not a Tenure workspace (no {CONFIG_FILE}); run `tenure init --home "
            f"{root}` first"
        )
    if settings is None:
        settings = load_settings(root)
    return App(
        home=root,
        settings=settings,
        warehouse=Warehouse(url=settings.warehouse.url, home=root, settings=settings.warehouse),
        store=AppStore(resolve_db_url(settings.app_db.url, root)),
    )


def prepare(app: App) -> None:
    """Create what a workspace needs: data folders, warehouse tables, app database schema."""
    (app.home / "data").mkdir(parents=True, exist_ok=True)
    app.rejects_dir.mkdir(parents=True, exist_ok=True)
    app.warehouse.ensure_tables()
    app.store.migrate()


def init_workspace(home: Path | str | None = None, *, exist_ok: bool = True) -> App:
    """Create (or bring up to date) a workspace and return it opened."""
    root = resolve_home(home)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"cannot create the workspace {root}: {exc.strerror}") from exc
    config = root / CONFIG_FILE
    if config.exists() and not exist_ok:
        raise WorkspaceError(f"{root} already has a {CONFIG_FILE}")
    if not config.exists():
        config.write_text(default_toml(), encoding="utf-8")
    app = build_app(root)
    prepare(app)
    return app
