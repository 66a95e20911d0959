"""Service metrics on small hand-made frames: the definitions of GUIDE §5 at their edges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicgrid.service import metrics as M
from civicgrid.service.quality import quality_flags, quality_summary
from civicgrid.service.reopen import reopen_rate

T0 = pd.Timestamp("2024-03-01 12:00", tz="UTC")
COLS = ["source", "kind", "record_id", "category", "status", "opened_at", "closed_at", "due_at", "agency_responsible",
        "team", "agent", "channel", "address", "transferred_to", "neighborhood", "parent_id", "rating", "comment"]


def frame(rows: list[dict]) -> pd.DataFrame:
    """Events with the canonical columns; ``open_h``/``close_h``/``due_h`` are hours after T0."""
    out = []
    for i, r in enumerate(rows):
        r = dict(r)
        row = {c: None for c in COLS} | {"source": "s", "kind": "service_request", "record_id": str(i),
                                         "category": "Pothole", "status": "closed"}
        for k, col in (("open_h", "opened_at"), ("close_h", "closed_at"), ("due_h", "due_at")):
            if k in r:
                v = r.pop(k)
                row[col] = None if v is None else T0 + pd.Timedelta(hours=v)
        row.update(r)
        out.append(row)
    df = pd.DataFrame(out, columns=COLS)
    for c in ("opened_at", "closed_at", "due_at"):
        df[c] = pd.to_datetime(df[c], utc=True)
    df["rating"] = df["rating"].astype(float)
    df["request_type"] = df["category"]
    return df


def test_time_to_close_median_p90_and_exclusions():
    hours = list(range(1, 11))  # 1..10 h
    rows = [{"open_h": 0, "close_h": h} for h in hours]
    rows += [{"open_h": 5, "close_h": 1},                      # negative: excluded
             {"open_h": 0, "close_h": 0.1},                    # 6 minutes: auto-closure, kept
             {"open_h": 0, "close_h": None, "status": "open"},  # still open
             {"open_h": 0, "close_h": None, "status": "Closed"}]  # closed without a date
    df = frame(rows)
    flags = quality_flags(df)
    r = M.time_to_close(df, flags, by=["request_type"])
    kept = np.array(hours + [0.1])
    assert r["n_closed"] == 11
    assert r["median_hours_to_close"] == pytest.approx(np.quantile(kept, 0.5))
    assert r["p90_hours_to_close"] == pytest.approx(np.quantile(kept, 0.9))
    assert r["p90_days_to_close"] == pytest.approx(np.quantile(kept, 0.9) / 24)
    assert r["excluded"] == {"missing_opened": 0, "negative": 1, "missing_closed": 1, "still_open": 1}
    assert r["included_flagged"]["auto_closure"] == 1
    no_auto = M.time_to_close(df, flags, exclude_auto_closures=True)
    assert no_auto["n_closed"] == 10 and no_auto["median_hours_to_close"] == pytest.approx(5.5)
    assert no_auto["p90_hours_to_close"] == pytest.approx(9.1)
    assert r["by"]["request_type"][0]["n_closed"] == 11


def test_quality_flags_and_mass_closures():
    rows = [{"open_h": i, "close_h": 100, "team": "A"} for i in range(10)]   # 10 closed in one minute by A
    rows += [{"open_h": i, "close_h": 100, "team": "B"} for i in range(9)]   # 9 by B: not a mass closure
    rows += [{"open_h": 0, "close_h": 10 / 60 - 1e-6, "team": "C"},          # just under 10 min
             {"open_h": 0, "close_h": 10 / 60, "team": "C"},                 # exactly 10 min: not auto
             {"open_h": None, "close_h": 3, "team": "C"}]
    df = frame(rows)
    f = quality_flags(df)
    assert f["mass_closure"].sum() == 10 and f.loc[:9, "mass_closure"].all()
    assert f["auto_closure"].sum() == 1 and f.loc[19, "auto_closure"]
    assert f["missing_opened"].sum() == 1
    s = quality_summary(df, f)
    assert s["flags"]["mass_closure"]["count"] == 10
    assert s["mass_closure_batches"][0] == {"minute_utc": (T0 + pd.Timedelta(hours=100)).isoformat(),
                                            "closed_by": "A", "requests": 10}
    assert s["rows"] == len(df)  # nothing dropped


def test_sla_table_versions_apply_by_opening_date():
    sla = pd.DataFrame([
        {"request_type": "Pothole", "target_days": 2, "effective_from": "2020-01-01"},
        {"request_type": "Pothole", "target_days": 5, "effective_from": "2024-03-02"},
        {"request_type": "Graffiti", "target_days": 1, "effective_from": "2020-01-01"},
    ])
    rows = [
        {"open_h": 0, "close_h": 72},                                # v1 (2 days): late
        {"open_h": 0, "close_h": 47},                                # v1: on time
        {"open_h": 24, "close_h": 24 + 72},                          # opened 2024-03-02 12:00 → v2 (5 days): on time
        {"open_h": 24, "close_h": 24 + 121},                         # v2: late
        {"open_h": 0, "close_h": 30, "category": "Graffiti"},        # 1 day: late
        {"open_h": 0, "close_h": 30, "category": "Unknown"},         # no SLA: excluded, counted
        {"open_h": 0, "close_h": 300, "due_h": 400},                 # published due_at wins: on time
    ]
    df = frame(rows)
    d = M.due_times(df, sla)
    assert list(d["target_days"].iloc[:5]) == [2, 2, 5, 5, 1]
    assert d["due_source"].tolist() == ["sla_table"] * 5 + [None, "due_at"]
    r = M.on_time(df, quality_flags(df), sla, by=["request_type"])
    assert (r["n_closed_with_due"], r["n_on_time"]) == (6, 3)
    assert r["on_time_pct"] == pytest.approx(50.0)
    assert r["excluded"]["no_due_time"] == 1
    assert r["due_from"] == {"due_at": 1, "sla_table": 5}
    by = {x["request_type"]: x for x in r["by"]["request_type"]}
    assert by["Pothole"]["n_on_time"] == 3 and by["Graffiti"]["n_on_time"] == 0


def test_sla_dict_and_on_time_boundary():
    df = frame([{"open_h": 0, "close_h": 48}, {"open_h": 0, "close_h": 48.001}])
    r = M.on_time(df, quality_flags(df), {"Pothole": 2})
    assert r["n_on_time"] == 1  # closed exactly at the due time counts as on time


def test_date_only_due_means_end_of_local_day_and_early_due_is_excluded():
    tz = "America/Los_Angeles"
    day = pd.Timestamp("2024-03-05", tz=tz)  # local midnight = a date
    rows = [{"open_h": 0, "close_h": 0}, {"open_h": 0, "close_h": 0}, {"open_h": 0, "close_h": 0}]
    df = frame(rows)
    df["closed_at"] = [(day + pd.Timedelta(hours=15)).tz_convert("UTC"),   # during the due day: on time
                       (day + pd.Timedelta(hours=25)).tz_convert("UTC"),   # next day: late
                       (day + pd.Timedelta(hours=1)).tz_convert("UTC")]
    df["due_at"] = [day.tz_convert("UTC"), day.tz_convert("UTC"), T0 - pd.Timedelta(hours=1)]
    r = M.on_time(df, quality_flags(df), tz=tz)
    assert (r["n_closed_with_due"], r["n_on_time"]) == (2, 1)
    assert r["due_at_dates_read_as_end_of_day"] == 2
    assert r["excluded"]["due_before_opened"] == 1


@pytest.mark.parametrize("days,bucket", [(0, "0-7"), (7, "0-7"), (7.99, "0-7"), (8, "8-30"), (30, "8-30"),
                                         (31, "31-90"), (90, "31-90"), (90.5, "31-90"), (91, ">90"), (400, ">90")])
def test_aging_bucket_boundaries(days, bucket):
    assert M.aging_bucket(pd.Series([days]))[0] == bucket


def test_backlog_at_a_date():
    at = T0 + pd.Timedelta(days=100)
    rows = [{"open_h": 24 * (100 - d), "close_h": None, "status": "open"} for d in (0, 7, 8, 30, 31, 90, 91)]
    rows += [{"open_h": 0, "close_h": 24 * 100 + 1},      # closed after the date: open at it (age 100)
             {"open_h": 0, "close_h": 24 * 50},           # closed before: not open
             {"open_h": 24 * 101, "close_h": None},        # opened after the date
             {"open_h": 0, "close_h": None, "status": "Closed"}]  # closed, date unknown: excluded
    df = frame(rows)
    r = M.backlog(df, quality_flags(df), at, by=["request_type"])
    assert r["open"] == 8
    assert r["aging_buckets"] == {"0-7": 2, "8-30": 2, "31-90": 2, ">90": 2}
    assert r["excluded"]["closed_status_without_closed_at"] == 1
    assert r["by"]["request_type"][0]["open"] == 8


def test_transfer_rate_and_first_contact_resolution():
    rows = [
        {"open_h": 0, "address": "1 Main St", "kind": "interaction"},
        {"open_h": 24 * 3, "address": "1 MAIN ST.", "kind": "interaction"},        # repeat within 7 days
        {"open_h": 24 * 20, "address": "1 Main St", "kind": "interaction"},        # 17 days later: resolved
        {"open_h": 0, "address": "2 Oak Ave", "kind": "interaction", "transferred_to": "County"},  # transferred
        {"open_h": 0, "address": "2 Oak Ave", "kind": "interaction", "category": "Noise"},  # other issue
        {"open_h": 0, "address": None, "kind": "interaction"},                     # cannot check
        {"open_h": 24 * 40, "address": "9 Elm", "kind": "interaction"},            # window not complete
        {"open_h": 0, "address": "3 Pine", "status": "Referred Out", "kind": "interaction"},
    ]
    df = frame(rows)
    t = M.transfer_rate(df, by=["channel"])
    assert (t["handled"], t["transferred"]) == (8, 2)
    fcr = M.first_contact_resolution(df, as_of=T0 + pd.Timedelta(days=42))
    assert fcr["contacts"] == 6
    assert fcr["resolved"] == 3  # 1 Main (day 0) repeated; Oak transferred; Pine referred
    assert fcr["first_contact_resolution"] == pytest.approx(0.5)
    assert fcr["excluded"] == {"no_address_or_date": 1, "window_not_complete": 1}


def test_per_capita_and_volume():
    df = frame([{"open_h": 0, "neighborhood": n} for n in ["Hill", "Hill", "hill ", "Shore", None, "Nowhere"]])
    r = M.per_capita(df, {"Hill": 3000, "Shore": 10})
    rows = {x["neighborhood"]: x for x in r["rows"]}
    assert rows["Hill"]["requests"] == 3 and rows["Hill"]["requests_per_1000"] == pytest.approx(1.0)
    assert rows["Shore"]["small_population"] is True
    assert r["excluded"] == {"no_area": 1, "area_not_in_population_table": 1}
    assert M.volume(df, "neighborhood")[0] == {"neighborhood": "Hill", "requests": 2}


def test_reopen_rate_from_versions():
    v = pd.DataFrame([
        # request 1: closed day 1, reopened day 10 (within 30), closed again
        ("1", "closed", T0, T0 + pd.Timedelta(days=1), T0 + pd.Timedelta(days=1), 0),
        ("1", "open", T0, T0 + pd.Timedelta(days=10), None, 0),
        ("1", "closed", T0, T0 + pd.Timedelta(days=12), T0 + pd.Timedelta(days=12), 1),
        # request 2: closed, reopened 40 days later
        ("2", "closed", T0, T0 + pd.Timedelta(days=1), T0 + pd.Timedelta(days=1), 0),
        ("2", "open", T0, T0 + pd.Timedelta(days=41), None, 1),
        # request 3: closed, only updated (no reopen)
        ("3", "closed", T0, T0 + pd.Timedelta(days=1), T0 + pd.Timedelta(days=1), 0),
        ("3", "closed", T0, T0 + pd.Timedelta(days=2), T0 + pd.Timedelta(days=1), 1),
        # request 4: never closed
        ("4", "open", T0, T0, None, 1),
    ], columns=["record_id", "status", "opened_at", "updated_at", "closed_at", "_current"])
    v["source"] = "s"
    v["_loaded"] = T0
    v["_line"] = range(len(v))
    for c in ("opened_at", "updated_at", "closed_at"):
        v[c] = pd.to_datetime(v[c], utc=True)
    r = reopen_rate(v)
    assert r["available"] and r["closed"] == 3
    assert r["reopened_within_window"] == 1 and r["reopened_after_window"] == 1
    assert r["reopen_rate"] == pytest.approx(1 / 3)
    none = reopen_rate(v.assign(_current=1))
    assert none["available"] is False and "no status history" in none["reason"]
