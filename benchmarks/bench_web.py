"""Latency of the web dashboard under concurrent clients on loopback.

    python benchmarks/bench_web.py --db civicgrid-demo/civicgrid.duckdb --clients 50 --seconds 30 --think 0
    python benchmarks/bench_web.py --db big/civicgrid.duckdb --clients 50 --think 2 --parcels all

The server runs in its own process(es) exactly as ``civicgrid serve [--workers N]`` runs it (including
the background warming of reports and top-ranked profiles at start) with a temporary app-state
database and one admin account; the clients run in this process (asyncio +
httpx, one signed-in session each), so client work never holds the server's interpreter lock.
Each client loops over the ranked list (page and JSON) and property profiles (page and JSON) for
``--seconds`` after a ``--warmup`` period that is not counted.

``--think`` is the mean pause in seconds between one client's requests (exponentially distributed,
seeded): 0 is a closed-loop stress test (every client fires again the moment it gets an answer);
a few seconds models staff clicking through pages. ``--parcels ranked`` draws profiles from the top
200 of the ranked list (a meeting walking its agenda); ``all`` draws uniformly from the whole parcel
spine, so almost every profile is a first view. Prints requests, throughput and p50/p95/p99 latency per
endpoint as JSON. Run it on a quiet machine: the server and the clients share the CPUs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

USER, PASSWORD = "bench", "benchmark password"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(v: list[float], q: float) -> float:
    v = sorted(v)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))] if v else float("nan")


def _rss_mb(pid: int) -> dict[int, float]:
    """Resident memory (MB) of a process and its descendants, from /proc (Linux)."""
    out, todo = {}, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            out[p] = round(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024, 1)
            for t in Path(f"/proc/{p}/task").iterdir():
                kids = Path(f"/proc/{p}/task/{t.name}/children").read_text().split()
                todo.extend(int(k) for k in kids)
        except (OSError, AttributeError):
            continue
    return out


def _server(db: str, port: int, workers: int) -> None:
    """Child process: ``civicgrid serve`` (same code path, incl. warming) plus one admin account."""
    from civicgrid.appstate.migrate import upgrade
    from civicgrid.web import WebSettings, users
    from civicgrid.web.server import serve

    tmp = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    url = upgrade(tmp / "app.sqlite")
    users.add_user(url, USER, PASSWORD, "admin")
    print("READY", flush=True)
    serve(db, url, "127.0.0.1", port, settings=WebSettings(secure_cookies=False), log_level="warning",
          workers=workers)


async def _client(base: str):
    import httpx

    c = httpx.AsyncClient(base_url=base, timeout=120)
    page = (await c.get("/login")).text
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = await c.post("/login", data={"username": USER, "password": PASSWORD, "csrf_token": tok})
    if r.status_code >= 400:
        raise SystemExit(f"sign-in failed: {r.status_code}")
    return c


async def _run(args, base: str) -> dict:
    import httpx

    first = await _client(base)
    if args.parcels == "ranked":
        parcels = [p["parcel_id"] for p in (await first.get("/api/v1/properties?limit=200")).json()["properties"]]
    else:
        import duckdb

        con = duckdb.connect(args.db, read_only=True)
        parcels = [r[0] for r in con.execute("SELECT parcel_id FROM parcel_spine").fetchall()]
        con.close()
    parcels = parcels or ["none"]
    endpoints = {"ranked_page": lambda p: "/integration", "ranked_json": lambda p: "/api/v1/properties?limit=100",
                 "profile_page": lambda p: f"/integration/property/{p}",
                 "profile_json": lambda p: f"/api/v1/properties/{p}"}
    times: dict[str, list[float]] = {k: [] for k in endpoints}
    errors: list[str] = []
    retries = [0]
    clients = [first] + [await _client(base) for _ in range(args.clients - 1)]  # argon2 sign-ins, not timed
    t_start = time.perf_counter()
    t_count, t_stop = t_start + args.warmup, t_start + args.warmup + args.seconds

    async def loop(n: int) -> None:
        rng = random.Random(n)
        c = clients[n]
        await asyncio.sleep(rng.uniform(0, max(args.think, 0.2)))  # clients do not start in lockstep
        while time.perf_counter() < t_stop:
            name = rng.choice(list(endpoints))
            path = endpoints[name](rng.choice(parcels))
            t = time.perf_counter()
            try:
                r = await c.get(path)
            except httpx.TransportError:  # keep-alive closed by the server as we sent: browsers resend a GET
                retries[0] += 1
                r = await c.get(path)
            dt = time.perf_counter() - t
            if t >= t_count:
                times[name].append(dt)
                if r.status_code != 200:
                    errors.append(f"{r.status_code} {path}: {r.text[-200:]}")
            if args.think > 0:
                await asyncio.sleep(rng.expovariate(1 / args.think))

    await asyncio.gather(*(loop(n) for n in range(args.clients)))
    wall = time.perf_counter() - t_count
    for c in clients:
        await c.aclose()
    out = {"db": args.db, "clients": args.clients, "workers": args.workers, "think_seconds": args.think,
           "parcels": args.parcels, "warmup_seconds": args.warmup,
           "parcel_pool": len(parcels), "seconds_counted": round(wall, 1), "errors": len(errors), "resent_after_closed_connection": retries[0],
           "error_samples": errors[:3], "endpoints": {}}
    every = [x for v in times.values() for x in v]
    for name, v in [*times.items(), ("all", every)]:
        out["endpoints"][name] = {"requests": len(v), "per_second": round(len(v) / wall, 1),
                                  "p50_ms": round(1000 * statistics.median(v), 1) if v else None,
                                  "p95_ms": round(1000 * _pct(v, 0.95), 1), "p99_ms": round(1000 * _pct(v, 0.99), 1)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="warehouse file")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30, help="measured seconds")
    ap.add_argument("--warmup", type=float, default=5, help="seconds of load before measuring")
    ap.add_argument("--think", type=float, default=0.0, help="mean pause between one client's requests (s)")
    ap.add_argument("--parcels", choices=("ranked", "all"), default="ranked")
    ap.add_argument("--workers", type=int, default=1, help="server processes (civicgrid serve --workers)")
    ap.add_argument("--_server", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._server:
        _server(args.db, args.port, args.workers)
        return
    port = _port()
    proc = subprocess.Popen([sys.executable, __file__, "--db", args.db, "--_server", "--port", str(port),
                             "--workers", str(args.workers)],
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        if proc.stdout.readline().strip() != "READY":
            raise SystemExit("the server did not start; run it alone to see why")
        deadline = time.time() + 60
        while True:  # uvicorn binds just after READY
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise SystemExit("the server did not listen within 60 s") from None
                time.sleep(0.1)
        result = asyncio.run(_run(args, f"http://127.0.0.1:{port}"))
        result["server_rss_mb"] = _rss_mb(proc.pid)  # after the run: caches as full as the load made them
        print(json.dumps(result, indent=1))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
