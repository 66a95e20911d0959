"""Service-request metrics exactly as defined in GUIDE §5 (and docs/metrics.md).

Every function takes a pandas frame of events with the canonical columns (``opened_at`` and
``closed_at`` as UTC timestamps, ``status``, ``channel``, ``agency_responsible``, ``team``…), plus
the data-quality flags of :mod:`civicgrid.service.quality` when it needs them, and returns a
JSON-ready dict that states its definition, its unit in the key names, and how many rows it left
out and why. Percentiles use linear interpolation between order statistics (numpy/pandas default).

* time to close = closed_at − opened_at; median and P90 (the mean is shown beside, never alone).
* on-time % = requests closed by their due time ÷ closed requests that have a due time; the due
  time is ``due_at`` when the source has one (a source publishing bare dates: the end of that day), else
  opened_at + the target of the versioned SLA table (request type → target days, effective from
  a date). A due time before the request was opened is no target: left out and counted.
* backlog at a date = requests opened on or before it and not closed by then; aging buckets by
  whole days open: 0–7, 8–30, 31–90, >90.
* reopen rate = closed requests reopened within 30 days ÷ closed requests (needs status history,
  see :mod:`civicgrid.service.reopen`).
* transfer rate = transferred ÷ handled.
* first-contact resolution = contacts with no repeat on the same issue (same address and request
  type) within 7 days ÷ contacts; a transferred contact is not resolved.
* per-capita demand = requests per 1,000 residents of the area.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civicgrid.service.categories import request_type_of

SR_KINDS = ("service_request", "interaction")
AGING_BUCKETS = ("0-7", "8-30", "31-90", ">90")
TRANSFER_STATUS = r"(?i)\b(?:referred|transferr?ed|forwarded)\b"
SMALL_POPULATION = 500  # rates for areas this small swing on a handful of requests: flagged


def window_bounds(start=None, end=None, tz: str = "UTC") -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """UTC ``[start, end)`` bounds: naive values are local (``tz``); a bare ``end`` date includes that whole day."""
    def utc(v):
        t = pd.Timestamp(v)
        return t.tz_localize(tz).tz_convert("UTC") if t.tzinfo is None else t.tz_convert("UTC")

    lo = None if start is None else utc(start)
    hi = None
    if end is not None:
        t = pd.Timestamp(end)
        hi = utc(t + pd.Timedelta(days=1) if t == t.normalize() else t + pd.Timedelta(microseconds=1))
    return lo, hi


def opened_window(sql: str, params: list, start=None, end=None, tz: str = "UTC") -> tuple[str, list]:
    """Append ``AND opened_at >= ? AND opened_at < ?`` for :func:`window_bounds` to a query with a WHERE."""
    lo, hi = window_bounds(start, end, tz)
    if lo is not None:
        sql += " AND opened_at >= ?"
        params = [*params, lo.to_pydatetime()]
    if hi is not None:
        sql += " AND opened_at < ?"
        params = [*params, hi.to_pydatetime()]
    return sql, params


def load_events(con, kinds: tuple[str, ...] = SR_KINDS, start=None, end=None, tz: str = "UTC") -> pd.DataFrame:
    """``SELECT … FROM events WHERE kind IN (…)``, optionally opened from ``start`` through ``end`` (see
    :func:`window_bounds`), as a frame with UTC timestamps and a ``request_type`` column."""
    sql = f"SELECT * EXCLUDE (attributes, content_hash) FROM events WHERE kind IN ({', '.join('?' * len(kinds))})"
    sql, params = opened_window(sql, list(kinds), start, end, tz)
    df = con.execute(sql + " ORDER BY source, record_id", params).df()
    for c in ("opened_at", "closed_at", "updated_at", "due_at"):
        if c in df:
            df[c] = pd.to_datetime(df[c], utc=True)
    df["request_type"] = request_type_of(df)
    return df.reset_index(drop=True)


def _utc(v) -> pd.Timestamp:
    t = pd.Timestamp(v)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def hours_between(start: pd.Series, stop: pd.Series) -> pd.Series:
    return (pd.to_datetime(stop, utc=True) - pd.to_datetime(start, utc=True)).dt.total_seconds() / 3600


def _q(x: pd.Series, q: float) -> float | None:
    return float(np.quantile(x.to_numpy(dtype=float), q)) if len(x) else None


def _stats(hours: pd.Series) -> dict:
    return {"n_closed": int(len(hours)), "median_hours_to_close": _q(hours, 0.5),
            "p90_hours_to_close": _q(hours, 0.9), "mean_hours_to_close": float(hours.mean()) if len(hours) else None,
            "median_days_to_close": None if not len(hours) else _q(hours, 0.5) / 24,
            "p90_days_to_close": None if not len(hours) else _q(hours, 0.9) / 24}


def _types(df: pd.DataFrame) -> pd.Series:
    return df["request_type"] if "request_type" in df else request_type_of(df)


def time_to_close(df: pd.DataFrame, flags: pd.DataFrame, by: list[str] | None = None,
                  exclude_auto_closures: bool = False) -> dict:
    """Median, P90 (and mean) hours from opened_at to closed_at over closed requests.

    Excluded, and counted: missing opened_at, negative durations, closed status without a
    closed_at; auto-closures and mass closures stay in (counted) unless ``exclude_auto_closures``.
    """
    hours = hours_between(df["opened_at"], df["closed_at"])
    closed = df["closed_at"].notna()
    drop = {"missing_opened": closed & flags["missing_opened"], "negative": flags["negative"]}
    if exclude_auto_closures:
        drop["auto_closure"] = flags["auto_closure"]
    keep = closed & ~pd.concat(drop, axis=1).any(axis=1)
    out = {"definition": "closed_at − opened_at over closed requests; median and P90 (linear interpolation)",
           "unit": "hours", **_stats(hours[keep]),
           "excluded": {k: int(v.sum()) for k, v in drop.items()} | {
               "missing_closed": int(flags["missing_closed"].sum()),
               "still_open": int((~closed & ~flags["missing_closed"]).sum())},
           "included_flagged": {k: int((keep & flags[k]).sum()) for k in ("auto_closure", "mass_closure")}}
    out["by"] = {}
    frame = df.assign(_h=hours, request_type=_types(df))[keep]
    for col in by or []:
        rows = []
        for g, h in frame.groupby(col, dropna=False)["_h"]:
            rows.append({col: None if pd.isna(g) else g, **_stats(h)})
        out["by"][col] = sorted(rows, key=lambda r: -r["n_closed"])
    return out


def normalize_sla_table(sla, tz: str = "UTC") -> pd.DataFrame:
    """A versioned SLA table: ``request_type``, ``target_days``, ``effective_from`` (as UTC; naive
    dates are local to ``tz``).

    Accepts a DataFrame, a list of dicts, or ``{request type: target days}`` (one version, in
    effect since ever). Targets are calendar days from opened_at.
    """
    if isinstance(sla, dict):
        sla = [{"request_type": k, "target_days": v} for k, v in sla.items()]
    t = pd.DataFrame(sla).copy()
    if "effective_from" not in t:
        t["effective_from"] = pd.Timestamp("1900-01-01")
    eff = pd.to_datetime(t["effective_from"])
    t["effective_from"] = eff.dt.tz_localize(tz).dt.tz_convert("UTC") if eff.dt.tz is None else eff.dt.tz_convert("UTC")
    t["target_days"] = t["target_days"].astype(float)
    return t[["request_type", "target_days", "effective_from"]].sort_values("effective_from").reset_index(drop=True)


def due_times(df: pd.DataFrame, sla_table=None, tz: str = "UTC", date_only_end_of_day: bool = True) -> pd.DataFrame:
    """``due`` per row, where it came from (``due_at``, ``sla_table`` or None) and the SLA target used.

    A source whose published ``due_at`` values are mostly (≥ half) at exactly local midnight
    (``tz``) publishes dates, not instants (e.g. MyLA311's ServiceDate "01/05/2018 12:00:00 AM"):
    with ``date_only_end_of_day`` its midnight values mean the end of that day. ``due_is_date``
    marks those rows.
    """
    if "due_at" in df:
        due = pd.to_datetime(df["due_at"], utc=True)
    else:
        due = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
    local = due.dt.tz_convert(tz)
    midnight = due.notna() & (local == local.dt.normalize())
    source = df["source"] if "source" in df else pd.Series("", index=df.index)
    share = midnight.groupby(source).sum() / due.notna().groupby(source).sum().clip(lower=1)
    dated = source.map(share >= 0.5).fillna(False).astype(bool)
    is_date = midnight & dated if date_only_end_of_day else pd.Series(False, index=df.index)
    if is_date.any():
        ends = (local[is_date].dt.tz_localize(None) + pd.Timedelta(days=1)).dt.tz_localize(
            tz, ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert("UTC")
        due = due.copy()
        due[is_date] = ends
    src = pd.Series(np.where(due.notna(), "due_at", None), index=df.index, dtype="object")
    target = pd.Series(np.nan, index=df.index)
    if sla_table is not None:
        t = normalize_sla_table(sla_table, tz)
        need = due.isna() & df["opened_at"].notna()
        rows = pd.DataFrame({"_i": df.index[need], "request_type": _types(df)[need].to_numpy(),
                             "opened_at": pd.to_datetime(df.loc[need, "opened_at"], utc=True).to_numpy()})
        rows["opened_at"] = pd.to_datetime(rows["opened_at"], utc=True)
        rows = rows.dropna(subset=["request_type"]).sort_values("opened_at")
        t["effective_from"] = t["effective_from"].astype(rows["opened_at"].dtype)
        hit = pd.merge_asof(rows, t, left_on="opened_at", right_on="effective_from", by="request_type",
                            direction="backward").dropna(subset=["target_days"]).set_index("_i")
        due.loc[hit.index] = hit["opened_at"] + pd.to_timedelta(hit["target_days"], unit="D")
        src.loc[hit.index] = "sla_table"
        target.loc[hit.index] = hit["target_days"]
    return pd.DataFrame({"due": due, "due_source": src, "target_days": target, "due_is_date": is_date}, index=df.index)


def on_time(df: pd.DataFrame, flags: pd.DataFrame, sla_table=None, by: list[str] | None = None,
            tz: str = "UTC") -> dict:
    """On-time % = closed by the due time ÷ closed requests with a due time (see :func:`due_times`)."""
    d = due_times(df, sla_table, tz)
    closed = df["closed_at"].notna() & ~flags["missing_opened"]
    bad = closed & flags["negative"]
    no_due = closed & ~bad & d["due"].isna()
    # a due time before the request was opened is not a target (e.g. a service date recorded
    # as work done): counted and left out
    early = closed & ~bad & d["due"].notna() & (d["due"] < pd.to_datetime(df["opened_at"], utc=True))
    base = closed & ~bad & d["due"].notna() & ~early
    ok = base & (pd.to_datetime(df["closed_at"], utc=True) <= d["due"])
    out = {"definition": "requests closed by their due time ÷ closed requests with a due time "
                         "(due_at when published, else opened_at + SLA target days of the version in effect)",
           "available": bool(base.any()), "n_closed_with_due": int(base.sum()), "n_on_time": int(ok.sum()),
           "on_time_pct": float(100 * ok.sum() / base.sum()) if base.any() else None,
           "due_from": {k: int((base & (d["due_source"] == k)).sum()) for k in ("due_at", "sla_table")},
           "due_at_dates_read_as_end_of_day": int((base & d["due_is_date"]).sum()),
           "excluded": {"no_due_time": int(no_due.sum()), "due_before_opened": int(early.sum()),
                        "negative": int(bad.sum()),
                        "missing_opened": int((df["closed_at"].notna() & flags["missing_opened"]).sum())}}
    if not base.any():
        out["reason"] = "no closed request has a due_at or a matching SLA-table target"
    out["by"] = {}
    frame = df.assign(_base=base, _ok=ok, request_type=_types(df))
    for col in by or []:
        g = frame.groupby(col, dropna=False).agg(n=("_base", "sum"), ok=("_ok", "sum"))
        out["by"][col] = [{col: None if pd.isna(k) else k, "n_closed_with_due": int(r.n), "n_on_time": int(r.ok),
                           "on_time_pct": float(100 * r.ok / r.n) if r.n else None}
                          for k, r in g.sort_values("n", ascending=False).iterrows() if r.n]
    return out


def aging_bucket(days: pd.Series) -> pd.Series:
    """Whole days open → ``0-7``, ``8-30``, ``31-90``, ``>90``."""
    d = np.floor(days.astype(float))
    return pd.Series(np.select([d <= 7, d <= 30, d <= 90], AGING_BUCKETS[:3], AGING_BUCKETS[3]),
                     index=days.index).where(days.notna())


def backlog(df: pd.DataFrame, flags: pd.DataFrame, at, by: list[str] | None = None, sla_table=None,
            tz: str = "UTC") -> dict:
    """Requests open at ``at`` (opened on or before, not closed by then), with aging buckets."""
    at = _utc(at)
    opened = pd.to_datetime(df["opened_at"], utc=True)
    closed = pd.to_datetime(df["closed_at"], utc=True)
    unknown = flags["missing_closed"] & (opened <= at)
    is_open = (opened <= at) & (closed.isna() | (closed > at)) & ~unknown
    age = (at - opened[is_open]).dt.total_seconds() / 86400
    buckets = aging_bucket(age).value_counts()
    out = {"definition": "requests opened on or before the date and not closed by it; age in whole days",
           "at": at.isoformat(), "open": int(is_open.sum()),
           "aging_buckets": {b: int(buckets.get(b, 0)) for b in AGING_BUCKETS},
           "median_age_days": _q(age, 0.5),
           "excluded": {"missing_opened": int(flags["missing_opened"].sum()),
                        "closed_status_without_closed_at": int(unknown.sum())}}
    if sla_table is not None or ("due_at" in df and df["due_at"].notna().any()):
        due = due_times(df, sla_table, tz)["due"]
        out["overdue"] = int((is_open & due.notna() & (due < at)).sum())
    frame = df.assign(request_type=_types(df))[is_open].assign(_b=aging_bucket(age))
    out["by"] = {}
    for col in by or []:
        tab = pd.crosstab(frame[col].astype(object).fillna("\0"), frame["_b"])
        tab = tab.reindex(columns=AGING_BUCKETS, fill_value=0)
        tab = tab.assign(_n=tab.sum(axis=1)).sort_values("_n", ascending=False, kind="stable")
        out["by"][col] = [{col: None if k == "\0" else k, "open": int(r["_n"]), **{b: int(r[b]) for b in AGING_BUCKETS}}
                          for k, r in tab.iterrows()]
    return out


def is_transferred(df: pd.DataFrame, category: pd.Series | None = None) -> pd.Series:
    """Transferred: a transferred_to department, a transfer category, or a referred/transferred status."""
    t = pd.Series(False, index=df.index)
    if "transferred_to" in df:
        t |= df["transferred_to"].notna()
    if category is not None:
        t |= (category == "transfer").fillna(False)
    if "status" in df:
        t |= df["status"].astype("string").str.contains(TRANSFER_STATUS, regex=True).fillna(False).astype(bool)
    return t


def transfer_rate(df: pd.DataFrame, category: pd.Series | None = None, by: list[str] | None = None) -> dict:
    """Transfer rate = transferred ÷ handled (every request or contact received)."""
    t = is_transferred(df, category)
    out = {"definition": "transferred (transferred_to, transfer category or referred status) ÷ handled",
           "handled": int(len(df)), "transferred": int(t.sum()),
           "transfer_rate": float(t.mean()) if len(df) else None, "by": {}}
    for col in by or []:
        g = df.assign(_t=t).groupby(col, dropna=False)["_t"].agg(["size", "sum"])
        g = g.sort_values("size", ascending=False)
        out["by"][col] = [{col: None if pd.isna(k) else k, "handled": int(r["size"]), "transferred": int(r["sum"]),
                           "transfer_rate": float(r["sum"] / r["size"])} for k, r in g.iterrows()]
    return out


def first_contact_resolution(df: pd.DataFrame, as_of=None, window_days: float = 7,
                             category: pd.Series | None = None) -> dict:
    """FCR = contacts with no repeat on the same issue within ``window_days`` ÷ contacts.

    Issue = same normalized address and request type. A transferred contact is not resolved.
    Contacts without an address cannot be checked (excluded, counted); contacts opened less than
    ``window_days`` before ``as_of`` have not had their full window (excluded, counted).
    """
    if df.empty:
        return {"available": False, "reason": "no contacts"}
    opened = pd.to_datetime(df["opened_at"], utc=True)
    as_of = opened.max() if as_of is None else _utc(as_of)
    if "address" in df:
        addr = df["address"].astype("string").str.upper().str.replace(r"[^A-Z0-9]+", " ", regex=True).str.strip()
    else:
        addr = pd.Series(pd.NA, index=df.index, dtype="string")
    key = addr + " | " + _types(df).astype("string").fillna("?")
    window = pd.Timedelta(days=window_days)
    no_addr = key.isna() | opened.isna()
    censored = ~no_addr & (opened > as_of - window)
    use = ~no_addr & ~censored
    d = pd.DataFrame({"k": key, "t": opened}).loc[~no_addr].sort_values(["k", "t"])
    nxt = d.groupby("k")["t"].shift(-1)
    repeat = pd.Series(False, index=df.index)
    repeat.loc[d.index] = ((nxt - d["t"]) <= window).fillna(False).to_numpy()
    transferred = is_transferred(df, category)
    resolved = use & ~repeat & ~transferred
    n = int(use.sum())
    return {"definition": f"contacts with no repeat (same address and request type) within {window_days:g} days "
                          "÷ contacts; transferred contacts are not resolved",
            "available": n > 0, "contacts": n, "resolved": int(resolved.sum()),
            "first_contact_resolution": float(resolved.sum() / n) if n else None,
            "repeated": int((use & repeat).sum()), "transferred": int((use & transferred).sum()),
            "excluded": {"no_address_or_date": int(no_addr.sum()), "window_not_complete": int(censored.sum())}}


def volume(df: pd.DataFrame, by: str) -> list[dict]:
    """Counts by one column, largest first (missing values counted as ``None``)."""
    vc = df[by].value_counts(dropna=False)
    return [{by: None if pd.isna(k) else k, "requests": int(v)} for k, v in vc.items()]


def per_capita(df: pd.DataFrame, population, area_col: str = "neighborhood") -> dict:
    """Requests per 1,000 residents by area; ``population`` is ``{area: residents}`` or a frame (area, population)."""
    if isinstance(population, pd.DataFrame):
        population = dict(zip(population.iloc[:, 0], population["population"]))
    pop = {str(k).strip().casefold(): (str(k), float(v)) for k, v in population.items() if pd.notna(v) and v > 0}
    areas = df[area_col].astype("string").str.strip().str.casefold()
    counts = areas.value_counts()
    rows, unmatched = [], {}
    for a, n in counts.items():
        if a in pop:
            name, p = pop[a]
            rows.append({area_col: name, "requests": int(n), "population": p, "requests_per_1000": 1000 * n / p,
                         "small_population": p < SMALL_POPULATION})
        else:
            unmatched[str(a)] = int(n)
    return {"definition": "requests ÷ residents × 1,000, by area (raw counts beside the rates; "
                          f"small_population marks areas under {SMALL_POPULATION} residents)",
            "area": area_col, "rows": sorted(rows, key=lambda r: -r["requests_per_1000"]),
            "excluded": {"no_area": int(areas.isna().sum()), "area_not_in_population_table": sum(unmatched.values())},
            "unmatched_areas": dict(sorted(unmatched.items(), key=lambda kv: -kv[1])[:20])}
