"""Latency of the web dashboard under concurrent clients on loopback.

    python benchmarks/bench_web.py --db civicgrid-demo/civicgrid.duckdb --clients 50 --seconds 20

Starts uvicorn (one process) on a free 127.0.0.1 port with a temporary app-state database and one
account, signs in ``--clients`` HTTP clients, and has each of them loop over the ranked list (page and
JSON) and property profiles (page and JSON, parcels taken from the ranked list) for ``--seconds``.
Prints requests, throughput and p50/p95/p99 latency per endpoint as JSON. Run it on a quiet machine:
the server and the clients share the CPUs.
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(v: list[float], q: float) -> float:
    v = sorted(v)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))] if v else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="warehouse file")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()

    import httpx
    import uvicorn

    from civicgrid.web import WebSettings, create_app, users
    from civicgrid.web.warm import warm

    tmp = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    app = create_app(args.db, tmp / "app.sqlite", WebSettings(secure_cookies=False))
    users.add_user(app.state.app_db, "bench", "benchmark password", "admin")
    warm(app)
    port = _port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"

    def client() -> httpx.Client:
        c = httpx.Client(base_url=base, timeout=60)
        page = c.get("/login").text
        tok = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        c.post("/login", data={"username": "bench", "password": "benchmark password", "csrf_token": tok})
        return c

    first = client()
    parcels = [p["parcel_id"] for p in first.get("/api/v1/properties?limit=200").json()["properties"]] or ["none"]
    endpoints = {"ranked_page": lambda i: "/integration", "ranked_json": lambda i: "/api/v1/properties?limit=100",
                 "profile_page": lambda i: f"/integration/property/{parcels[i % len(parcels)]}",
                 "profile_json": lambda i: f"/api/v1/properties/{parcels[i % len(parcels)]}"}
    times: dict[str, list[float]] = {k: [] for k in endpoints}
    errors = [0]
    samples: list[str] = []
    lock = threading.Lock()
    clients = [client() for _ in range(args.clients)]  # sign-ins (argon2) happen before the clock starts
    stop = time.perf_counter() + args.seconds

    def run(n: int) -> None:
        c = clients[n]
        i = n
        while time.perf_counter() < stop:
            for name, path in endpoints.items():
                t = time.perf_counter()
                r = c.get(path(i))
                dt = time.perf_counter() - t
                with lock:
                    times[name].append(dt)
                    if r.status_code != 200:
                        errors[0] += 1
                        if len(samples) < 3:
                            samples.append(f"{r.status_code} {path(i)}: {r.text[-300:]}")
            i += 1

    threads = [threading.Thread(target=run, args=(n,)) for n in range(args.clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    server.should_exit = True
    out = {"db": args.db, "clients": args.clients, "seconds": round(wall, 1), "errors": errors[0],
           "error_samples": samples,
           "parcels": len(parcels), "endpoints": {}}
    for name, v in times.items():
        out["endpoints"][name] = {"requests": len(v), "per_second": round(len(v) / wall, 1),
                                  "p50_ms": round(1000 * statistics.median(v), 1) if v else None,
                                  "p95_ms": round(1000 * _pct(v, 0.95), 1), "p99_ms": round(1000 * _pct(v, 0.99), 1)}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
