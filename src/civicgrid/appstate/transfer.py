"""Copy the whole app state from one database to another: SQLite → PostgreSQL, and back.

A city that outgrows its SQLite file moves to PostgreSQL with one call (or
``civicgrid appstate copy --from civicgrid_app.sqlite --to postgresql+psycopg://…``)::

    from civicgrid.appstate.transfer import copy_app_state
    report = copy_app_state("civicgrid_app.sqlite", "postgresql+psycopg://civicgrid@/civicgrid")
    report["tables"]        # {"users": 4, "audit_log": 1203, "meetings": 12, …}

What a copy does, in order:

1. refuses to copy a database onto itself, and a source that is not at the newest Alembic
   revision (migrate it first: ``civicgrid appstate migrate --app-db SOURCE``);
2. migrates the target to the newest revision (creating it if it is a new SQLite file);
3. in **one transaction on the target** (other writers kept out: ``BEGIN IMMEDIATE`` on SQLite,
   ``LOCK TABLE … IN EXCLUSIVE MODE`` on PostgreSQL): refuses a target that already holds rows
   unless ``replace=True`` (then deletes them, children before parents); copies every table of
   the models' metadata in foreign-key order (``Base.metadata.sorted_tables``), in batches,
   primary keys kept, read from one consistent snapshot of the source; on PostgreSQL sets each
   id sequence to ``max(id) + 1`` so the next insert gets a fresh id; counts every table again;
4. commits only when every table reconciles (rows in the source = rows copied = rows in the
   target); otherwise it rolls back and raises :class:`TransferError`.

Timestamps (``DateTime(timezone=True)``) are written in UTC: SQLite keeps no offset, so a naive
value read from SQLite is UTC (civicgrid writes UTC), and an aware one read from PostgreSQL is
converted to UTC before it is written to SQLite. Tables in the source that no model describes
(``alembic_version`` aside) are not copied; the report lists them under ``not_copied``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from alembic.util.exc import CommandError
from sqlalchemy import Connection, DateTime, Table, create_engine, event, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from civicgrid.appstate.base import Base
from civicgrid.appstate.db import app_url, engine_for, exists, sqlite_path
from civicgrid.appstate.migrate import current_revision, head_revision, upgrade

#: rows read and written per round trip
BATCH_SIZE = 1000
MIGRATE_HINT = "civicgrid appstate migrate --app-db"


class TransferError(RuntimeError):
    """An app-state copy cannot be done or did not reconcile; the message says what to fix.

    Raised before anything is written, or from inside the target's transaction (which is then
    rolled back): the target never keeps half a copy."""


def shown(target: str | Path | None) -> str:
    """How a database is named in messages and reports: a SQLite file's path, or the URL with
    its password hidden (``postgresql+psycopg://civicgrid:***@host/db``)."""
    url = app_url(target)
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return url.split("://", 1)[0] + "://…"


def copy_app_state(source: str | Path, target: str | Path, *, replace: bool = False,
                   batch_size: int = BATCH_SIZE) -> dict:
    """Copy every app-state table from ``source`` to ``target`` (SQLite paths or URLs).

    Args:
        source: the database to read; must be at the newest app-state revision. Not changed.
        target: the database to fill; migrated to the newest revision first.
        replace: delete the rows the target already holds (in the same transaction) instead of
            refusing to copy.
        batch_size: rows per read and per multi-row insert.

    Returns:
        ``{"source", "target"}`` (as :func:`shown`), ``"source_dialect"``, ``"target_dialect"``,
        ``"revision"`` (the head both are at), ``"tables"`` ({table: rows copied}, in copy
        order, each equal to the rows in the source and now in the target), ``"rows"`` (their
        sum), ``"deleted"`` ({table: rows deleted from the target}; empty without ``replace``)
        and ``"not_copied"`` (source tables no model describes).

    Raises:
        TransferError: source and target are the same database; the source does not exist, is
            not a civicgrid app state or is not at the newest revision; a database cannot be
            opened or migrated; the target holds rows and ``replace`` is false; a row cannot be
            written; or the counts do not reconcile. The target is unchanged in every case
            (except that step 2 may have migrated it).
    """
    if batch_size < 1:
        raise TransferError(f"batch_size must be at least 1, not {batch_size}.")
    src, dst = app_url(source), app_url(target)
    if not exists(src):
        raise TransferError(f"{shown(src)}: no such app-state file; check the source path.")
    if str(target).strip() == "":
        raise TransferError("the target is empty; give a SQLite file path or a database URL.")
    dst_file = sqlite_path(dst)
    if dst_file is not None and not dst_file.parent.is_dir():  # a mistyped path must not grow a stray database
        raise TransferError(f"{dst_file.parent}: no such folder for the target; create it first or check the path.")
    _refuse_same(src, dst)
    for url in (src, dst):
        if sqlite_path(url) is None:  # a SQLite target may not exist yet: the migration creates it
            _probe(url)
    if src.startswith("postgresql") and dst.startswith("postgresql") and _pg_identity(src) == _pg_identity(dst):
        raise TransferError(f"{shown(src)} and {shown(dst)} are the same PostgreSQL database and schema; "
                            "give a different target.")
    head = _check_source_revision(src)
    migrate_to_head(dst)
    tables = list(Base.metadata.sorted_tables)
    with _snapshot(src) as sconn, _write_transaction(dst, tables) as dconn:
        in_source = {t.name: _count(sconn, t) for t in tables}
        not_copied = sorted(set(inspect(sconn).get_table_names()) - {t.name for t in tables} - {"alembic_version"})
        held = {t.name: n for t in tables if (n := _count(dconn, t))}
        deleted: dict[str, int] = {}
        if held and not replace:
            listed = ", ".join(f"{k} {v:,}" for k, v in held.items())
            raise TransferError(f"{shown(dst)} already holds app-state rows ({listed}); copy into an empty database, "
                                "or pass --replace (replace=True) to delete them first.")
        if replace:
            for t in reversed(tables):
                deleted[t.name] = dconn.execute(t.delete()).rowcount
        copied = {t.name: _copy_table(sconn, dconn, t, batch_size, dst) for t in tables}
        if dconn.dialect.name == "postgresql":
            _reset_sequences(dconn, tables)
        in_target = {t.name: _count(dconn, t) for t in tables}
        bad = [f"{n}: source {in_source[n]:,}, copied {copied[n]:,}, target {in_target[n]:,}"
               for n in copied if not in_source[n] == copied[n] == in_target[n]]
        if bad:
            raise TransferError(f"the copy did not reconcile ({'; '.join(bad)}), so nothing was written to {shown(dst)}; "
                                "stop every program writing to the source and copy again.")
        dialects = (sconn.dialect.name, dconn.dialect.name)
    return {"source": shown(src), "target": shown(dst), "source_dialect": dialects[0], "target_dialect": dialects[1],
            "revision": head, "tables": copied, "rows": sum(copied.values()), "deleted": deleted,
            "not_copied": not_copied}


def migrate_to_head(target: str | Path | None) -> dict:
    """Create or migrate an app-state database to the newest revision (``civicgrid appstate migrate``).

    Returns:
        ``{"app_db": shown(target), "revision": the revision it is now at}``.

    Raises:
        TransferError: it cannot be opened or migrated (wrong URL, server down, a revision
            this civicgrid does not know).
    """
    try:
        url = upgrade(target)
        return {"app_db": shown(url), "revision": current_revision(url)}
    except ImportError as exc:
        raise TransferError(f"{shown(target)}: the database driver is not installed ({exc}); "
                            "for PostgreSQL run pip install 'psycopg[binary]'.") from exc
    except (CommandError, SQLAlchemyError) as exc:
        raise TransferError(f"{shown(target)}: cannot migrate it to revision {head_revision()} ({_first_line(exc)}); "
                            "check the path or URL, and that no newer civicgrid wrote it.") from exc


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0].rstrip(".") if lines else type(orig).__name__


def _refuse_same(src: str, dst: str) -> None:
    same = src == dst
    sp, dp = sqlite_path(src), sqlite_path(dst)
    if sp is not None and dp is not None and dp.exists():
        same = same or os.path.samefile(sp, dp)
    if same:
        raise TransferError(f"{shown(src)} is both the source and the target; give a different target.")


def _probe(url: str) -> None:
    """Open the database once, so a wrong URL, a missing driver or a server down is one clear sentence."""
    try:
        with engine_for(url).connect() as conn:
            conn.execute(text("SELECT 1"))
    except ImportError as exc:
        raise TransferError(f"{shown(url)}: the database driver is not installed ({exc}); "
                            "for PostgreSQL run pip install 'psycopg[binary]'.") from exc
    except SQLAlchemyError as exc:
        raise TransferError(f"{shown(url)}: cannot open the database ({_first_line(exc)}); "
                            "check the URL, the password and that the server is running.") from exc


def _pg_identity(url: str) -> tuple:
    """What makes two PostgreSQL URLs the same place: the cluster, the database, the schema."""
    with engine_for(url).connect() as conn:
        try:
            cluster = conn.execute(text("SELECT system_identifier FROM pg_control_system()")).scalar()
        except DBAPIError:  # not allowed for this role on some servers: fall back to address and port
            conn.rollback()
            cluster = tuple(conn.execute(text("SELECT inet_server_addr()::text, current_setting('port')")).one())
        return cluster, *conn.execute(text("SELECT current_database(), current_schema()")).one()


def _check_source_revision(src: str) -> str:
    head = head_revision()
    try:
        rev = current_revision(src)
    except SQLAlchemyError as exc:
        raise TransferError(f"{shown(src)}: cannot read it as an app-state database ({_first_line(exc)}); "
                            "check the source.") from exc
    if rev is None:
        raise TransferError(f"{shown(src)} holds no civicgrid app state (no Alembic revision); check the source.")
    if rev != head:
        raise TransferError(f"{shown(src)} is at app-state revision {rev}, not the newest ({head}); "
                            f"run `{MIGRATE_HINT} {shown(src)}` on it first (or upgrade civicgrid if it is newer).")
    return head


def _sqlite_engine(url: str, begin: str):
    """A private SQLite engine whose transactions really begin (``BEGIN`` / ``BEGIN IMMEDIATE``) — the
    sqlite3 module would otherwise start one only at the first write, and reads would not share a snapshot."""
    eng = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(eng, "connect")
    def _connect(dbapi_con, _record):  # pragma: no cover - trivial
        dbapi_con.isolation_level = None
        dbapi_con.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(eng, "begin")
    def _begin(conn):  # pragma: no cover - trivial
        conn.exec_driver_sql(begin)

    return eng


@contextmanager
def _sqlite_transaction(url: str, begin: str) -> Iterator[Connection]:
    """One transaction on a private SQLite engine opened with ``begin`` (``BEGIN`` or ``BEGIN IMMEDIATE``)."""
    eng = _sqlite_engine(url, begin)
    try:
        with eng.begin() as conn:
            yield conn
    finally:
        eng.dispose()


@contextmanager
def _snapshot(url: str) -> Iterator[Connection]:
    """A read-only connection that sees one consistent state of the source for the whole copy."""
    if url.startswith("sqlite"):
        with _sqlite_transaction(url, "BEGIN") as conn:
            yield conn
        return
    opts = {"isolation_level": "REPEATABLE READ"}
    if url.startswith("postgresql"):
        opts["postgresql_readonly"] = True
    with engine_for(url).connect() as conn:
        conn = conn.execution_options(**opts)
        with conn.begin():
            yield conn


@contextmanager
def _write_transaction(url: str, tables: list[Table]) -> Iterator[Connection]:
    """One transaction on the target that keeps other writers out until it commits or rolls back."""
    if url.startswith("sqlite"):
        with _sqlite_transaction(url, "BEGIN IMMEDIATE") as conn:
            yield conn
        return
    with engine_for(url).begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(conn.dialect.identifier_preparer.format_table(t) for t in tables)
            conn.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
        yield conn


def _count(conn: Connection, table: Table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _utc(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return value


def _copy_table(sconn: Connection, dconn: Connection, table: Table, batch_size: int, dst: str) -> int:
    tz_cols = {c.name for c in table.columns if isinstance(c.type, DateTime) and c.type.timezone}
    rows = sconn.execution_options(yield_per=batch_size).execute(select(table).order_by(*table.primary_key.columns))
    n = 0
    for part in rows.partitions(batch_size):
        batch = [{k: (_utc(v) if k in tz_cols else v) for k, v in r._mapping.items()} for r in part]
        try:
            dconn.execute(table.insert(), batch)
        except DBAPIError as exc:
            raise TransferError(f"a row of {table.name} cannot be written to {shown(dst)} ({_first_line(exc)}), so "
                                "nothing was written; correct that row in the source and copy again.") from exc
        n += len(batch)
    return n


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """Point each id sequence past the copied ids: the next insert gets ``max(id) + 1`` (1 when empty)."""
    prep = conn.dialect.identifier_preparer
    for t in tables:
        col = t.autoincrement_column
        if col is None:
            continue
        tbl, c = prep.format_table(t), prep.quote(col.name)
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE(MAX({c}), 1), MAX({c}) IS NOT NULL) "
                          f"FROM {tbl}"), {"t": tbl, "c": col.name})
