"""Planted cross-department problem properties (the demo's story) and decoys that must not score.

* ``escalating`` (15): resident complaints and code cases first, then police nuisance calls
  that grow more frequent, then a fire near the end of the window.
* ``steady`` (25): complaints, code cases, work orders and nuisance calls spread over the window.
* ``protected_calls_only`` (10): many domestic-violence, welfare-check and medical calls and
  EMS runs, nothing else. They test that victim/medical calls never count against a property.

Everything happens in the last six months (2026-05-01 … 2026-10-31). The answer key is
written to ``answer_key/`` in the output folder; it is not a source in ``city.yaml``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civicgrid.demo.common import END, RECENT
from civicgrid.demo.streets import NAMES

PATTERNS = {"escalating": 15, "steady": 25, "protected_calls_only": 10}
_SPAN_S = int((END - RECENT) / np.timedelta64(1, "s"))
_HOURS = {  # plausible hours of day per department
    "crm": list(range(8, 17)), "code_cases": list(range(8, 16)), "work_orders": list(range(7, 16)),
    "police": [15, 16, 17, 18, 19, 20, 21, 22, 23, 0, 1, 2], "fire": list(range(24)),
}
_CODES = {
    "crm": ["Property Complaint", "Noise / Neighbor", "Junk & Debris", "Tall Grass / Weeds", "Garbage & Recycling"],
    "code_cases": ["Property Maintenance", "Junk/Debris", "Tall Grass", "Housing - Interior", "Inoperable Vehicle"],
    "work_orders": ["111", "110", "112", "109"],  # illegal dumping, bulk items, graffiti, missed garbage
    "police": ["NOISE", "DRUGS", "DISTURB", "PARTY", "SHOTS", "TRESPASS", "SUSP", "FIGHT"],
    "fire": ["151", "154", "113", "111", "118"],
    "police_protected": ["DOMDIST", "WELFARE", "MEDICAL", "OD", "MENTAL", "RESTORD"],
    "fire_protected": ["321", "311", "554"],
}
# (dept, code list, (min, max) count, time sampler name) per pattern
_RECIPES = {
    "escalating": [("crm", "crm", (3, 5), "early"), ("code_cases", "code_cases", (1, 3), "middle_early"),
                   ("work_orders", "work_orders", (1, 2), "middle"), ("police", "police", (5, 10), "rising"),
                   ("fire", "fire", (1, 2), "late")],
    "steady": [("crm", "crm", (2, 4), "uniform"), ("code_cases", "code_cases", (1, 3), "uniform"),
               ("work_orders", "work_orders", (1, 2), "uniform"), ("police", "police", (3, 7), "uniform"),
               ("fire", "fire", (0, 1), "uniform")],
    "protected_calls_only": [("police", "police_protected", (6, 12), "uniform"), ("fire", "fire_protected", (2, 4), "uniform")],
}


def _fractions(rng: np.random.Generator, how: str, m: int) -> np.ndarray:
    if how == "early":
        f = rng.uniform(0.0, 0.4, m)
    elif how == "middle_early":
        f = rng.uniform(0.15, 0.6, m)
    elif how == "middle":
        f = rng.uniform(0.25, 0.8, m)
    elif how == "rising":
        f = 0.3 + 0.7 * rng.beta(3.0, 1.0, m)
    elif how == "late":
        f = rng.uniform(0.75, 1.0, m)
    else:
        f = rng.uniform(0.0, 1.0, m)
    return np.clip(f, 0.0, 0.995)


def _times(rng: np.random.Generator, frac: np.ndarray, hours: list[int]) -> np.ndarray:
    day = (frac * (_SPAN_S // 86400)).astype(int)
    hour = rng.choice(hours, len(frac))
    sec = day * 86400 + hour * 3600 + rng.integers(0, 3600, len(frac))
    return RECENT + sec.astype("timedelta64[s]")


def choose(rng: np.random.Generator, parcels: pd.DataFrame) -> pd.DataFrame:
    """Pick the planted parcels: residential, with an address no other parcel shares."""
    key = parcels["sidx"].astype(str) + ":" + parcels["house_text"]
    unique_addr = ~key.duplicated(keep=False)
    ok = (unique_addr & (parcels["house"] > 0) & (parcels["unit"] == "")
          & parcels["use"].isin(["SINGLE FAMILY", "TWO FAMILY", "3-4 FAMILY", "APARTMENT 5+ UNITS", "MIXED USE"])).to_numpy()
    w = parcels["activity"].to_numpy() * (1 + 2 * parcels["rental"].to_numpy()) * ok
    total = sum(PATTERNS.values())
    pos = rng.choice(len(parcels), total, replace=False, p=w / w.sum())
    pattern = np.repeat(list(PATTERNS), list(PATTERNS.values()))
    return pd.DataFrame({"pidx": pos, "pattern": pattern})


def plant(rng: np.random.Generator, parcels: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Choose the planted parcels and their events.

    Returns:
        (chosen parcels with ``pidx`` and ``pattern``, ``{department: events}``) where each
        events frame has ``pidx``, ``ts`` (local time), ``code`` (the department's type) and ``pattern``.
    """
    chosen = choose(rng, parcels)
    rows: dict[str, list[pd.DataFrame]] = {d: [] for d in _HOURS}
    for pidx, pattern in chosen.itertuples(index=False):
        for dept, codes, (lo, hi), how in _RECIPES[pattern]:
            m = int(rng.integers(lo, hi + 1))
            if m == 0:
                continue
            ts = _times(rng, np.sort(_fractions(rng, how, m)), _HOURS[dept])
            code = rng.choice(_CODES[codes], m)
            if how == "late" and dept == "fire":
                code[-1] = rng.choice(["111", "113", "151"])  # the escalation ends in a fire
            rows[dept].append(pd.DataFrame({"pidx": pidx, "ts": ts, "code": code, "pattern": pattern}))
    events = {d: pd.concat(v, ignore_index=True) for d, v in rows.items() if v}
    return chosen, events


def answer_key(parcels: pd.DataFrame, chosen: pd.DataFrame, records: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The answer key: one row per planted property (counts per department) and one per planted record."""
    p = parcels.iloc[chosen["pidx"].to_numpy()].reset_index(drop=True)
    props = pd.DataFrame({
        "parcel_id": p["parcel_id"], "address": p["house_text"] + " " + NAMES[p["sidx"]], "pattern": chosen["pattern"],
        "owner": p["owner"], "neighborhood": p["neighborhood"], "inspection_area": p["insp_area"],
    })
    rec = records.merge(chosen, on="pidx", how="left")
    rec["parcel_id"] = parcels["parcel_id"].to_numpy()[rec["pidx"].to_numpy()]
    counts = rec.pivot_table(index="parcel_id", columns="dept", values="record_id", aggfunc="count", fill_value=0)
    for dept in ["crm", "code_cases", "work_orders", "police", "fire"]:
        props[f"n_{dept}"] = props["parcel_id"].map(counts[dept] if dept in counts else {}).fillna(0).astype(int)
    first = rec.groupby("parcel_id")["ts"].min()
    props["first_event"] = props["parcel_id"].map(first).dt.strftime("%Y-%m-%d")
    rec = rec.sort_values(["parcel_id", "ts", "dept"], kind="stable")
    rec["ts"] = pd.to_datetime(rec["ts"]).dt.strftime("%Y-%m-%d %H:%M:%S")
    return props, rec[["parcel_id", "pattern", "dept", "record_id", "ts"]].rename(columns={"ts": "local_time"})
