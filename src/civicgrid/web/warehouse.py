"""Read the warehouse from the web app: read-only, and a swapped-in new build is picked up at once.

A build writes a new file and ``os.replace``-s it over the old one (docs/warehouse.md). DuckDB
caches one database instance per path inside a process, so simply reconnecting to the same path
would keep serving the old file while any connection is open. Instead each build gets its own
in-memory DuckDB with the file ATTACHed read-only; every request takes a cursor on the current
one. When the file's identity (inode, size, mtime) changes, new requests go to a fresh attachment
while requests in flight finish on the old one, which is released when they are done.

Expensive results (the service report, the workforce report) are memoised per build identity.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from civicgrid.warehouse.db import DUCKDB_CONFIG, WarehouseError

ALIAS = "wh"


class MissingTables(Exception):
    """The build lacks tables a page needs (e.g. not linked yet); the message says what to run."""


class WarehouseHandle:
    """Cursors on the current build of one warehouse file, plus a small result cache."""

    #: LRU sizes per cache bucket: reports (``main``), per-property profiles, filtered lists, and the
    #: formatted tables and chart specs of cached registry views (per role and parameters)
    BUCKETS = {"main": 64, "profiles": 512, "lists": 128, "views": 1024}

    def __init__(self, path: str | Path, cache_size: int | None = None):
        self.path = Path(path).expanduser().resolve()
        self._lock = threading.Lock()
        self._base: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple | None = None
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self._sizes = dict(self.BUCKETS, **({"main": cache_size} if cache_size else {}))
        self._compute_locks: dict[tuple, threading.Lock] = {}

    def identity(self) -> tuple:
        """(inode, size, mtime) of the file now; raises WarehouseError when it is missing."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError as exc:
            raise WarehouseError(f"{self.path}: no warehouse here yet; run `civicgrid build CONFIG --db "
                                 f"{self.path}` (or `civicgrid demo`) first.") from exc
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def _current(self) -> tuple[duckdb.DuckDBPyConnection, tuple]:
        ident = self.identity()
        with self._lock:
            if self._base is None or ident != self._identity:
                base = duckdb.connect(":memory:", config=dict(DUCKDB_CONFIG))
                try:
                    path = str(self.path).replace("'", "''")
                    base.execute(f"ATTACH '{path}' AS {ALIAS} (READ_ONLY)")
                except duckdb.Error as exc:
                    base.close()
                    raise WarehouseError(f"{self.path}: cannot open the warehouse ({exc}).") from exc
                # the old attachment is dropped, not closed: cursors in flight keep it alive until done
                self._base, self._identity = base, ident
                self._cache.clear()
                self._compute_locks.clear()
            return self._base, self._identity

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only cursor on the current build (``USE`` set, so plain table names work)."""
        base, _ = self._current()
        cur = base.cursor()
        try:
            cur.execute(f"USE {ALIAS}")
            yield cur
        finally:
            cur.close()

    def tables(self) -> set[str]:
        """Names of the tables in the current build."""
        return self.memo(("tables",), lambda con: {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ?", [ALIAS]).fetchall()})

    def require(self, *names: str, hint: str = "") -> None:
        """Raise :class:`MissingTables` unless the current build has every table in ``names``."""
        missing = [n for n in names if n not in self.tables()]
        if missing:
            raise MissingTables(f"This build has no {', '.join(missing)} table{'s' if len(missing) > 1 else ''}"
                                f"{': ' + hint if hint else '.'}")

    def memo(self, key: tuple, compute: Callable[[duckdb.DuckDBPyConnection], Any], bucket: str = "main") -> Any:
        """``compute(cursor)`` once per build and key; concurrent callers of the same key wait for one result.

        Results are dropped when a new build is swapped in; each ``bucket`` keeps its own LRU size.
        """
        _, ident = self._current()
        full = (bucket, ident, *key)
        with self._lock:
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]
            lock = self._compute_locks.setdefault(full, threading.Lock())
        with lock:
            with self._lock:
                if full in self._cache:
                    return self._cache[full]
            with self.cursor() as con:
                value = compute(con)
            with self._lock:
                if self._identity == ident:
                    self._cache[full] = value
                    mine = [k for k in self._cache if k[0] == bucket]
                    for k in mine[:max(0, len(mine) - self._sizes.get(bucket, 64))]:
                        del self._cache[k]
                self._compute_locks.pop(full, None)  # waiters still hold it and find the cached value
            return value

    def last_build(self) -> dict | None:
        """The latest build row (city, synthetic, times) or None for an empty warehouse."""
        def q(con):
            row = con.execute("SELECT build_id, city, synthetic, status, started_at, finished_at, config_path "
                              "FROM builds ORDER BY started_at DESC LIMIT 1").fetchone()
            if row is None:
                return None
            keys = ("build_id", "city", "synthetic", "status", "started_at", "finished_at", "config_path")
            return dict(zip(keys, row))
        return self.memo(("last_build",), q)
