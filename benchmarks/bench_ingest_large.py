"""Benchmark: memory stays flat on a large export (issue 2: a 200 MB CSV must not need 200 MB of Python objects).

Writes a ~200 MB CSV by repeating the real Pittsburgh fire-incident file with fresh call
numbers (into a temp folder, never the repository), ingests it, and reports wall time,
rows per second and peak RSS.

Usage: python benchmarks/bench_ingest_large.py [--mb 200]
"""

from __future__ import annotations

import argparse
import csv
import resource
import tempfile
import time
from pathlib import Path

import yaml

from civicgrid.config import load_config
from civicgrid.warehouse import build_warehouse

ROOT = Path(__file__).resolve().parents[1]
FIRE = ROOT.parent / "shared/data/pittsburgh/fire_incidents.csv"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--trace-python", action="store_true",
                    help="also measure peak Python objects with tracemalloc (slows the run several-fold)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with open(FIRE, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        header, body = rows[0], rows[1:]
        big = tmp / "fire_big.csv"
        n = 0
        with open(big, "w", newline="", encoding="utf-8") as out:
            w = csv.writer(out)
            w.writerow(header)
            rep_i = 0
            while out.tell() < args.mb * 1_000_000:
                for r in body:
                    r2 = list(r)
                    r2[0] = f"{r[0]}-{rep_i}"
                    w.writerow(r2)
                    n += 1
                rep_i += 1
        size = big.stat().st_size / 1e6
        cfg_doc = {"city": {"name": "bench", "timezone": "America/New_York"}, "sources": [{
            "name": "fire", "department": "fire", "kind": "fire_incident", "path": "fire_big.csv",
            "record_id": ["call_no"], "columns": {"opened_at": "alarm_time", "type_code": "incident_type",
                                                 "description": "type_description", "address": "address",
                                                 "lat": "latitude", "lon": "longitude"}}]}
        (tmp / "city.yaml").write_text(yaml.safe_dump(cfg_doc))
        base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        del rows, body
        import tracemalloc

        if args.trace_python:
            tracemalloc.start()
        t0 = time.perf_counter()
        rep = build_warehouse(load_config(tmp / "city.yaml"), tmp / "w.duckdb")
        dt = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        py_peak = tracemalloc.get_traced_memory()[1] / 1e6 if args.trace_python else float("nan")
        tracemalloc.stop()
    print(f"file: {size:.0f} MB, {n:,} rows; ingest {dt:.1f} s ({n / dt:,.0f} rows/s); "
          f"peak RSS {peak:.0f} MB (before ingest {base_rss:.0f} MB; DuckDB capped at 1 GB); "
          f"peak Python objects {py_peak:.0f} MB; invariant ok: {rep.files[0].invariant_ok}")


if __name__ == "__main__":
    main()
