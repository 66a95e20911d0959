"""Build the warehouse: copy the current file, load what is new into the copy, swap it in.

A build never writes to the warehouse that readers have open. It copies the current
file (so earlier versions and history carry forward) to ``<db>.building-<pid>``, loads
into that copy, checkpoints, closes, and then ``os.replace``-s it over the old file —
atomic on POSIX. A crash or Ctrl-C before the swap leaves the previous warehouse intact
and usable; the partial copy is removed.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from civicgrid import __version__
from civicgrid.config import CityConfig
from civicgrid.ingest.pipeline import FileReport, ingest_source
from civicgrid.ingest.schema import ensure_schema
from civicgrid.warehouse.db import WarehouseError, connect
from civicgrid.warehouse.lock import build_lock


@dataclass
class BuildReport:
    """What a build did: one :class:`FileReport` per file, and the totals."""

    build_id: str
    db_path: str
    status: str  # ok | partial
    started_at: datetime
    finished_at: datetime | None = None
    files: list[FileReport] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        keys = ("rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate")
        return {k: sum(getattr(f, k) for f in self.files) for k in keys}

    def as_dict(self) -> dict:
        return {
            "build_id": self.build_id, "db": self.db_path, "status": self.status,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "totals": self.totals, "invariant_ok": all(f.invariant_ok for f in self.files),
            "files": [f.as_dict() for f in self.files],
        }


class ProgressHook:
    """Receives progress from a build (the CLI draws rich progress bars from it)."""

    def source_started(self, name: str, files: int) -> None: ...
    def advance(self, rows: int) -> None: ...
    def source_finished(self, name: str, reports: list[FileReport]) -> None: ...


def build_warehouse(cfg: CityConfig, db_path: str | Path, progress: ProgressHook | None = None,
                    now: datetime | None = None,
                    after_ingest: Callable | None = None, memory_limit: str = "1GB") -> BuildReport:
    """Load every configured source into the warehouse at ``db_path`` and swap it in.

    Args:
        cfg: validated city configuration.
        db_path: the warehouse file (created when missing).
        progress: optional progress receiver.
        now: the run clock (UTC); defaults to the wall clock. Dates after it are flagged.
        after_ingest: optional ``f(con, cfg, report)`` run on the new file before the swap
            (later stages — linkage, analytics — hook in here).
        memory_limit: DuckDB memory cap for the build (it spills to a temp folder beyond it).

    Returns:
        The :class:`BuildReport`; ``status`` is ``partial`` when any file failed.

    Raises:
        WarehouseError: the file cannot be opened for writing, another build is writing it, or it
            holds another city's data.
    """
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    run_at = now or datetime.now(timezone.utc)
    started = datetime.now(timezone.utc)
    build_id = started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    report = BuildReport(build_id, str(db_path), "ok", started)
    lock = build_lock(db_path)
    try:
        if db_path.exists():
            _check_same_city(db_path, cfg)
        return _build(cfg, db_path, progress, run_at, started, build_id, report, after_ingest, memory_limit)
    finally:
        lock.close()


def _check_same_city(db_path: Path, cfg: CityConfig) -> None:
    """Refuse to load one city's config into another city's warehouse (their sources would mix)."""
    con = connect(db_path, read_only=True)
    try:
        row = con.execute("SELECT city FROM builds ORDER BY started_at DESC LIMIT 1").fetchone()
    except Exception:  # an empty or pre-schema file: nothing to compare
        row = None
    finally:
        con.close()
    if row and row[0] and row[0] != cfg.city.name:
        raise WarehouseError(f"{db_path} holds {row[0]}, not {cfg.city.name}; use a separate --db for each city.")


def _build(cfg: CityConfig, db_path: Path, progress, run_at, started, build_id, report: BuildReport,
           after_ingest, memory_limit: str) -> BuildReport:
    tmp = db_path.with_name(f"{db_path.name}.building-{os.getpid()}")
    _remove(tmp)
    if db_path.exists():
        shutil.copy2(db_path, tmp)
    try:
        con = connect(tmp)
        try:
            # bounded memory on an ordinary machine: DuckDB spills to disk beyond this
            con.execute(f"SET memory_limit = '{memory_limit}'")
            con.execute(f"SET temp_directory = '{tmp.parent / (tmp.name + '.spill')}'")
            con.execute("SET preserve_insertion_order = false")
            ensure_schema(con)
            for source in cfg.sources:
                n_files = max(1, len(cfg.files_for(source)))
                if progress:
                    progress.source_started(source.name, n_files)
                reports = ingest_source(con, cfg, source, build_id, run_at,
                                        progress.advance if progress else None)
                report.files.extend(reports)
                if progress:
                    progress.source_finished(source.name, reports)
            if any(f.status == "failed" for f in report.files):
                report.status = "partial"
            if after_ingest is not None:
                after_ingest(con, cfg, report)
            report.finished_at = datetime.now(timezone.utc)
            t = report.totals
            failed = [f"{f.source}/{f.file}: {f.message}" for f in report.files if f.status == "failed"]
            con.execute(
                "INSERT INTO builds VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [build_id, started, report.finished_at, report.status, str(cfg.path or ""), cfg.city.name,
                 cfg.city.synthetic, __version__, len(report.files), t["rows_read"], t["rows_loaded"],
                 t["rows_quarantined"], t["rows_duplicate"], "; ".join(failed) or None],
            )
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, db_path)
        shutil.rmtree(tmp.with_name(tmp.name + ".spill"), ignore_errors=True)
    except BaseException:
        _remove(tmp)
        raise
    return report


def _remove(p: Path) -> None:
    shutil.rmtree(p.with_name(p.name + ".spill"), ignore_errors=True)
    for q in (p, p.with_name(p.name + ".wal")):
        try:
            q.unlink()
        except FileNotFoundError:
            pass
