"""Failed sign-ins per client address in a sliding window (in memory, per process).

Complements the per-account lockout (``users.failed_logins`` / ``locked_until``, kept in the app
database): an address that guesses many user names is refused with HTTP 429 for a while.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class FailureWindow:
    """Counts failures per key over the last ``window_seconds``."""

    def __init__(self, limit: int, window_seconds: float):
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def _trim(self, q: deque, now: float) -> None:
        while q and q[0] <= now - self.window:
            q.popleft()

    def blocked(self, key: str | None) -> bool:
        """True when ``key`` has reached the limit within the window."""
        if key is None:
            return False
        now = time.monotonic()
        with self._lock:
            q = self._hits.get(key)
            if not q:
                return False
            self._trim(q, now)
            return len(q) >= self.limit

    def fail(self, key: str | None) -> None:
        if key is None:
            return
        now = time.monotonic()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            self._trim(q, now)
            q.append(now)
            if len(self._hits) > 10_000:  # forget idle addresses
                for k in [k for k, v in self._hits.items() if not v][:5_000]:
                    del self._hits[k]
