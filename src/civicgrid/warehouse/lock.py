"""Who may change the warehouse file: one refresh, link, backup or restore at a time.

Two locks, both ``fcntl`` locks beside the warehouse file:

* ``<db>.lock`` (:class:`WarehouseLock`): taken by everything that swaps in a new warehouse
  or copies it — a refresh (pull + build), ``civicgrid linkage link``, a backup, a restore —
  so none of them interleave. Blocking for up to ``wait`` seconds, then :class:`LockBusy`.
* ``<db>.build.lock`` (:func:`build_lock`): taken by every build and link that writes a copy
  and swaps it in, so a plain ``civicgrid build`` never races another writer to the swap.
  Non-blocking.

The kernel drops a lock when its holder exits, however it exits (a crash or ``kill -9``
included), so a lock never goes stale. ``<db>.lock`` holds the holder's purpose, pid and
start time, for the message a second process prints.

This module sits low on purpose: the linkage stage imports it, so it must not import any
later stage (refresh re-exports it from :mod:`civicgrid.refresh.lock`).
"""

from __future__ import annotations

import fcntl
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from civicgrid.warehouse.db import WarehouseError

#: exit code of a command refused because the lock is held (EX_TEMPFAIL: cron and systemd
#: treat it as "try again later")
EXIT_LOCKED = 75


class LockBusy(RuntimeError):
    """Another refresh, link, backup or restore holds the warehouse lock."""


def lock_path(db_path: str | Path) -> Path:
    """The lock file of a warehouse: ``<db>.lock`` beside it."""
    db = Path(db_path)
    return db.with_name(db.name + ".lock")


class WarehouseLock:
    """Context manager: hold ``<db>.lock``, or raise :class:`LockBusy` after ``wait`` seconds.

    Args:
        db_path: the warehouse file; the lock is ``<db>.lock`` beside it.
        wait: seconds to keep trying (0: fail at once).
        purpose: written into the lock file (``refresh``, ``link``, ``backup`` …) and quoted
            by the message another process gets.

    Raises:
        LockBusy: (on entering) the lock stayed held for ``wait`` seconds; the message names
            the holder and says to try again when it finishes.
    """

    def __init__(self, db_path: str | Path, wait: float = 0.0, purpose: str = "refresh"):
        self.path = lock_path(db_path)
        self.wait = wait
        self.purpose = purpose
        self.fd: int | None = None

    def __enter__(self) -> "WarehouseLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise LockBusy(f"another {holder} is working on this warehouse (lock {self.path}); "
                                   "it will release the lock when it finishes, try again then.") from None
                time.sleep(min(0.2, max(0.01, deadline - time.monotonic())))
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{self.purpose} pid {os.getpid()} since {datetime.now(timezone.utc).isoformat(timespec='seconds')}\n"
                  .encode(), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode(errors="replace").strip()
    except OSError:
        text = ""
    return text or "refresh"


def build_lock(db_path: str | Path) -> IO[str]:
    """Take the exclusive, non-blocking ``<db>.build.lock``; close the returned file to release it.

    Raises:
        WarehouseError: another build or link is writing this warehouse, or the folder is not writable.
    """
    db_path = Path(db_path)
    path = db_path.with_name(db_path.name + ".build.lock")
    try:
        fh = open(path, "a+")
    except OSError as exc:
        raise WarehouseError(f"{db_path.parent}: cannot write there ({exc.strerror}); choose a writable --db.") from exc
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise WarehouseError(f"{db_path}: another build is writing this warehouse; wait for it to finish.") from None
    return fh
