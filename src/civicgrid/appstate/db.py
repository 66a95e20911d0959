"""Where the app-state database is, and how to open it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

#: the default SQLite file, relative to the working folder
DEFAULT_APP_DB = "civicgrid_app.sqlite"
ENV_VAR = "CIVICGRID_APP_DB"

_ENGINES: dict[str, Engine] = {}


def app_url(target: str | Path | None = None) -> str:
    """Turn a path or URL into an SQLAlchemy URL.

    ``None`` means ``$CIVICGRID_APP_DB`` if set, else ``civicgrid_app.sqlite`` in the working
    folder. A value containing ``://`` is used as a URL as given (e.g. ``postgresql+psycopg://…``);
    anything else is a SQLite file path.
    """
    if target is None:
        target = os.environ.get(ENV_VAR) or DEFAULT_APP_DB
    text = str(target)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a ``sqlite:///`` URL, else None (memory databases and servers)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///"))
    return None


def exists(target: str | Path | None = None) -> bool:
    """True unless the app state is a SQLite file that has not been created yet."""
    p = sqlite_path(app_url(target))
    return p is None or p.exists()


def engine_for(target: str | Path | None = None) -> Engine:
    """One cached engine per URL. SQLite gets foreign keys on, a busy timeout and the write-ahead log."""
    url = app_url(target)
    eng = _ENGINES.get(url)
    if eng is None:
        if url.startswith("sqlite"):
            eng = create_engine(url, connect_args={"timeout": 30})

            @event.listens_for(eng, "connect")
            def _pragmas(dbapi_con, _record):  # pragma: no cover - trivial
                cur = dbapi_con.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                # write-ahead log: readers never wait for the audit writes of page views, and a commit
                # needs no fsync of the main file (synchronous=NORMAL is durable across app crashes;
                # a power cut may lose the last commits, never corrupt) — https://sqlite.org/wal.html
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.close()
        else:
            eng = create_engine(url, pool_pre_ping=True)
        _ENGINES[url] = eng
    return eng


@contextmanager
def session_scope(target: str | Path | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    factory = sessionmaker(engine_for(target), expire_on_commit=False)
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def dispose(target: str | Path | None = None) -> None:
    """Close the pooled connections of one URL (tests, and before a file is moved)."""
    eng = _ENGINES.pop(app_url(target), None)
    if eng is not None:
        eng.dispose()
