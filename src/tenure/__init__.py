"""Tenure: the open-source customer success platform.

The public surface is small: build the application from a workspace, import files, and catch
:class:`TenureError`. Everything else lives in modules named after the domain.
"""

from __future__ import annotations

from .app import App, build_app, init_workspace
from .errors import ConfigError, ImportFileError, StoreError, TenureError, WorkspaceError
from .ingest import ImportReport, import_file
from .settings import Settings, load_settings

__all__ = [
    "App",
    "ConfigError",
    "ImportFileError",
    "ImportReport",
    "Settings",
    "StoreError",
    "TenureError",
    "WorkspaceError",
    "build_app",
    "import_file",
    "init_workspace",
    "load_settings",
]

__version__ = "0.1.0"
