"""Employment spells from yearly roster snapshots: who was hired, who left, who moved.

A roster is a list of everyone on the payroll at a snapshot (Baltimore publishes one a fiscal
year). Nothing in it says "hired" or "separated"; both are read from presence:

* **person** — followed by ``employee_id`` when the export has one, else by the pseudonymous
  ``person_token`` together with the original ``hire_date`` (tokens are derived from names, so two
  people with one name share a token; their hire dates tell them apart, and a rehire with a new
  hire date is a new person-spell). Tokens are used inside this module only, never output.
* **spell** — an unbroken run of consecutive snapshots in which the person is on the roster.
* **hire** (period ending at snapshot *y*) — a person on roster *y* who was not on roster *y−1*.
  For the first snapshot, where there is no *y−1*, ``new_hires_by_hire_date`` counts people whose
  hire date falls in the 12 months (``new_hire_window_months``) up to the snapshot date.
* **separation** — a person on roster *y−1* absent from roster *y* (in every department).
* **transfer** — a person on both rosters whose department (or job class) changed: counted as
  ``transfer_out`` of the old group and ``transfer_in`` of the new one, never as a separation.

Department labels drift between exports (``"OED-Employment Dev "`` / ``"OED-Employment Dev (031)"``,
``"COMP-Communication Ser"`` cut off in one year); :func:`department_map` makes them one name by the
configurable :class:`~civicgrid.workforce.settings.DepartmentRule`, so a drifting label is not
mistaken for a transfer.
"""

from __future__ import annotations

import re
import numpy as np
import pandas as pd

from civicgrid.workforce.settings import DepartmentRule, WorkforceSettings

CITY = "All departments"

__all__ = ["CITY", "build_spells", "department_map", "flows", "job_class", "new_hires_by_hire_date",
           "normalize_label", "prepare_roster", "primary_rows", "snapshot_dates"]


def normalize_label(name: str | None, rule: DepartmentRule) -> str | None:
    """Apply the rule's regex replacements (until stable) and aliases to one label."""
    if name is None or (isinstance(name, float) and np.isnan(name)):
        return None
    s = str(name)
    for _ in range(10):
        before = s
        for pat, rep in rule.replace:
            s = re.sub(pat, rep, s)
        s = s.strip()
        if s == before:
            break
    s = rule.aliases.get(s, s)
    return s or None


def department_map(labels: pd.DataFrame, rule: DepartmentRule) -> dict[str, str]:
    """Map each published label to its normalized department name.

    Args:
        labels: frame with columns ``department`` (label as published) and ``snapshot_year``.
        rule: the normalization rule.

    Returns:
        ``{published label: normalized name}`` for every label in ``labels``.
    """
    raw = labels[["department", "snapshot_year"]].dropna(subset=["department"]).drop_duplicates()
    first = {lab: normalize_label(lab, rule) for lab in raw["department"].unique()}
    if not rule.merge_truncated:
        return first
    raw = raw.assign(norm=raw["department"].map(first))
    years = raw.groupby("norm")["snapshot_year"].agg(lambda s: set(s.dropna()))
    names = sorted(years.index, key=len)
    merged: dict[str, str] = {}
    for a in names:
        if len(a) < rule.min_truncated_length:
            continue
        cands = [b for b in names if len(b) > len(a) and b.startswith(a) and not (years[a] & years[b])]
        if len(cands) == 1:
            merged[a] = cands[0]
    # follow chains ("HLTH-Heatlh" → "HLTH-Heatlh Dept." → …)
    def final(n: str) -> str:
        seen = set()
        while n in merged and n not in seen:
            seen.add(n)
            n = merged[n]
        return rule.aliases.get(n, n)
    return {lab: final(n) if n is not None else None for lab, n in first.items()}


def job_class(title: pd.Series, upper: bool = True) -> pd.Series:
    """Job class from a job title: spaces collapsed, upper-cased ("Crossing Guard" = "CROSSING GUARD")."""
    s = title.astype("string").str.replace(r"\s+", " ", regex=True).str.strip()
    return s.str.upper() if upper else s


def _person_key(df: pd.DataFrame) -> pd.Series:
    hire = df["hire_date"].dt.strftime("%Y-%m-%d").fillna("?")
    by_token = "t:" + df["person_token"].astype("string").fillna("?") + "|" + hire
    emp = df["employee_id"].astype("string")
    return ("e:" + emp).where(emp.notna() & (emp.str.len() > 0), by_token).astype(str)


def snapshot_dates(df: pd.DataFrame) -> pd.Series:
    """Date of each snapshot year: the latest ``snapshot_date`` given, else 31 December."""
    years = sorted(int(y) for y in df["snapshot_year"].dropna().unique())
    given = df.groupby("snapshot_year")["snapshot_date"].max() if "snapshot_date" in df else pd.Series()
    out = {}
    for y in years:
        d = given.get(y) if len(given) else None
        out[y] = pd.Timestamp(d) if d is not None and not pd.isna(d) else pd.Timestamp(year=y, month=12, day=31)
    return pd.Series(out, name="snapshot_date")


def prepare_roster(roster: pd.DataFrame, settings: WorkforceSettings) -> tuple[pd.DataFrame, dict]:
    """Add ``key``, normalized ``department``, ``job_class``; drop excluded departments.

    Returns:
        ``(frame, data_quality)``. The frame has one row per roster row kept, with columns
        ``key`` (internal integer person key — never output), ``year``, ``department``,
        ``department_published``, ``job_class`` and the demographic fields. ``data_quality``
        counts what was dropped or doubtful, and lists the label normalization.
    """
    df = roster.copy()
    dq: dict = {"rows": int(len(df))}
    df = df[df["snapshot_year"].notna()].copy()
    dq["rows_without_snapshot_year"] = dq["rows"] - int(len(df))
    df["year"] = df["snapshot_year"].astype(int)
    dmap = department_map(df, settings.department_rule)
    df["department_published"] = df["department"]
    df["department"] = df["department"].map(dmap).fillna("(no department)")
    excluded = df["department"].isin(settings.exclude_departments)
    dq["rows_excluded_departments"] = int(excluded.sum())
    dq["excluded_departments"] = list(settings.exclude_departments)
    df = df[~excluded].copy()
    df["job_class"] = job_class(df["job_title"], settings.job_class_upper).fillna("(no job title)")
    df["key"] = pd.factorize(_person_key(df))[0].astype(np.int64)  # internal integer person key
    dates = snapshot_dates(df)
    df["snap_date"] = df["year"].map(dates)
    dq["hire_date_missing"] = int(df["hire_date"].isna().sum())
    dq["hire_year_after_snapshot_year"] = int((df["hire_date"].dt.year > df["year"]).sum())
    dq["hire_date_after_snapshot_date"] = int((df["hire_date"] > df["snap_date"]).sum())
    dq["person_rows_with_several_jobs"] = int(df.duplicated(["year", "key"], keep=False).sum())
    dq["snapshots"] = {int(y): d.date().isoformat() for y, d in dates.items()}
    dq["new_keys_whose_token_was_on_previous_roster"] = _token_carryover(df)
    merged: dict[str, list[str]] = {}
    for k, v in dmap.items():
        if k is not None and k != v:
            merged.setdefault(v, []).append(k)
    dq["department_labels_published"] = len(dmap)
    dq["departments_after_normalization"] = int(df["department"].nunique())
    dq["department_labels_merged"] = {v: sorted(ks) for v, ks in sorted(merged.items())}
    return df, dq


def _token_carryover(df: pd.DataFrame) -> dict[int, int]:
    """Per roster: people counted as hires whose token was on the previous roster under another
    hire date (a corrected hire date, a rehire, or two people of one name). Without an employee id
    they count as a separation and a hire; the count shows how much that can matter."""
    out = {}
    years = sorted(df["year"].unique())
    for y0, y1 in zip(years, years[1:]):
        a, b = df[df["year"] == y0], df[df["year"] == y1]
        new = b[~b["key"].isin(a["key"].unique())]
        out[int(y1)] = int(new.loc[new["person_token"].isin(a["person_token"].dropna().unique()), "key"].nunique())
    return out


def primary_rows(df: pd.DataFrame) -> pd.DataFrame:
    """One row per person and snapshot: the best-paid job when a person holds several."""
    order = df.sort_values(["year", "key", "annual_salary"], ascending=[True, True, False], na_position="last")
    return order.drop_duplicates(["year", "key"], keep="first")


def flows(df: pd.DataFrame, group_col: str | None) -> pd.DataFrame:
    """Person-level movements between consecutive snapshots.

    Args:
        df: output of :func:`prepare_roster`.
        group_col: ``department``, ``job_class`` or None (the whole city).

    Returns:
        Frame with ``year`` (the snapshot that ends the period), ``group``, ``key`` and ``flow``
        (``hire``, ``separation``, ``transfer_in``, ``transfer_out``). A person holding jobs in two
        groups who leaves one of them is a ``transfer_out`` of it, never a separation.
    """
    g = df[group_col] if group_col else pd.Series(CITY, index=df.index)
    kid, klabels = pd.factorize(df["key"])
    gid, glabels = pd.factorize(g.astype(object))
    width = np.int64(len(glabels) + 1)
    pair = kid.astype(np.int64) * width + gid.astype(np.int64)
    year = df["year"].to_numpy()
    years = sorted(np.unique(year))
    out = []
    for y0, y1 in zip(years, years[1:]):
        p0, p1 = np.unique(pair[year == y0]), np.unique(pair[year == y1])
        c0, c1 = np.unique(kid[year == y0]), np.unique(kid[year == y1])
        left = p0[~np.isin(p0, p1, assume_unique=True)]
        joined = p1[~np.isin(p1, p0, assume_unique=True)]
        lk, jk = left // width, joined // width
        out.append(pd.DataFrame({"year": y1, "group": glabels[left % width], "key": klabels[lk],
                                 "flow": np.where(np.isin(lk, c1), "transfer_out", "separation")}))
        out.append(pd.DataFrame({"year": y1, "group": glabels[joined % width], "key": klabels[jk],
                                 "flow": np.where(np.isin(jk, c0), "transfer_in", "hire")}))
    if not out:
        return pd.DataFrame(columns=["year", "group", "key", "flow"])
    return pd.concat(out, ignore_index=True)


def new_hires_by_hire_date(df: pd.DataFrame, window_months: int = 12) -> pd.Series:
    """Boolean per row: the hire date lies in the ``window_months`` up to the row's snapshot date
    (after the same day ``window_months`` earlier, up to and including the snapshot date)."""
    lo_of = {d: d - pd.DateOffset(months=window_months) for d in df["snap_date"].dropna().unique()}
    lo = df["snap_date"].map(lo_of)
    return (df["hire_date"] > lo) & (df["hire_date"] <= df["snap_date"])


def build_spells(df: pd.DataFrame, group_cols: list[str] | None = None) -> pd.DataFrame:
    """One row per employment spell (a person on consecutive rosters).

    Columns: ``key`` (internal), ``start_year``, ``end_year``, ``separated`` (absent from the next
    roster), ``hire_date``, ``first_date`` / ``last_date`` (snapshot dates first and last seen),
    ``prev_date`` (the snapshot before the spell, NaT when the spell starts at the first one),
    ``next_date`` (the snapshot after it, NaT when still employed at the last one), and for each
    of ``group_cols`` its value at the spell's start (best-paid job).
    """
    group_cols = group_cols or []
    prim = primary_rows(df)
    years = sorted(prim["year"].unique())
    pos = {y: i for i, y in enumerate(years)}
    dates = prim.groupby("year")["snap_date"].first()
    p = prim[["key", "year", "hire_date", *[c for c in group_cols if c in prim]]].copy()
    p["pos"] = p["year"].map(pos)
    p = p.sort_values(["key", "pos"])
    brk = (p["key"] != p["key"].shift()) | (p["pos"] != p["pos"].shift() + 1)
    p["spell"] = brk.cumsum()
    g = p.groupby("spell")
    sp = pd.DataFrame({"key": g["key"].first(), "start_year": g["year"].min(), "end_year": g["year"].max(),
                       "hire_date": g["hire_date"].first()})
    for c in group_cols:
        if c in p:
            sp[c] = g[c].first()
    last = years[-1] if years else None
    sp["separated"] = sp["end_year"] != last
    sp["first_date"] = sp["start_year"].map(dates.to_dict())
    sp["last_date"] = sp["end_year"].map(dates.to_dict())
    prev_of = {y: years[i - 1] for i, y in enumerate(years) if i > 0}
    next_of = {y: years[i + 1] for i, y in enumerate(years[:-1])}
    date_of = dates.to_dict()
    sp["prev_date"] = pd.to_datetime(sp["start_year"].map({y: date_of[p] for y, p in prev_of.items()}))
    sp["next_date"] = pd.to_datetime(sp["end_year"].map({y: date_of[n] for y, n in next_of.items()}))
    return sp.reset_index(drop=True)
