"""Benchmark: ingest every Pittsburgh file into a fresh warehouse.

Measures wall time, rows per second and peak memory (max RSS of this process) for a cold
build, and the time of a second, unchanged build. Target (issue 2): under 15 s on 2 cores.

Usage:
    python benchmarks/bench_ingest.py [--data-dir ../shared/data/pittsburgh] [--config examples/pittsburgh/city.yaml]
Prints a Markdown row for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from civicgrid.config import load_config
from civicgrid.warehouse import build_warehouse

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(ROOT / "examples/pittsburgh/city.yaml"))
    ap.add_argument("--data-dir", default=str(ROOT.parent / "shared/data/pittsburgh"))
    args = ap.parse_args()
    cfg = load_config(args.config, args.data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        t0, c0 = time.perf_counter(), time.process_time()
        rep = build_warehouse(cfg, db)
        cold = time.perf_counter() - t0
        cpu = time.process_time() - c0  # this process's CPU seconds: less sensitive to other load
        t0 = time.perf_counter()
        build_warehouse(cfg, db)
        warm = time.perf_counter() - t0
        size_mb = db.stat().st_size / 1e6
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = rep.totals["rows_read"]
    files = len(rep.files)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {date.today()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"files: {files}, rows read: {rows:,}, loaded: {rep.totals['rows_loaded']:,}, "
          f"quarantined: {rep.totals['rows_quarantined']:,}, duplicate: {rep.totals['rows_duplicate']:,}")
    print(f"cold build: {cold:.1f} s wall, {cpu:.1f} s CPU ({rows / cold:,.0f} rows/s); unchanged re-build: {warm:.2f} s; "
          f"peak RSS: {peak_mb:.0f} MB; warehouse file: {size_mb:.1f} MB")
    print(f"| ingest all Pittsburgh files ({files} files, {rows:,} rows) | {cold:.1f} s | {rows / cold:,.0f} rows/s | "
          f"{peak_mb:.0f} MB | re-build unchanged {warm:.2f} s |")


if __name__ == "__main__":
    main()
