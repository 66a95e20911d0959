"""Activity, overlap and explained scores per parcel and per block, as of one instant.

score = Σ points(department, category) × weight × 0.5^(age / half_life) over the events of the
last ``score_window_days`` (undated state records such as a delinquent tax account count with
age 0). ``weight`` is 1 at the address and ``block_weight`` for block-published events on the
parcel's block. Excluded (protected) events have 0 points and appear in no per-location count.
Every score keeps its components (department, category, attribution, events, points).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from civicgrid.integration.events import Prepared, days

OPEN_KINDS = {"service_request", "interaction", "code_case", "violation", "inspection", "work_order", "permit"}
CLOSED_STATUS = (r"clos|resolv|complet|cancel|inactive|expired|void|unfounded|duplicate|done|abated|dismiss|"
                 r"withdr|paid|complied|finished|no action")


@dataclass
class ScoreTables:
    """What :func:`compute_scores` returns (all JSON-ready through ``to_dict('records')``)."""

    level: str
    as_of: pd.Timestamp
    scores: pd.DataFrame
    components: pd.DataFrame
    activity: pd.DataFrame


def _joined(prep: Prepared, level: str) -> pd.DataFrame:
    rows = prep.rows(level)
    ev = prep.ev
    cols = ["department", "kind", "label", "points", "excluded", "opened_at", "closed_at", "status",
            "neighborhood", "council_district", "serious"]
    j = rows.copy()
    idx = rows["ev_idx"].to_numpy()
    for c in cols:
        # .iloc keeps the dtype (a tz-aware column that is all NaT stays tz-aware; .to_numpy() would not)
        j[c] = ev[c].iloc[idx].set_axis(j.index)
    return j


def contributions(prep: Prepared, level: str, as_of_days: float, include_undated: bool = True,
                  j: pd.DataFrame | None = None, window: float | None = None) -> pd.DataFrame:
    """Rows that add points at ``as_of_days`` with their decayed ``contrib`` and ``age`` (days).

    Block-published events reach a parcel only when the parcel has points of its own in the same
    window: block context adds to a property's record, it never puts a property on the list alone.
    Undated state records (``state_kinds``) count for parcels only, with age 0.
    """
    s = prep.settings
    j = _joined(prep, level) if j is None else j
    window = s.score_window_days if window is None else window
    age = as_of_days - j["t"].to_numpy()
    dated = ~np.isnan(age)
    in_win = dated & (age >= 0) & (age < window)
    if include_undated and level == "parcel":
        in_win |= ~dated & j["kind"].isin(s.state_kinds).to_numpy()
    keep = in_win & (j["points"].to_numpy() > 0)
    out = j[keep].copy()
    a = np.nan_to_num(age[keep], nan=0.0)
    out["age"] = a
    out["contrib"] = out["points"].to_numpy() * out["weight"].to_numpy() * np.power(0.5, a / s.half_life_days)
    if level == "parcel":
        own = out.loc[out["attribution"] == "address", "key"].unique()
        out = out[(out["attribution"] == "address").to_numpy() | out["key"].isin(own).to_numpy()]
    return out


def score_vector(prep: Prepared, level: str, as_of_days: float, include_undated: bool = False,
                 j: pd.DataFrame | None = None) -> pd.Series:
    """Score per location key at one instant (float days); only locations with points appear."""
    c = contributions(prep, level, as_of_days, include_undated, j)
    return c.groupby("key")["contrib"].sum()


def score_matrix(prep: Prepared, level: str, at_days: list[float] | np.ndarray,
                 include_undated: bool = False) -> pd.DataFrame:
    """Scores of every location at many instants (columns, float days): the same rule as
    :func:`contributions`, in numpy (a few milliseconds per instant)."""
    s = prep.settings
    j = _joined(prep, level)
    dated = ~np.isnan(j["t"].to_numpy())
    state = ~dated & j["kind"].isin(s.state_kinds).to_numpy() & include_undated & (level == "parcel")
    keep = (j["points"].to_numpy() > 0) & (dated | state)
    j = j[keep]
    codes, keys = pd.factorize(j["key"])
    t = np.nan_to_num(j["t"].to_numpy(), nan=np.inf)
    pw = j["points"].to_numpy() * j["weight"].to_numpy()
    addr = (j["attribution"] == "address").to_numpy()
    undated = ~np.isfinite(t)
    out = np.zeros((len(keys), len(at_days)))
    for i, T in enumerate(at_days):
        age = T - t
        m = (age >= 0) & (age < s.score_window_days) | undated
        contrib = pw * np.power(0.5, np.where(undated | ~m, 0.0, age) / s.half_life_days)
        if level == "parcel":
            own = np.zeros(len(keys), dtype=bool)
            own[codes[m & addr]] = True
            m &= addr | own[codes]
        out[:, i] = np.bincount(codes[m], weights=contrib[m], minlength=len(keys))
    return pd.DataFrame(out, index=pd.Index(keys, name="key"), columns=list(at_days))


def _mode_by(df: pd.DataFrame, col: str) -> pd.Series:
    """Most frequent non-null ``col`` per ``key`` (ties: alphabetical), vectorized."""
    d = df[["key", col]].dropna()
    if d.empty:
        return pd.Series(dtype=object)
    c = d.groupby(["key", col]).size().reset_index(name="n")
    c = c.sort_values(["key", "n", col], ascending=[True, False, True]).drop_duplicates("key")
    return c.set_index("key")[col]


def _open_mask(j: pd.DataFrame, as_of: pd.Timestamp) -> np.ndarray:
    opened = j["opened_at"]
    started = opened.notna() & (opened <= as_of)
    closed_later = j["closed_at"].notna() & (j["closed_at"] > as_of)
    status_open = j["closed_at"].isna() & j["status"].notna() & ~j["status"].astype("string").str.contains(
        CLOSED_STATUS, case=False, regex=True).fillna(False)
    return (started & (closed_later | status_open) & j["kind"].isin(OPEN_KINDS) & j["excluded"].isna()).to_numpy(bool)


def compute_scores(prep: Prepared, level: str = "parcel") -> ScoreTables:
    """Scores, components and activity for every location of ``level`` at ``prep.as_of``."""
    s = prep.settings
    j = _joined(prep, level)
    T = days(prep.as_of)
    c = contributions(prep, level, T, True, j)
    comp = (c.groupby(["key", "department", "label", "attribution"], dropna=False)
             .agg(n_events=("contrib", "size"), points_each=("points", "max"), points=("contrib", "sum"),
                  first_at=("opened_at", "min"), last_at=("opened_at", "max")).reset_index())
    comp["points"] = comp["points"].round(3)
    comp = comp.rename(columns={"key": "location_key", "label": "category"})

    age = T - j["t"].to_numpy()
    ok = j["excluded"].isna().to_numpy() & ~np.isnan(age) & (age >= 0)
    at_addr = (j["attribution"] == "address").to_numpy() if level == "parcel" else np.ones(len(j), bool)
    keys = pd.Index(sorted(set(c["key"]) | set(j.loc[ok & at_addr & (age < max(s.windows)), "key"])))
    sc = pd.DataFrame(index=keys)
    tot = c.groupby("key")["contrib"].sum()
    sc["score"] = tot.reindex(keys).fillna(0.0).round(3)
    for attr in ("address", "block"):
        sc[f"points_{attr}"] = c[c["attribution"] == attr].groupby("key")["contrib"].sum().reindex(keys).fillna(0).round(3)
    act = []
    for w in s.windows:
        inw = ok & (age < w)
        sub = j[inw & at_addr]
        sc[f"n_events_{w}"] = sub.groupby("key").size().reindex(keys).fillna(0).astype(int)
        cw = c if w == s.score_window_days else contributions(prep, level, T, True, j, window=w)
        sc[f"n_departments_{w}"] = cw.groupby("key")["department"].nunique().reindex(keys).fillna(0).astype(int)
        a = sub.groupby(["key", "department", "kind"]).size().reset_index(name="n_events")
        act.append(a.assign(window_days=w))
    co = c if s.overlap_window_days == s.score_window_days else contributions(
        prep, level, T, True, j, window=s.overlap_window_days)
    sc["n_departments"] = co.groupby("key")["department"].nunique().reindex(keys).fillna(0).astype(int)
    sc["n_departments_at_address"] = (co[co["attribution"] == "address"].groupby("key")["department"]
                                      .nunique().reindex(keys).fillna(0).astype(int))
    at_least_one = (sc["n_departments_at_address"] >= 1) if level == "parcel" else True
    sc["overlap"] = (sc["n_departments"] >= s.min_departments) & at_least_one
    sc["over_threshold"] = sc["overlap"] & (sc["score"] >= s.score_threshold)
    seen = j[ok & at_addr]
    g = seen.groupby("key")["opened_at"]
    sc["first_event_at"] = g.min().reindex(keys)
    sc["last_event_at"] = g.max().reindex(keys)
    sc["open_cases"] = j[_open_mask(j, prep.as_of) & at_addr].groupby("key").size().reindex(keys).fillna(0).astype(int)
    sc = sc.join(_places(prep, level, j, keys))
    sc = sc.join(_lead_and_top(comp, s.lead_departments))
    sc = sc[(sc["score"] > 0) | (sc[f"n_events_{max(s.windows)}"] > 0) | (sc["open_cases"] > 0)]
    sc = sc.sort_values(["score", "n_departments"], ascending=False, kind="stable")
    sc.insert(0, "rank", sc["score"].rank(method="min", ascending=False).astype(int))
    sc = sc.reset_index(names="location_key")
    sc.insert(0, "level", level)
    sc.insert(2, "as_of", prep.as_of)
    comp.insert(0, "level", level)
    comp.insert(2, "as_of", prep.as_of)
    comp = comp.sort_values(["location_key", "points"], ascending=[True, False], ignore_index=True)
    activity = (pd.concat(act, ignore_index=True) if act else pd.DataFrame())
    if not activity.empty:
        activity = activity.rename(columns={"key": "location_key"})
        activity.insert(0, "level", level)
        activity.insert(2, "as_of", prep.as_of)
    return ScoreTables(level, prep.as_of, sc, comp, activity)


def _places(prep: Prepared, level: str, j: pd.DataFrame, keys: pd.Index) -> pd.DataFrame:
    """Address, block, neighbourhood and council district of each location."""
    out = pd.DataFrame(index=keys)
    sub = j[j["key"].isin(keys)]
    hood = _mode_by(sub, "neighborhood")
    dist = _mode_by(sub, "council_district")
    if level == "parcel" and not prep.spine.empty:
        sp = prep.spine.drop_duplicates("parcel_id").set_index("parcel_id")
        out["address"] = sp["address_key"].reindex(keys)
        out["block_key"] = sp["block_key"].reindex(keys)
        out["neighborhood"] = sp["neighborhood"].reindex(keys).fillna(hood.reindex(keys))
    else:
        out["address"] = keys if level == "block" else None
        out["block_key"] = keys if level == "block" else None
        out["neighborhood"] = hood.reindex(keys)
    out["council_district"] = dist.reindex(keys)
    return out


def _lead_and_top(comp: pd.DataFrame, lead_departments: list[str]) -> pd.DataFrame:
    if comp.empty:
        return pd.DataFrame(columns=["lead_department", "top_components"])
    by_dept = comp.groupby(["location_key", "department"])["points"].sum().reset_index()
    pref = by_dept[by_dept["department"].isin(lead_departments)]
    pref = pref if not pref.empty else by_dept
    lead = pref.sort_values("points", ascending=False, kind="stable").drop_duplicates("location_key")
    lead = lead.set_index("location_key")["department"].rename("lead_department")
    top = comp.sort_values("points", ascending=False, kind="stable").groupby("location_key").head(3)
    text = (top["department"] + " · " + top["category"].astype(str) + " "
            + top["points"].map(lambda v: f"{v:.1f}")
            + np.where(top["attribution"] == "block", " (block)", ""))
    wide = pd.DataFrame({"k": top["location_key"].to_numpy(), "n": top.groupby("location_key").cumcount().to_numpy(),
                         "t": text.to_numpy()}).pivot(index="k", columns="n", values="t")
    tops = wide[0].astype(str)
    for col in wide.columns[1:]:
        tops = tops + ("; " + wide[col]).fillna("")
    tops = tops.rename("top_components")
    return pd.concat([lead, tops], axis=1)


def ranked(tables: ScoreTables, limit: int | None = 25, over_threshold_only: bool = False) -> pd.DataFrame:
    """The ranked list: highest scores first (optionally only locations over threshold)."""
    sc = tables.scores
    if over_threshold_only:
        sc = sc[sc["over_threshold"]]
    sc = sc[sc["score"] > 0]
    return sc.head(limit) if limit else sc
