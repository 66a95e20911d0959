"""Helpers shared by the department generators: pick parcels, types and closing times."""

from __future__ import annotations

import numpy as np
import pandas as pd

from civicgrid.demo.common import END, seconds


def pick_parcels(rng: np.random.Generator, parcels: pd.DataFrame, n: int, power: float = 1.0,
                 mask: np.ndarray | None = None) -> np.ndarray:
    """Row positions of ``n`` parcels drawn in proportion to ``activity ** power`` (within ``mask``)."""
    w = parcels["activity"].to_numpy() ** power
    if mask is not None:
        w = w * mask
    return rng.choice(len(parcels), n, p=w / w.sum())


def pick_by_month(rng: np.random.Generator, ts: np.ndarray, weights: np.ndarray, season: np.ndarray) -> np.ndarray:
    """A type index per timestamp: P(type | month) ∝ weights[type] · season[type, month]."""
    month = ts.astype("datetime64[M]").astype(int) % 12
    out = np.empty(len(ts), dtype=int)
    for m in range(12):
        sel = np.flatnonzero(month == m)
        p = weights * season[:, m]
        out[sel] = rng.choice(len(weights), len(sel), p=p / p.sum())
    return out


def season_rows(months_by_type: list[tuple[int, ...] | None], low: float = 0.05) -> np.ndarray:
    """Season matrix (types × 12): 1 in listed months (1-based), ``low`` elsewhere; None = all year."""
    out = np.ones((len(months_by_type), 12))
    for i, months in enumerate(months_by_type):
        if months:
            out[i] = low
            out[i, [m - 1 for m in months]] = 1.0
    return out


def close_times(rng: np.random.Generator, opened: np.ndarray, median_days: np.ndarray, sigma: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Closing times (lognormal durations); returns (closed_at with NaT when still open, is_open)."""
    dur = rng.lognormal(np.log(np.maximum(median_days, 0.01) * 86400), sigma)
    closed = opened + seconds(dur)
    still_open = closed >= END
    closed[still_open] = np.datetime64("NaT")
    return closed, still_open


def combine(background: pd.DataFrame, planted: pd.DataFrame | None) -> pd.DataFrame:
    """Background and planted events in one frame sorted by time (stable), with a ``planted`` flag."""
    bg = background.assign(planted=False, pattern="")
    if planted is not None and len(planted):
        pl = planted.assign(planted=True)
        bg = pd.concat([bg, pl[[c for c in pl.columns if c in bg.columns or c in ("planted", "pattern")]]], ignore_index=True)
    return bg.sort_values("ts", kind="stable").reset_index(drop=True)


def planted_ids(dept: str, ids: list[str] | np.ndarray, ev: pd.DataFrame) -> pd.DataFrame:
    """The planted events' record ids: columns ``dept``, ``record_id``, ``pidx``, ``ts``."""
    out = pd.DataFrame({"dept": dept, "record_id": np.asarray(ids).astype(str), "pidx": ev["pidx"], "ts": ev["ts"]})
    return out[ev["planted"].to_numpy()]


def messy_pid(rng: np.random.Generator, pid: pd.Series, p_fill: float, p_dash: float) -> pd.Series:
    """Parcel ids as typed in another system: a share missing, a share written ``276-0000-01234-000``."""
    n = len(pid)
    dashed = pid.str[:3] + "-" + pid.str[3:7] + "-" + pid.str[7:12] + "-" + pid.str[12:]
    u = rng.random(n)
    out = pid.where(u >= p_dash * p_fill, dashed)
    return out.where(rng.random(n) < p_fill, "")
