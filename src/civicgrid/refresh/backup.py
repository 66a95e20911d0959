"""Back up and restore the warehouse and the app state, with checksums.

A backup is a folder ``<to>/civicgrid-<UTC timestamp>/`` holding
* the warehouse file (copied while holding the warehouse lock, so no refresh swaps it mid-copy),
* the app-state SQLite file (``civicgrid_app.sqlite`` beside the warehouse, or ``--app-db``),
  copied with SQLite's online backup API (consistent even while the web app writes),
* the run log, and ``manifest.json`` with each file's SHA-256 and size.
It is written as ``….partial`` and renamed when complete. An app state on PostgreSQL is not
copied here: back it up with ``pg_dump`` (docs/deploy.md).

Restore checks every checksum first, then (under the lock) moves the current files aside as
``<file>.pre-restore`` and puts the backup's copies in place with an atomic rename.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from civicgrid import __version__
from civicgrid.refresh.lock import RefreshLock
from civicgrid.refresh.runlog import run_log_path

APP_DB_NAME = "civicgrid_app.sqlite"
MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """A backup or restore cannot be done; the message says why and what to do."""


def default_app_db(db_path: Path) -> Path:
    return Path(db_path).with_name(APP_DB_NAME)


def backup(db_path: str | Path, to_dir: str | Path, app_db: str | Path | None = None,
           keep: int | None = None, lock_wait: float = 600.0) -> dict:
    """Copy the warehouse (+ app state, run log) into a new folder under ``to_dir``.

    Returns:
        The manifest (``folder``, ``files``: name → {role, sha256, bytes}).

    Raises:
        BackupError: there is no warehouse at ``db_path``.
        LockBusy: a refresh held the lock for longer than ``lock_wait`` seconds.
    """
    db = Path(db_path)
    if not db.exists():
        raise BackupError(f"{db}: no warehouse to back up; check --db.")
    app = Path(app_db) if app_db else default_app_db(db)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    final = Path(to_dir) / f"civicgrid-{stamp}"
    work = final.with_name(final.name + ".partial")
    work.mkdir(parents=True)
    files: dict[str, dict] = {}
    try:
        with RefreshLock(db, wait=lock_wait, purpose="backup"):
            shutil.copy2(db, work / db.name)
            files[db.name] = {"role": "warehouse"}
            if app.exists():
                _sqlite_copy(app, work / app.name)
                files[app.name] = {"role": "app_state"}
            log = run_log_path(db)
            if log.exists():
                shutil.copy2(log, work / log.name)
                files[log.name] = {"role": "run_log"}
        for name, meta in files.items():
            meta.update(sha256=_sha256(work / name), bytes=(work / name).stat().st_size)
        manifest = {"created_at": datetime.now(timezone.utc).isoformat(), "civicgrid_version": __version__,
                    "source_db": str(db.resolve()), "source_app_db": str(app.resolve()) if app.exists() else None,
                    "files": files}
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1))
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    manifest["folder"] = str(final)
    if keep:
        manifest["pruned"] = _prune(Path(to_dir), keep)
    return manifest


def restore(from_dir: str | Path, db_path: str | Path, app_db: str | Path | None = None,
            lock_wait: float = 600.0) -> dict:
    """Put a backup's warehouse (and app state and run log, when it has them) back in place.

    Raises:
        BackupError: not a backup folder, or a file does not match its checksum.
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
    targets = {"warehouse": db, "app_state": Path(app_db) if app_db else default_app_db(db), "run_log": run_log_path(db)}
    restored = {}
    db.parent.mkdir(parents=True, exist_ok=True)
    with RefreshLock(db, wait=lock_wait, purpose="restore"):
        for name, meta in manifest["files"].items():
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
    return {"from": str(src), "restored": restored, "created_at": manifest.get("created_at")}


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
