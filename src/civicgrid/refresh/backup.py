"""Back up and restore the warehouse and the app state, with checksums.

A backup is a folder ``<to>/civicgrid-<UTC timestamp>/`` holding
* the warehouse file (copied while holding the warehouse lock, so no refresh swaps it mid-copy),
* the app state as a SQLite file ``civicgrid_app.sqlite``. Which app state: ``--app-db``, else
  ``$CIVICGRID_APP_DB``, else ``civicgrid_app.sqlite`` beside the warehouse, else the one in the
  working folder (where ``civicgrid serve`` and ``civicgrid user add`` put it by default); when
  none exists the manifest carries a warning that the backup holds no app state. A SQLite file is
  copied with SQLite's online backup API (consistent even while the web app writes); a database
  URL (PostgreSQL) is copied table by table into a new SQLite file from one consistent snapshot
  (:func:`civicgrid.appstate.transfer.copy_app_state`: every row, ids kept, counts reconciled),
* the run log, and ``manifest.json`` with each file's role, SHA-256 and size; the app-state entry
  also names ``source_dialect`` (``sqlite`` or ``postgresql``) and, for a logical copy, its
  ``revision`` and ``rows`` per table. URLs are recorded with the password hidden.
It is written as ``….partial`` and renamed when complete.

Restore checks every checksum first, then (under the lock) moves the current files aside as
``<file>.pre-restore`` and puts the backup's copies in place with an atomic rename. The app state
goes back to ``--app-db``: a SQLite path gets the file; a URL (PostgreSQL) gets the backup's rows
loaded in one transaction that first deletes what it holds (``copy_app_state(replace=True)``,
after migrating a copy of an older backup to the newest schema); its current contents are first
saved as ``app-state.pre-restore.sqlite`` beside the warehouse. A backup taken from PostgreSQL
is never restored without ``--app-db``: the database to overwrite must be named.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from civicgrid import __version__
from civicgrid.appstate.db import ENV_VAR, dispose
from civicgrid.appstate.transfer import TransferError, copy_app_state, migrate_to_head, shown
from civicgrid.refresh.lock import RefreshLock
from civicgrid.refresh.runlog import run_log_path

APP_DB_NAME = "civicgrid_app.sqlite"
MANIFEST = "manifest.json"
PRE_RESTORE_APP = "app-state.pre-restore.sqlite"


class BackupError(RuntimeError):
    """A backup or restore cannot be done; the message says why and what to do."""


def default_app_db(db_path: Path) -> Path:
    """``civicgrid_app.sqlite`` beside the warehouse file."""
    return Path(db_path).with_name(APP_DB_NAME)


def _found_app_db(db_path: Path) -> Path:
    """The SQLite app state a backup takes by default: beside the warehouse, else in the working folder
    (the default of ``serve`` and ``user add``), else the (missing) file beside the warehouse."""
    for candidate in (default_app_db(db_path), Path(APP_DB_NAME).resolve()):
        if candidate.exists():
            return candidate
    return default_app_db(db_path)


def _is_url(app: str | Path | None) -> bool:
    return app is not None and "://" in str(app)


def backup(db_path: str | Path, to_dir: str | Path, app_db: str | Path | None = None,
           keep: int | None = None, lock_wait: float = 600.0) -> dict:
    """Copy the warehouse (+ app state, run log) into a new folder under ``to_dir``.

    ``app_db``: a SQLite path or a database URL; default ``$CIVICGRID_APP_DB``, else
    ``civicgrid_app.sqlite`` beside the warehouse, else in the working folder. When no app state
    is found the backup holds the warehouse only and ``warnings`` says so.

    Returns:
        The manifest (``folder``, ``files``: name → {role, sha256, bytes; for the app state also
        source_dialect, and for a copy from a URL revision and rows per table}; ``pruned`` with ``keep``).

    Raises:
        BackupError: there is no warehouse at ``db_path``, or an app state given as a URL
            cannot be copied (the message says why).
        LockBusy: a refresh held the lock for longer than ``lock_wait`` seconds.
    """
    db = Path(db_path)
    if not db.exists():
        raise BackupError(f"{db}: no warehouse to back up; check --db.")
    app = app_db or os.environ.get(ENV_VAR) or _found_app_db(db)
    app_file = None if _is_url(app) else Path(app)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    final = Path(to_dir) / f"civicgrid-{stamp}"
    work = final.with_name(final.name + ".partial")
    work.mkdir(parents=True, mode=0o700)  # holds password hashes and the audit log: owner only
    files: dict[str, dict] = {}
    try:
        with RefreshLock(db, wait=lock_wait, purpose="backup"):
            shutil.copy2(db, work / db.name)
            files[db.name] = {"role": "warehouse"}
            if app_file is not None and app_file.exists():
                _sqlite_copy(app_file, work / app_file.name)
                files[app_file.name] = {"role": "app_state", "source_dialect": "sqlite"}
            log = run_log_path(db)
            if log.exists():
                shutil.copy2(log, work / log.name)
                files[log.name] = {"role": "run_log"}
        if app_file is None:  # a database server: not under the warehouse lock, refreshes need not wait for it
            files[APP_DB_NAME] = _logical_copy(str(app), work / APP_DB_NAME)
        for name, meta in files.items():
            meta.update(sha256=_sha256(work / name), bytes=(work / name).stat().st_size)
        source_app = shown(app) if app_file is None else (str(app_file.resolve()) if app_file.exists() else None)
        warnings = [] if source_app else [
            f"no app-state database at {app_file}: this backup holds the warehouse only, without accounts, "
            f"audit log, meetings or review decisions; pass --app-db with the file `civicgrid serve` uses"]
        manifest = {"created_at": datetime.now(timezone.utc).isoformat(), "civicgrid_version": __version__,
                    "source_db": str(db.resolve()), "source_app_db": source_app, "files": files,
                    "warnings": warnings}
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1))
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    manifest["folder"] = str(final)
    if keep:
        manifest["pruned"] = _prune(Path(to_dir), keep)
    return manifest


def _logical_copy(url: str, dst: Path) -> dict:
    """Copy the app state at ``url`` into a new SQLite file ``dst``; its manifest entry."""
    try:
        rep = copy_app_state(url, dst)
    except TransferError as exc:
        raise BackupError(f"the app state was not backed up: {exc}") from exc
    finally:
        dispose(dst)  # close the file before its folder is renamed
    con = sqlite3.connect(dst)  # one self-contained file: no write-ahead log beside it in the backup
    try:
        con.execute("PRAGMA journal_mode=DELETE")
    finally:
        con.close()
    return {"role": "app_state", "format": "sqlite", "source_dialect": rep["source_dialect"],
            "revision": rep["revision"], "rows": rep["tables"]}


def restore(from_dir: str | Path, db_path: str | Path, app_db: str | Path | None = None,
            lock_wait: float = 600.0) -> dict:
    """Put a backup's warehouse (and app state and run log, when it has them) back in place.

    ``app_db``: where the app state goes — a SQLite path (the file is put there), a database
    URL (the rows are loaded into it, replacing what it holds), or None (``civicgrid_app.sqlite``
    beside the warehouse; refused for a backup taken from PostgreSQL).

    Returns:
        ``{"from", "created_at", "restored": {role: path or URL (password hidden)}}``, plus
        ``app_state_rows`` ({table: rows}) and ``app_state_pre_restore`` (the file holding the
        database's previous contents) when the app state was loaded into a URL.

    Raises:
        BackupError: not a backup folder; a file does not match its checksum; a backup from
            PostgreSQL and no ``app_db``; or the app state cannot be loaded into the URL (the
            database is then unchanged). Nothing is touched before the checksums pass.
        LockBusy: a refresh held the lock for longer than ``lock_wait`` seconds.
    """
    src = Path(from_dir)
    try:
        manifest = json.loads((src / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{src}: not a civicgrid backup (no readable {MANIFEST}); give a civicgrid-<timestamp> folder.") from exc
    for name, meta in manifest["files"].items():
        p = src / name
        if not p.exists() or _sha256(p) != meta["sha256"]:
            raise BackupError(f"{p}: missing or does not match its checksum in {MANIFEST}; this backup is damaged, "
                              "use another one.")
    db = Path(db_path)
    for meta in manifest["files"].values():
        if meta["role"] == "app_state" and app_db is None and meta.get("source_dialect", "sqlite") != "sqlite":
            raise BackupError(f"this backup's app state was copied from {meta['source_dialect']}; give --app-db with "
                              "the database URL to load it into (or a SQLite path to restore it as a file).")
    into_url = _is_url(app_db)
    targets = {"warehouse": db, "app_state": Path(app_db) if app_db and not into_url else default_app_db(db),
               "run_log": run_log_path(db)}
    restored: dict = {}
    extra: dict = {}
    db.parent.mkdir(parents=True, exist_ok=True)
    with RefreshLock(db, wait=lock_wait, purpose="restore"):
        for name, meta in manifest["files"].items():  # the database load first: it is what can fail
            if meta["role"] == "app_state" and into_url:
                extra = _load_into(src / name, str(app_db), db.with_name(PRE_RESTORE_APP))
                restored["app_state"] = shown(app_db)
        for name, meta in manifest["files"].items():
            if meta["role"] == "app_state" and into_url:
                continue
            target = targets[meta["role"]]
            tmp = target.with_name(f".{target.name}.restoring")
            shutil.copy2(src / name, tmp)
            if target.exists():
                shutil.copy2(target, target.with_name(target.name + ".pre-restore"))
            for side in (".wal", "-wal", "-shm", "-journal"):  # logs of the old file must not replay onto the new one
                log = target.with_name(target.name + side)
                if log.exists():
                    os.replace(log, log.with_name(log.name + ".pre-restore"))
            os.replace(tmp, target)
            restored[meta["role"]] = str(target)
    return {"from": str(src), "restored": restored, "created_at": manifest.get("created_at"), **extra}


def _load_into(copy: Path, url: str, pre_restore: Path) -> dict:
    """Load a backup's SQLite app state into the database at ``url`` (after saving what it holds)."""
    with tempfile.TemporaryDirectory(prefix="civicgrid-restore-") as tmp:
        work = Path(tmp) / APP_DB_NAME
        shutil.copy2(copy, work)  # migrated here, never in the backup folder (its checksum must stay valid)
        try:
            migrate_to_head(work)  # a backup from an older civicgrid gets this version's schema
            migrate_to_head(url)
            for old in (pre_restore, *(pre_restore.with_name(pre_restore.name + s) for s in ("-journal", "-wal"))):
                old.unlink(missing_ok=True)
            copy_app_state(url, pre_restore)  # what the database held, so a wrong restore can be undone
            rep = copy_app_state(work, url, replace=True)
        except TransferError as exc:
            raise BackupError(f"the app state was not restored into {shown(url)}: {exc}") from exc
        finally:
            dispose(work)
            dispose(pre_restore)
    return {"app_state_rows": rep["tables"], "app_state_pre_restore": str(pre_restore)}


def _sqlite_copy(src: Path, dst: Path) -> None:
    s = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    d = sqlite3.connect(dst)
    try:
        s.backup(d)
    finally:
        d.close()
        s.close()


def _sha256(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _prune(to_dir: Path, keep: int) -> list[str]:
    done = sorted(p for p in to_dir.glob("civicgrid-*") if p.is_dir() and (p / MANIFEST).exists())
    old = done[:-keep] if keep > 0 else []
    for p in old:
        shutil.rmtree(p, ignore_errors=True)
    return [p.name for p in old]
