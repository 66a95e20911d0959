"""One refresh: under the warehouse lock, pull every connector source, build, swap, alert, log.

Order and failure rules:
1. Take ``<db>.lock`` (a second refresh exits at once with :class:`LockBusy`).
2. Remove build leftovers of refreshes that were killed (``<db>.building-<pid>`` of a dead pid).
3. Pull each connector source into files. A failing source is recorded as stale; the
   others go on, and the build still runs with every file already pulled.
4. :func:`~civicgrid.warehouse.build_warehouse` loads the new files into a copy of the
   warehouse and swaps it in atomically (a crash before the swap leaves the served
   warehouse as it was). The pulls are written into the copy (``source_pulls``).
5. When the build finished, each connector source with more than ``compact_after`` loose
   pulled files has all but the newest packed into its archive (still under the lock;
   :mod:`civicgrid.sources.compact`: the next build reads exactly the same rows).
6. Alerts are evaluated, sent (at most once per ``repeat_hours``), and the run — pulled,
   loaded, quarantined, linked, compacted, alerts, delivery — is appended to ``<db>.runs.jsonl``.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from civicgrid.config import CityConfig
from civicgrid.refresh.alerts import Alert, due, evaluate, mark_sent, match_rates, quarantine_stats
from civicgrid.refresh.freshness import source_freshness
from civicgrid.refresh.lock import RefreshLock
from civicgrid.refresh.notify import deliver
from civicgrid.refresh.runlog import append_run, read_runs, record_pulls
from civicgrid.settings.alerts import AlertSettings
from civicgrid.sources.compact import CompactReport, compact_all
from civicgrid.sources.pull import PullReport, pull_all
from civicgrid.warehouse.build import BuildReport, ProgressHook, build_warehouse
from civicgrid.warehouse.db import WarehouseError, open_readonly


@dataclass
class RefreshReport:
    """What one refresh did."""

    run_id: str
    db: str
    started_at: datetime
    status: str = "ok"  # ok | partial (a pull or a file failed) | failed (no new warehouse)
    message: str = ""
    finished_at: datetime | None = None
    pulls: list[PullReport] = field(default_factory=list)
    build: BuildReport | None = None
    compactions: list[CompactReport] = field(default_factory=list)
    quarantine: dict = field(default_factory=dict)
    match_rates: dict = field(default_factory=dict)
    freshness: dict = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    delivery: list[str] = field(default_factory=list)
    cleaned: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        b = self.build
        files = [f.as_dict() for f in b.files if f.status != "unchanged"] if b else []
        return {
            "run_id": self.run_id, "db": self.db, "status": self.status, "message": self.message,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "pulls": [p.as_dict() for p in self.pulls],
            "rows_pulled": sum(p.rows for p in self.pulls),
            "build": None if b is None else {
                "build_id": b.build_id, "status": b.status, "totals": b.totals,
                "invariant_ok": all(f.invariant_ok for f in b.files),
                "files_unchanged": sum(f.status == "unchanged" for f in b.files), "files": files},
            "compacted": [c.as_dict() for c in self.compactions if c.status in ("packed", "failed")],
            "quarantine": self.quarantine, "match_rates": self.match_rates,
            "freshness": {k: v["state"] for k, v in self.freshness.items()},
            "alerts": [a.as_dict() for a in self.alerts], "delivery": self.delivery,
            "cleaned": self.cleaned,
        }


def run_refresh(cfg: CityConfig, db_path: str | Path, *, lock_wait: float = 0.0,
                after_ingest: Callable | None = None, progress: ProgressHook | None = None,
                now: datetime | None = None, sleep: Callable[[float], None] = time.sleep,
                memory_limit: str = "2GB", compact_after: int | None = None) -> RefreshReport:
    """Pull, build and swap under the lock; evaluate, send and log alerts.

    Args:
        cfg: validated city configuration (connector sources pull into its data folder).
        db_path: the warehouse file.
        lock_wait: seconds to wait for a running refresh (0: fail at once).
        after_ingest: a later stage's hook (e.g. linkage), run on the new warehouse before the swap.
        progress: build progress receiver.
        now: the run clock (UTC) for tests; defaults to the wall clock.
        sleep: retry waits (injectable for tests).
        memory_limit: DuckDB memory cap of the build.
        compact_after: pack a source's pulled files once it has more than this many loose ones;
            None uses each source's ``connector.compact_after``; 0 never packs.

    Returns:
        The :class:`RefreshReport` (also appended to ``<db>.runs.jsonl``).

    Raises:
        LockBusy: another refresh or backup holds the lock.
        KeyboardInterrupt: re-raised after the interrupted run was logged.
    """
    db = Path(db_path)
    with RefreshLock(db, wait=lock_wait):
        started = datetime.now(timezone.utc)
        rep = RefreshReport(started.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6], str(db), started)
        rep.cleaned = remove_stale_builds(db)
        rep.pulls = pull_all(cfg, now=now, sleep=sleep)

        def hook(con, cfg_, build_report) -> None:
            if after_ingest is not None:
                after_ingest(con, cfg_, build_report)
            record_pulls(con, rep.run_id, rep.pulls)
            rep.match_rates = match_rates(con)

        interrupted: BaseException | None = None
        try:
            rep.build = build_warehouse(cfg, db, progress=progress, now=now, after_ingest=hook,
                                        memory_limit=memory_limit)
        except Exception as exc:
            rep.status, rep.message = "failed", f"{type(exc).__name__}: {exc}"
        except BaseException as exc:  # Ctrl-C / SIGTERM-as-SystemExit: log it, then let it stop us
            rep.status, rep.message, interrupted = "failed", f"interrupted ({type(exc).__name__})", exc
        if rep.build is not None and interrupted is None:
            rep.compactions = compact_all(cfg, after=compact_after)
        _finish(cfg, db, rep, now)
        if interrupted is not None:
            raise interrupted
    return rep


def _finish(cfg: CityConfig, db: Path, rep: RefreshReport, now: datetime | None) -> None:
    clock = now or datetime.now(timezone.utc)
    files = rep.build.files if rep.build else []
    if rep.status != "failed":
        failed_pulls = [p.source for p in rep.pulls if p.status == "failed"]
        if failed_pulls or (rep.build and rep.build.status != "ok"):
            rep.status = "partial"
        parts = [f"{sum(p.rows for p in rep.pulls):,} row(s) pulled from {len(rep.pulls)} API source(s)"]
        if failed_pulls:
            parts.append(f"failed and stale: {', '.join(failed_pulls)}")
        if rep.build:
            t = rep.build.totals
            parts.append(f"build {rep.build.build_id}: {t['rows_read']:,} read, {t['rows_loaded']:,} loaded, "
                         f"{t['rows_quarantined']:,} quarantined, {t['rows_duplicate']:,} duplicate")
        rep.message = "; ".join(parts) + "."
    rep.quarantine = quarantine_stats(files)
    try:
        con = open_readonly(db)
    except WarehouseError:
        con = None
    if con is not None:
        try:
            rep.freshness = source_freshness(con, db, clock, current_pulls=[p.as_dict() for p in rep.pulls])
        finally:
            con.close()
    settings = cfg.alerts or AlertSettings()
    history = read_runs(db, last=100)
    previous = {key: _latest_per_source(history, key) for key in ("quarantine", "match_rates")}
    rep.alerts = evaluate(settings, status=rep.status, message=rep.message, pulls=rep.pulls, files=files,
                          freshness=rep.freshness, quarantine=rep.quarantine, rates=rep.match_rates,
                          previous=previous, compactions=rep.compactions)
    state = db.with_name(db.name + ".alerts.json")
    to_send = due(rep.alerts, state, settings.repeat_hours, clock)
    rep.delivery, ok = deliver(cfg.alerts, cfg.city.name, to_send, rep.run_id)
    if len(to_send) < len(rep.alerts):
        rep.delivery.append(f"{len(rep.alerts) - len(to_send)} alert(s) already sent within {settings.repeat_hours:g} h")
    mark_sent(rep.alerts, to_send if ok else [], state, clock)
    rep.finished_at = datetime.now(timezone.utc)
    entry = rep.as_dict()
    entry.update(city=cfg.city.name, config=str(cfg.path or ""))
    append_run(db, entry)


def _latest_per_source(history: list[dict], key: str) -> dict:
    """Per source, its value under ``key`` in the most recent run that had one (a source with
    no new file in the last run is compared with the run before)."""
    out: dict = {}
    for run in history:  # oldest first: later runs overwrite
        out.update(run.get(key) or {})
    return out


def remove_stale_builds(db: Path) -> list[str]:
    """Delete ``<db>.building-<pid>`` / ``<db>.linking-<pid>`` copies (and their .wal/.spill) whose process is gone."""
    removed = []
    for p in sorted(db.parent.glob(glob.escape(db.name) + ".*ing-*")):
        m = re.match(re.escape(db.name) + r"\.(?:building|linking)-(\d+)", p.name)
        if not m or _alive(int(m.group(1))):
            continue
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p.name)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
