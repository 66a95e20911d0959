"""Run the app-state Alembic migrations from Python (no alembic.ini needed).

``upgrade(url)`` brings a database to the newest schema; it is safe to call on every start.
To add a table (a later issue): add its model module, import it in ``migrations/env.py``, and
write one revision file under ``migrations/versions`` whose ``down_revision`` is the current head.
"""

from __future__ import annotations

import os

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from civicgrid.appstate.db import app_url, engine_for, sqlite_path

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["url"] = url  # passed as an attribute: '%' in passwords would break ini parsing
    return cfg


def upgrade(target: str | Path | None = None, revision: str = "head") -> str:
    """Create or migrate the app-state database to ``revision``; returns the URL used.

    A new SQLite file is created readable by its owner only (0600): it holds password hashes and
    the audit log; SQLite gives its ``-wal``/``-shm`` files the same mode.
    """
    url = app_url(target)
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():  # an empty file is an empty SQLite database
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    cfg = _config(url)
    with engine_for(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return url


def downgrade(target: str | Path | None, revision: str) -> None:
    """Migrate down to ``revision`` (``"base"`` drops every app-state table)."""
    url = app_url(target)
    cfg = _config(url)
    with engine_for(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current_revision(target: str | Path | None = None) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine_for(target).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest revision shipped with this version of civicgrid."""
    return ScriptDirectory.from_config(_config("sqlite://")).get_current_head()
