"""Benchmark: link every Pittsburgh record to a parcel or block; then 10x the records.

1. Ingests the Pittsburgh exports once into a scratch warehouse (not timed; or pass ``--db``).
2. Links it with a cold address cache (every distinct string parsed) and with a warm one (the
   ``normalized_addresses`` table a previous build left behind).
3. Scales it: every ``events`` and ``parcels`` row is replicated ``k - 1`` more times, each copy
   with a perturbed house number (+2, +4, ...), a typo in the street name for one copy in five
   (a letter dropped or doubled), a new record id and, for parcel-carrying rows, a new parcel id.
   Then it links that warehouse, cold.

Each measurement runs in a fresh child process, so "peak MB" is that process's own maximum
resident set size (Python, pandas and DuckDB together). Prints a table; writes nothing else.

Usage::

    python benchmarks/bench_linkage.py [--data-dir ../shared/data/pittsburgh] [--scales 1,10] [--db WAREHOUSE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

CONFIG = ROOT / "examples" / "pittsburgh" / "city.yaml"
DATA = ROOT.parent / "shared" / "data" / "pittsburgh"
_NUM = re.compile(r"^(\d+)(.*)$")


def _perturb(address: str | None, k: int) -> str | None:
    """Copy ``k`` of an address: house number + 2k, and a street typo for every fifth copy."""
    if not address:
        return address
    m = _NUM.match(address)
    text = f"{int(m.group(1)) + 2 * k}{m.group(2)}" if m else address
    if k % 5 == 0:
        words = text.split(" ")
        i = next((j for j, w in enumerate(words) if len(w) > 4 and w.isalpha()), None)
        if i is not None:
            w = words[i]
            p = 1 + k % (len(w) - 2)
            words[i] = w[:p] + w[p + 1:] if k % 2 else w[:p] + w[p] + w[p:]
            text = " ".join(words)
    return text


def _pid(pid: str | None, k: int) -> str | None:
    return None if not pid else f"{pid[:14]}Z{k % 10}" if len(pid) >= 16 else f"{pid}Z{k}"


def scale_warehouse(db: Path, k: int) -> dict:
    """Replicate every events/parcels row ``k - 1`` times in place (perturbed)."""
    import duckdb

    con = duckdb.connect(str(db), config={"autoinstall_known_extensions": False})
    try:
        con.create_function("perturb", _perturb, ["VARCHAR", "BIGINT"], "VARCHAR")
        con.create_function("new_pid", _pid, ["VARCHAR", "BIGINT"], "VARCHAR")
        for table in ("events", "parcels"):
            cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
            sel = ", ".join(
                "perturb(address, c.k) AS address" if c == "address" else
                "new_pid(parcel_id, c.k) AS parcel_id" if c == "parcel_id" else
                "record_id || '#' || c.k AS record_id" if c == "record_id" else c for c in cols)
            base = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            con.execute(f"CREATE TEMP TABLE _orig AS SELECT * FROM {table}")
            con.execute(f"""INSERT INTO {table} SELECT {sel} FROM _orig,
                            (SELECT range AS k FROM range(1, {k})) c""")
            con.execute("DROP TABLE _orig")
        con.execute("DROP TABLE IF EXISTS normalized_addresses")
        rows = con.execute("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM parcels)").fetchall()[0]
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return {"events": rows[0], "parcels": rows[1]}


def child(db: str, data_dir: str) -> None:
    """Link ``db`` in this process; print one JSON line with timings and peak memory."""
    from civicgrid.config import load_config
    from civicgrid.linkage import link_warehouse
    from civicgrid.warehouse.db import connect

    cfg = load_config(CONFIG, data_dir)
    con = connect(db)
    t = time.perf_counter()
    rep = link_warehouse(con, cfg, decisions=__import__("pandas").DataFrame())
    wall = time.perf_counter() - t
    con.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall_s": round(wall, 2), "peak_mb": round(peak_mb), "records": rep.n_records,
                      "parcels": rep.n_parcels, "parsed": rep.addresses_parsed, "reused": rep.addresses_reused,
                      "review": rep.n_review, "steps": rep.seconds,
                      "parcel_links": sum(r["parcel_rate"] * r["records"] for r in rep.rates())}))


def _run_child(db: Path, data_dir: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    res = subprocess.run([sys.executable, __file__, "--child", str(db), "--data-dir", str(data_dir)],
                         capture_output=True, text=True, env=env, check=False)
    if res.returncode != 0:
        raise SystemExit(f"child failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=DATA)
    ap.add_argument("--scales", default="1,10", help="comma-separated replication factors (1 = as published)")
    ap.add_argument("--db", type=Path, default=None, help="an already built Pittsburgh warehouse to copy")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child, str(a.data_dir))
        return
    if not a.data_dir.is_dir():
        raise SystemExit(f"{a.data_dir} not found: the real Pittsburgh exports sit in ../shared/data")
    from civicgrid.config import load_config
    from civicgrid.warehouse import build_warehouse

    tmp = Path(tempfile.mkdtemp(prefix="bench-linkage-"))
    try:
        base = tmp / "base.duckdb"
        if a.db:
            shutil.copy2(a.db, base)
        else:
            print("ingesting the Pittsburgh exports (not timed) ...", file=sys.stderr)
            build_warehouse(load_config(CONFIG, a.data_dir), base)
        rows = []
        for k in [int(x) for x in a.scales.split(",")]:
            db = tmp / f"x{k}.duckdb"
            shutil.copy2(base, db)
            size = scale_warehouse(db, k)
            cold = _run_child(db, a.data_dir)
            rows.append((f"{k}x cold", size, cold))
            if k == 1:
                rows.append(("1x warm cache", size, _run_child(db, a.data_dir)))
            db.unlink()
        print(f"\nLinkage benchmark - Pittsburgh, {os.cpu_count()} cores, python {sys.version.split()[0]}")
        print(f"{'run':<16}{'events':>10}{'parcels':>10}{'spine':>9}{'parsed':>9}{'wall s':>9}{'peak MB':>9}"
              f"{'to review':>11}  steps (s)")
        for name, size, r in rows:
            steps = ", ".join(f"{k} {v}" for k, v in r["steps"].items() if k != "total")
            print(f"{name:<16}{size['events']:>10,}{size['parcels']:>10,}{r['parcels']:>9,}{r['parsed']:>9,}"
                  f"{r['wall_s']:>9.2f}{r['peak_mb']:>9,}{r['review']:>11,}  {steps}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
