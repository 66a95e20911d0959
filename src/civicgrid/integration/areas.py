"""Area roll-ups: counts and per-1,000-resident rates by neighbourhood and council district, and
flags by neighbourhood next to its demographics, so that disparities are visible (GUIDE §6).

Populations and demographics come from ``reference`` sources in the warehouse
(``reference_rows``): ``areas.population_source`` (default: the reference source with populations
whose names match the most neighbourhoods) and ``areas.demographics_source`` (default: the
reference source whose attributes hold the configured columns). Names are compared in lower case
without spaces or punctuation ("Central North Side" = "Central Northside").
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from civicgrid.integration.events import Prepared, days


def name_key(v) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    k = re.sub(r"[^a-z0-9]", "", str(v).lower())
    return k or None


def _number(v) -> float | None:
    if v is None:
        return None
    text = re.sub(r"[$,%\s]", "", str(v))
    try:
        return float(text)
    except ValueError:
        return None


def _reference(con) -> pd.DataFrame:
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "reference_rows" not in names:
        return pd.DataFrame(columns=["source", "name", "population", "population_moe", "attributes"])
    return con.execute("SELECT source, name, population, population_moe, attributes FROM reference_rows").df()


def populations(con, prep: Prepared) -> tuple[str | None, dict[str, float]]:
    """(source used, {name key: residents})."""
    ref = _reference(con)
    ref = ref[ref["population"].notna() & ref["name"].notna()]
    if ref.empty:
        return None, {}
    want = prep.settings.areas.population_source
    hoods = {name_key(v) for v in prep.ev["neighborhood"].dropna().unique()}
    if want is None:
        score = ref.groupby("source").apply(
            lambda g: (len({name_key(n) for n in g["name"]} & hoods), g["population_moe"].notna().any()),
            include_groups=False)
        want = max(score.index, key=lambda s: score[s])
    sub = ref[ref["source"] == want]
    return want, {name_key(n): float(p) for n, p in zip(sub["name"], sub["population"])}


def demographics(con, prep: Prepared) -> tuple[str | None, dict[str, dict[str, float | None]]]:
    """(source used, {name key: {measure: value}}) for the configured demographic columns."""
    cols = prep.settings.areas.demographic_columns
    ref = _reference(con)
    ref = ref[ref["attributes"].notna() & ref["name"].notna()]
    if ref.empty or not cols:
        return None, {}
    want = prep.settings.areas.demographics_source
    if want is None:
        for src, g in ref.groupby("source"):
            sample = json.loads(g["attributes"].iloc[0])
            if any(c in sample for c in cols.values()):
                want = src
                break
    if want is None:
        return None, {}
    out = {}
    for n, a in zip(ref.loc[ref["source"] == want, "name"], ref.loc[ref["source"] == want, "attributes"]):
        attrs = json.loads(a)
        out[name_key(n)] = {label: _number(attrs.get(col)) for label, col in cols.items() if col in attrs}
    return want, out


def area_rollups(con, prep: Prepared, parcel_scores: pd.DataFrame, warnings: pd.DataFrame,
                 location_places: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Roll-up rows (``area_rollups`` table) and a JSON-ready summary with the disparity view.

    ``warnings``: early-warning rows of both levels; ``location_places``: ``level``,
    ``location_key``, ``neighborhood``, ``council_district`` of every scored location.
    """
    s = prep.settings
    pop_src, pop = populations(con, prep)
    demo_src, demo = demographics(con, prep)
    T = days(prep.as_of)
    ev = prep.ev
    age = T - days(ev["opened_at"])
    counted = ev[(ev["points"] > 0) & (age >= 0) & (age < 365)]
    places = location_places.set_index(["level", "location_key"])
    rows = []
    flagged = warnings.drop_duplicates(["level", "location_key"])
    for area_type in ("neighborhood", "council_district"):
        ev_area = counted[area_type]
        if area_type == "neighborhood" and not prep.spine.empty:  # parcels' own records: the spine's neighbourhood
            sp = prep.spine.drop_duplicates("parcel_id").set_index("parcel_id")["neighborhood"]
            ev_area = ev_area.fillna(counted["parcel_id"].map(sp))
        n_ev = ev_area.map(name_key).value_counts()
        label = ev_area.groupby(ev_area.map(name_key)).agg(lambda x: x.mode().iloc[0])
        over = parcel_scores.loc[parcel_scores["over_threshold"], area_type].map(name_key).value_counts()
        fl_area = [places[area_type].get((lv, k)) for lv, k in zip(flagged["level"], flagged["location_key"])]
        n_fl = pd.Series([name_key(a) for a in fl_area], dtype=object).value_counts()
        keys = set(n_ev.index) | set(over.index) | set(n_fl.index)
        if area_type == "neighborhood":
            keys |= set(pop)
        total_flags = float(over.sum() + n_fl.sum()) or np.nan
        total_pop = float(sum(pop.values())) if area_type == "neighborhood" and pop else np.nan
        for k in sorted(x for x in keys if x):
            p = pop.get(k) if area_type == "neighborhood" else None
            ok = p is not None and p >= s.areas.min_population
            e, o, f = int(n_ev.get(k, 0)), int(over.get(k, 0)), int(n_fl.get(k, 0))
            rows.append({
                "area_type": area_type, "area": str(label.get(k, k)), "as_of": prep.as_of, "population": p,
                "n_events_365": e, "events_per_1000": round(1000 * e / p, 2) if ok else None,
                "n_parcels_over_threshold": o, "n_flagged": f,
                "flagged_per_1000": round(1000 * (o + f) / p, 3) if ok else None,
                "share_of_flags": round((o + f) / total_flags, 4) if total_flags == total_flags else None,
                "share_of_population": round(p / total_pop, 4) if p and total_pop == total_pop else None,
                "demographics": json.dumps(demo.get(k, {})) if area_type == "neighborhood" else None,
            })
    df = pd.DataFrame(rows)
    summary = {"as_of": prep.as_of.isoformat(), "population_source": pop_src, "demographics_source": demo_src,
               "council_district_population": None, "disparity": _disparity(df, s.areas.min_population)}
    if not pop:
        summary["note"] = "no reference source with populations: per-1,000 rates are not shown"
    return df, summary


def _disparity(df: pd.DataFrame, min_pop: int) -> list[dict]:
    """Spearman rank correlation across neighbourhoods between flags per 1,000 and each measure."""
    if df.empty:
        return []
    hood = df[(df["area_type"] == "neighborhood") & df["flagged_per_1000"].notna()]
    if len(hood) < 5:
        return []
    measures = pd.DataFrame([json.loads(d) if d else {} for d in hood["demographics"]], index=hood.index)
    out = []
    for m in measures.columns:
        pair = pd.concat([hood["flagged_per_1000"], measures[m]], axis=1).dropna()
        if len(pair) >= 5 and pair.iloc[:, 1].nunique() > 1:
            rho = pair.iloc[:, 0].rank().corr(pair.iloc[:, 1].rank())
            out.append({"measure": m, "neighbourhoods": len(pair), "spearman_rho": round(float(rho), 3),
                        "reading": "flags rise with this measure" if rho > 0.3 else
                        "flags fall with this measure" if rho < -0.3 else "no strong association"})
    return out
