"""One refresh (or backup) at a time per warehouse: an ``fcntl`` lock on ``<db>.lock``.

The kernel drops the lock when its holder exits, however it exits (a crash or ``kill -9``
included), so a lock never goes stale. The file holds the holder's pid and start time, for
the message a second refresh prints.
"""

from __future__ import annotations

import fcntl
import os
import time
from datetime import datetime, timezone
from pathlib import Path


class LockBusy(RuntimeError):
    """Another refresh or backup holds the warehouse lock."""


def lock_path(db_path: str | Path) -> Path:
    db = Path(db_path)
    return db.with_name(db.name + ".lock")


class RefreshLock:
    """Context manager: hold the warehouse lock, or raise :class:`LockBusy` after ``wait`` seconds.

    Args:
        db_path: the warehouse file; the lock is ``<db>.lock`` beside it.
        wait: seconds to keep trying (0: fail at once).
        purpose: written into the lock file (``refresh``, ``backup`` …).
    """

    def __init__(self, db_path: str | Path, wait: float = 0.0, purpose: str = "refresh"):
        self.path = lock_path(db_path)
        self.wait = wait
        self.purpose = purpose
        self.fd: int | None = None

    def __enter__(self) -> "RefreshLock":
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
