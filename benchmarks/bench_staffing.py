"""Benchmark: Erlang C staffing and the weekly-volume back-test.

Run from the repository root:  python benchmarks/bench_staffing.py
Prints timings; writes nothing. The back-test part reads the real Pittsburgh 311 extract from
../shared/data (skipped with a message when it is absent).
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from civicgrid.service.forecast import backtest, backtest_summary, weekly_counts  # noqa: E402
from civicgrid.service.staffing import required_agents, staffing_plan  # noqa: E402

PGH_311 = ROOT.parent / "shared" / "data" / "pittsburgh" / "311_requests_open_backlog_2015_2024.csv"


def timed(fn, repeat: int = 3):
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def bench_staffing() -> None:
    rng = np.random.default_rng(0)
    for label, high in [("small centre, 0–400 calls/30 min", 400),
                        ("large centre, 0–10,000 calls/30 min", 10_000)]:
        calls = rng.uniform(0, high, 1_000)  # distinct values: no caching helps
        secs, results = timed(lambda: [required_agents(c, 1800, 180, 0.8, 20, shrinkage=0.3)
                                       for c in calls])
        peak = max(r.agents for r in results)
        print(f"required_agents × 1,000 intervals ({label}): {secs:.3f} s "
              f"({secs * 1e3:.1f} µs per interval; peak {peak} agents)")
    forecast = pd.DataFrame({
        "interval_start": pd.date_range("2025-03-03", periods=1_000, freq="30min", tz="UTC"),
        "calls": np.round(rng.uniform(0, 400, 1_000)),  # whole calls: repeated values are cached
    })
    secs, plan = timed(lambda: staffing_plan(forecast, 1800, 180, 0.8, 20, shrinkage=0.3))
    print(f"staffing_plan, 1,000 intervals of whole calls 0–400: {secs:.3f} s "
          f"({plan['scheduled_staff'].sum():,} staff-intervals scheduled)")


def bench_backtest() -> None:
    if not PGH_311.exists():
        print(f"back-test skipped: {PGH_311} is absent")
        return
    t0 = time.perf_counter()
    events = pd.read_csv(PGH_311, usecols=["create_date_utc", "dept"])
    events["opened_at"] = pd.to_datetime(events["create_date_utc"], utc=True)
    weekly_all = weekly_counts(events, by=None)
    weekly_dept = weekly_counts(events, by="dept")
    print(f"read + weekly_counts ({len(events):,} requests, {weekly_all['week'].nunique()} weeks, "
          f"{weekly_dept['category'].nunique()} departments): {time.perf_counter() - t0:.3f} s")

    backtest(weekly_all.head(60), horizon=4, n_origins=1)  # warm-up: statsmodels import
    # After Sep 2022, PLI and police requests all but vanish from this backlog extract, so the
    # last two years are a different regime; report the full series and 2016-01..2022-09 apart.
    window = events[(events["opened_at"] >= "2016-01-04") & (events["opened_at"] < "2022-10-03")]
    for label, ev in [("2015-09..2024-09", events), ("2016-01..2022-09", window)]:
        weekly_all, weekly_dept = weekly_counts(ev, by=None), weekly_counts(ev, by="dept")
        for h in (4, 8, 12):
            secs, err = timed(lambda: backtest(weekly_all, horizon=h, n_origins=6), repeat=1)
            mase = backtest_summary(err).set_index("model")
            print(f"[{label}] back-test, all requests, h={h:>2}, 6 origins: {secs:.2f} s; MASE "
                  + ", ".join(f"{m} {v:.3f}" for m, v in mase["mase"].items())
                  + f"; best_model {mase['best_model'].iloc[0]}")
        top = ev["dept"].value_counts().index[:10]
        sub = weekly_dept[weekly_dept["category"].isin(top)]
        secs, err = timed(lambda: backtest(sub, horizon=8, n_origins=6), repeat=1)
        summary = backtest_summary(err)
        choice = summary.drop_duplicates("category")["best_model"].value_counts().to_dict()
        print(f"[{label}] back-test, 10 largest departments, h=8, 6 origins: {secs:.2f} s "
              f"({secs / 10:.2f} s per series); best_model counts {choice}; "
              f"{int(summary['mase'].isna().sum())} MASE undefined (zero in-sample scale)")

if __name__ == "__main__":
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"pandas {pd.__version__}, numpy {np.__version__}")
    bench_staffing()
    bench_backtest()
