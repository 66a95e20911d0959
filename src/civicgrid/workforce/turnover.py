"""Headcount, hires, separations and turnover per period × department / job class (GUIDE §5).

Definitions (one row per group and snapshot year *y*; the period runs from snapshot *y−1*,
exclusive, to snapshot *y*, inclusive):

* ``headcount_start`` / ``headcount_end`` — distinct people on rosters *y−1* / *y* in the group;
* ``hires``, ``separations``, ``transfers_in``, ``transfers_out`` — as in
  :mod:`civicgrid.workforce.spells` (a move between groups is a transfer, never a separation);
  ``headcount_end = headcount_start + hires + transfers_in − separations − transfers_out``;
* **turnover = separations ÷ average headcount**, average = (start + end) ÷ 2 (GUIDE §5);
* ``new_hires_by_hire_date`` — people on roster *y* hired in the 12 months up to its date (the
  only hire count available for the first snapshot);
* **first-year turnover** = of those new hires, the share absent from roster *y+1*. A yearly roster
  cannot time an exit more finely, so this is "left before the next yearly roster" (within one to
  two years of hire).

The first snapshot has no start headcount, hires or separations (None); the last has no first-year
turnover. Rows of groups under ``min_group`` people are suppressed (:mod:`.privacy`).

Warehouse table ``workforce_turnover`` (written by :mod:`civicgrid.workforce.report`) columns:
``level`` (city | department | job_class), ``group_name``, ``year``, ``period_start``,
``period_end`` (DATE), ``headcount_start``, ``headcount_end``, ``avg_headcount``, ``hires``,
``separations``, ``transfers_in``, ``transfers_out``, ``turnover``, ``new_hires_by_hire_date``,
``first_year_separations``, ``first_year_turnover``, ``suppressed``, ``first_year_suppressed``
(BOOLEAN: the row's group / its new-hire cohort is under ``min_group``) — values NULL where suppressed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civicgrid.workforce.privacy import complementary_within, hide, is_small, suppress
from civicgrid.workforce.settings import WorkforceSettings
from civicgrid.workforce.spells import CITY, flows, new_hires_by_hire_date, snapshot_dates

LEVELS = {"city": None, "department": "department", "job_class": "job_class"}
COUNT_COLS = ["headcount_start", "headcount_end", "avg_headcount", "hires", "separations", "transfers_in",
              "transfers_out", "turnover", "new_hires_by_hire_date", "first_year_separations",
              "first_year_turnover"]

_FLOW_COLUMNS = {"hire": "hires", "separation": "separations", "transfer_in": "transfers_in",
                 "transfer_out": "transfers_out"}

__all__ = ["LEVELS", "turnover_raw", "turnover_summary", "turnover_table"]


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    n, d = num.astype(float), den.astype(float)
    return (n / d.where(d > 0)).where(n.notna())


def turnover_raw(df: pd.DataFrame, level: str, window_months: int = 12) -> pd.DataFrame:
    """Unsuppressed turnover rows for one level (``city``, ``department`` or ``job_class``)."""
    col = LEVELS[level]
    grp = df[col] if col else pd.Series(CITY, index=df.index)
    d = df.assign(group_name=grp)
    years = sorted(d["year"].unique())
    dates = snapshot_dates(d)
    prev = {y: years[i - 1] for i, y in enumerate(years) if i > 0}
    hc = d[["year", "group_name", "key"]].drop_duplicates().groupby(["year", "group_name"]).size()
    hc = hc.rename("headcount_end").reset_index()
    start = hc[hc["year"].isin(list(prev.values()))].rename(columns={"headcount_end": "headcount_start"})
    start["year"] = start["year"].map({v: k for k, v in prev.items()})
    fl = flows(df, col).rename(columns={"group": "group_name"})
    fc = (fl.groupby(["year", "group_name", "flow"]).size().unstack("flow", fill_value=0)
          .rename(columns=_FLOW_COLUMNS).reset_index()) if len(fl) else pd.DataFrame(columns=["year", "group_name"])
    # first-year cohort: new hires (by hire date) on roster y; still on the roster at y+1?
    newh = d[new_hires_by_hire_date(d, window_months)][["year", "group_name", "key"]].drop_duplicates()
    nxt = {y: years[i + 1] for i, y in enumerate(years[:-1])}
    newh["gone"] = np.nan
    for y, y1 in nxt.items():
        m = newh["year"] == y
        newh.loc[m, "gone"] = (~newh.loc[m, "key"].isin(d.loc[d["year"] == y1, "key"].unique())).astype(float)
    cohort = newh.groupby(["year", "group_name"]).agg(new_hires_by_hire_date=("key", "size"),
                                                      first_year_separations=("gone", "sum")).reset_index()
    keys = ["year", "group_name"]
    out = (pd.concat([x[keys] for x in (hc, start, fc) if len(x)]).drop_duplicates()
           .merge(hc, on=keys, how="left").merge(start, on=keys, how="left")
           .merge(fc, on=keys, how="left").merge(cohort, on=keys, how="left"))
    out["level"] = level
    has_prev = out["year"].isin(list(prev))
    out["period_start"] = out["year"].map(lambda y: dates.get(prev[y]) if y in prev else pd.NaT)
    out["period_end"] = out["year"].map(dates)
    for c in ("headcount_end", "new_hires_by_hire_date"):
        out[c] = out[c].fillna(0).astype(float)
    for c in ("headcount_start", *_FLOW_COLUMNS.values()):
        if c not in out:
            out[c] = np.nan
        out[c] = out[c].astype(float).fillna(0).where(has_prev, np.nan)
    out["avg_headcount"] = (out["headcount_start"] + out["headcount_end"]) / 2
    out["turnover"] = _ratio(out["separations"], out["avg_headcount"])
    last = years[-1] if years else None
    out["first_year_separations"] = out["first_year_separations"].astype(float).fillna(0)
    out.loc[out["year"] == last, "first_year_separations"] = np.nan
    out["first_year_turnover"] = _ratio(out["first_year_separations"], out["new_hires_by_hire_date"])
    cols = ["level", "group_name", "year", "period_start", "period_end"] + COUNT_COLS
    return out[cols].sort_values(["year", "group_name"]).reset_index(drop=True)


def turnover_table(df: pd.DataFrame, level: str, settings: WorkforceSettings | None = None,
                   raw: pd.DataFrame | None = None) -> pd.DataFrame:
    """Turnover rows for one level, with small groups suppressed.

    Args:
        df: output of :func:`civicgrid.workforce.spells.prepare_roster`.
        level: ``city``, ``department`` or ``job_class``.
        settings: min group size, zero rule, new-hire window.
        raw: the level's :func:`turnover_raw` rows when already computed.

    Returns:
        The columns of ``workforce_turnover`` (see the module docstring).
    """
    s = settings or WorkforceSettings()
    if raw is None:
        raw = turnover_raw(df, level, s.new_hire_window_months)
    out = suppress(raw, ["headcount_start", "headcount_end"], COUNT_COLS, s.min_group, s.suppress_zero)
    if level != "city":
        out = complementary_within(out, "headcount_end", ["year"], COUNT_COLS)
    # the first-year cohort is a group of its own: hide its outcome when it is small
    small = is_small(out["new_hires_by_hire_date"], s.min_group, s.suppress_zero)
    for c in ("new_hires_by_hire_date", "first_year_separations", "first_year_turnover"):
        out[c] = out[c].astype(object).where(~small, None)
    out["first_year_suppressed"] = small | out["suppressed"]
    return hide(out, COUNT_COLS)


def turnover_summary(raw: pd.DataFrame, shown: pd.DataFrame | None = None,
                     settings: WorkforceSettings | None = None) -> pd.DataFrame:
    """All periods pooled per group: separations ÷ summed average headcount.

    A pooled figure minus the published yearly ones would reveal a hidden year, so a group is
    suppressed here when any of its yearly rows is suppressed (in ``shown``) or small.

    Args:
        raw: unsuppressed rows from :func:`turnover_raw` (one level).
        shown: the suppressed rows of :func:`turnover_table` for the same level.
    """
    s = settings or WorkforceSettings()
    r = raw[raw["headcount_start"].notna()]
    g = r.groupby("group_name").agg(periods=("year", "size"), min_headcount=("headcount_end", "min"),
                                    min_start=("headcount_start", "min"),
                                    person_years=("avg_headcount", "sum"), hires=("hires", "sum"),
                                    separations=("separations", "sum"), transfers_out=("transfers_out", "sum"))
    g["min_headcount"] = g[["min_headcount", "min_start"]].min(axis=1)
    g = g.drop(columns="min_start").reset_index()
    g["turnover"] = np.where(g["person_years"] > 0, g["separations"] / g["person_years"], np.nan)
    if shown is not None:
        hidden = set(shown.loc[shown["suppressed"].astype(bool), "group_name"])
        g["suppressed"] = g["group_name"].isin(hidden)
    return suppress(g, ["min_headcount"], ["min_headcount", "person_years", "hires", "separations",
                                           "transfers_out", "turnover"], s.min_group, s.suppress_zero)
