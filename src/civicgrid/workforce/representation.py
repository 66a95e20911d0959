"""Representation, selection rates and resident hiring — the "looks like the city" measures (GUIDE §5).

* **Representation index** = a group's share of the workforce ÷ its share of the benchmark
  population. Groups are race/ethnicity × sex within each EEO-4 job category (and every margin,
  labelled ``All``). 1.0 = the workforce mirrors the benchmark; under 1 = under-represented.
  The workforce share is taken over staff whose race and sex map onto the benchmark's groups
  (``race_groups`` / ``sex_groups``); staff recorded as unknown are counted apart. The
  benchmark here is the civilian labour force of the whole labour market (ACS C23002), not
  occupation-specific availability; use it as a first look, not as an availability analysis.
* **Four-fifths rule** (Uniform Guidelines on Employee Selection Procedures, 29 CFR 1607.4(D)):
  selection rate = hired ÷ applicants per group; a group whose rate is under 80 % of the highest
  group's rate shows adverse impact. Only where applicant records exist.
* **Resident ("hometown") hire rate** = hires living in the city (home ZIP in ``city_zips``) ÷ hires
  with a known home ZIP. It is a **voluntary goal, never a screening criterion**: Wisconsin 2013
  Act 20 (Wis. Stat. 66.0502) bars most municipalities from requiring employees to live in the city.

Warehouse table ``workforce_representation`` columns: ``snapshot_year``, ``eeo4_category``,
``race_group``, ``sex`` (``All`` on margins), ``people``, ``category_total``, ``workforce_share``,
``benchmark_share``, ``representation_index``, ``benchmark`` (label), ``suppressed`` (BOOLEAN);
counts and shares NULL where suppressed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civicgrid.workforce.privacy import complementary, suppress
from civicgrid.workforce.settings import BenchmarkSettings, WorkforceSettings
from civicgrid.workforce.spells import primary_rows

ALL = "All"
RESIDENCY_NOTE = ("The resident hire rate is a voluntary goal, never a screening criterion. In Wisconsin, "
                  "2013 Act 20 (Wis. Stat. 66.0502) bars most municipalities from requiring employees to live in "
                  "the city; elsewhere, check state law and labour agreements before setting any residency goal.")

__all__ = ["ALL", "RESIDENCY_NOTE", "benchmark_shares", "comparable_benchmark", "four_fifths", "representation_table",
           "resident_hire_rate"]


def benchmark_shares(ref: pd.DataFrame, bench: BenchmarkSettings) -> pd.DataFrame:
    """Benchmark population by race group × sex from ACS C23002 rows, with shares.

    Args:
        ref: rows with ``race_code``, ``gender``, ``in_labor_force``, ``age_group``, ``population``
            (a ``reference`` source with its attributes expanded, or the CSV read directly).
        bench: which universe and which race codes.

    Returns:
        Frame ``race_group``, ``sex``, ``population``, ``share`` (share of the benchmark total over
        the groups kept). Empty when the rows do not have the C23002 shape.
    """
    need = {"race_code", "gender", "in_labor_force", "population"}
    if ref is None or not len(ref) or not need <= set(ref.columns):
        return pd.DataFrame(columns=["race_group", "sex", "population", "share"])
    r = ref.copy()
    r["population"] = pd.to_numeric(r["population"], errors="coerce")
    if bench.universe == "labor_force":
        r = r[r["in_labor_force"].astype(str).str.lower() == "yes"]
    else:
        r = r[(r["in_labor_force"].astype(str) == "all") & (r.get("age_group", "all") == "all")]
    r = r[r["gender"].isin(["male", "female"])]
    r["race_group"] = r["race_code"].map(bench.race_codes)
    r = r[r["race_group"].notna()]
    g = r.groupby(["race_group", "gender"], as_index=False)["population"].sum().rename(columns={"gender": "sex"})
    g["share"] = g["population"] / g["population"].sum() if len(g) else []
    return g


def comparable_benchmark(bench: pd.DataFrame, settings: WorkforceSettings) -> tuple[pd.DataFrame, list[str]]:
    """Keep the benchmark groups the roster can record, with shares re-based on them.

    Comparing like with like: a group the HR system has no code for (ACS "Two or more races" when
    the roster has no such value) would otherwise count as 0 % of the workforce.

    Returns:
        ``(benchmark, dropped group names)``.
    """
    if not len(bench) or not settings.representation.race_groups:
        return bench, []
    recordable = set(settings.representation.race_groups.values())
    dropped = sorted(set(bench["race_group"]) - recordable)
    out = bench[bench["race_group"].isin(recordable)].copy()
    out["share"] = out["population"] / out["population"].sum()
    return out, dropped


def _bench_lookup(bench: pd.DataFrame) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    if not len(bench):
        return out
    for (race, sex), v in bench.groupby(["race_group", "sex"])["share"].sum().items():
        out[(race, sex)] = v
    for race, v in bench.groupby("race_group")["share"].sum().items():
        out[(race, ALL)] = v
    for sex, v in bench.groupby("sex")["share"].sum().items():
        out[(ALL, sex)] = v
    out[(ALL, ALL)] = 1.0
    return out


def representation_table(df: pd.DataFrame, bench: pd.DataFrame, settings: WorkforceSettings | None = None,
                         benchmark_label: str = "") -> tuple[pd.DataFrame, dict]:
    """EEO-4 category × race group × sex: people, shares, representation index (suppressed).

    Args:
        df: output of :func:`civicgrid.workforce.spells.prepare_roster`; the latest snapshot is used.
        bench: output of :func:`benchmark_shares` (may be empty: shares then only).

    Returns:
        ``(table, notes)`` — table with the ``workforce_representation`` columns; notes count the
        staff not comparable with the benchmark (race or sex unknown/unmapped).
    """
    s = settings or WorkforceSettings()
    cols = ["snapshot_year", "eeo4_category", "race_group", "sex", "people", "category_total",
            "workforce_share", "benchmark_share", "representation_index", "benchmark", "suppressed"]
    if not len(df) or df["race"].isna().all() or df["sex"].isna().all():
        return pd.DataFrame(columns=cols), {"status": "not_available",
                                            "reason": "the roster has no race and sex fields"}
    year = int(df["year"].max())
    p = primary_rows(df[df["year"] == year]).copy()
    rmap = {k.upper(): v for k, v in s.representation.race_groups.items()}
    smap = {k.upper(): v for k, v in s.representation.sex_groups.items()}
    p["race_group"] = p["race"].astype("string").str.strip().str.upper().map(rmap)
    p["sex_group"] = p["sex"].astype("string").str.strip().str.upper().map(smap)
    p["eeo4"] = p["eeo4_category"].fillna("(not recorded)")
    ok = p["race_group"].notna() & p["sex_group"].notna()
    notes = {"status": "ok", "snapshot_year": year, "people": int(len(p)), "comparable": int(ok.sum()),
             "not_comparable": int((~ok).sum()), "eeo4_not_recorded": int(p["eeo4_category"].isna().sum())}
    c = p[ok]
    races = sorted(c["race_group"].unique())
    sexes = sorted(c["sex_group"].unique())
    bench, dropped = comparable_benchmark(bench, s)
    notes["benchmark_groups_not_recordable_in_roster"] = dropped
    look = _bench_lookup(bench)
    rows = []
    cats = [ALL] + sorted(c["eeo4"].unique())
    for cat in cats:
        sub = c if cat == ALL else c[c["eeo4"] == cat]
        total = len(sub)
        counts = sub.groupby(["race_group", "sex_group"]).size()
        by_race = sub.groupby("race_group").size()
        by_sex = sub.groupby("sex_group").size()
        for race in [ALL] + races:
            for sex in [ALL] + sexes:
                if race == ALL and sex == ALL:
                    n = total
                elif race == ALL:
                    n = int(by_sex.get(sex, 0))
                elif sex == ALL:
                    n = int(by_race.get(race, 0))
                else:
                    n = int(counts.get((race, sex), 0))
                share = n / total if total else np.nan
                b = look.get((race, sex), np.nan)
                rows.append({"snapshot_year": year, "eeo4_category": cat, "race_group": race, "sex": sex,
                             "people": n, "category_total": total, "workforce_share": share,
                             "benchmark_share": b, "representation_index": share / b if b and b > 0 else np.nan,
                             "benchmark": benchmark_label})
    t = pd.DataFrame(rows)
    vals = ["people", "workforce_share", "representation_index"]
    t = suppress(t, ["people", "category_total"], vals, s.min_group, s.suppress_zero)
    t = complementary(t, "people", ["eeo4_category", "race_group", "sex"], ALL, vals)
    # the category size is published on its own All × All row; hide it only where that row is hidden
    hidden_cat = set(t.loc[(t["race_group"] == ALL) & (t["sex"] == ALL) & t["suppressed"], "eeo4_category"])
    t["category_total"] = t["category_total"].astype(object).where(~t["eeo4_category"].isin(hidden_cat), None)
    return t[cols], notes


def _hired(app: pd.DataFrame) -> pd.Series:
    h = app["hired"].astype("boolean") if "hired" in app else pd.Series(pd.NA, index=app.index, dtype="boolean")
    stage = app.get("stage", pd.Series(None, index=app.index)).astype("string").str.lower()
    h = h.fillna(stage.isin(["hired", "accepted", "offer accepted"]) | app.get(
        "offer_accepted_at", pd.Series(pd.NaT, index=app.index)).notna())
    return h.astype(bool)


def four_fifths(applicants: pd.DataFrame, group_col: str, settings: WorkforceSettings | None = None,
                groups_map: dict[str, str] | None = None) -> tuple[pd.DataFrame, dict]:
    """Selection rates per group and the four-fifths (80 %) rule.

    Args:
        applicants: one row per application with ``hired`` (or ``stage`` / ``offer_accepted_at``)
            and the group column (``race`` or ``sex``).
        group_col: column to compare groups on.
        groups_map: optional relabelling of published values (case-insensitive).

    Returns:
        ``(table, summary)``: table has ``group``, ``applicants``, ``hired``, ``selection_rate``,
        ``impact_ratio`` (÷ the highest shown rate), ``adverse_impact`` (ratio < 0.8),
        ``suppressed``; groups under ``min_group`` applicants are suppressed and never serve as
        the reference group.
    """
    s = settings or WorkforceSettings()
    cols = ["group", "applicants", "hired", "selection_rate", "impact_ratio", "adverse_impact", "suppressed"]
    if applicants is None or not len(applicants) or group_col not in applicants:
        return pd.DataFrame(columns=cols), {"status": "not_available", "reason": "no applicant records"}
    a = applicants.copy()
    a["hired_flag"] = _hired(a)
    g = a[group_col].astype("string").str.strip()
    if groups_map:
        up = {k.upper(): v for k, v in groups_map.items()}
        g = g.str.upper().map(up).fillna(g)
    a["group"] = g.fillna("(not recorded)")
    t = a.groupby("group").agg(applicants=("hired_flag", "size"), hired=("hired_flag", "sum")).reset_index()
    t["selection_rate"] = t["hired"] / t["applicants"]
    shown = t["applicants"] >= s.min_group
    ref = t.loc[shown, "selection_rate"].max() if shown.any() else np.nan
    t["impact_ratio"] = t["selection_rate"] / ref if ref and ref > 0 else np.nan
    t["adverse_impact"] = t["impact_ratio"] < 0.8
    t = suppress(t, ["applicants"], ["applicants", "hired", "selection_rate", "impact_ratio", "adverse_impact"],
                 s.min_group, s.suppress_zero)
    flagged = t["adverse_impact"].map(lambda v: v is not None and bool(v))
    summ = {"status": "ok", "group_by": group_col, "reference_rate": None if pd.isna(ref) else float(ref),
            "groups_with_adverse_impact": sorted(t.loc[flagged, "group"]),
            "rule": "selection rate under 4/5 (80 %) of the highest group's rate indicates adverse impact "
                    "(29 CFR 1607.4(D)); a flag to investigate, not a finding of discrimination"}
    return t[cols], summ


def resident_hire_rate(hires: pd.DataFrame, city_zips: list[str], settings: WorkforceSettings | None = None) -> dict:
    """Share of hires who live in the city, from their home ZIP (a voluntary goal; see the note).

    Args:
        hires: one row per hire with ``home_zip``.
        city_zips: ZIP codes inside the city (from the settings).
    """
    s = settings or WorkforceSettings()
    out = {"definition": "hires living in the city (home ZIP in the configured city ZIPs) ÷ hires with a "
                         "known home ZIP", "note": RESIDENCY_NOTE}
    if not city_zips:
        return {**out, "status": "not_available", "reason": "no city ZIP codes configured (city_zips)"}
    z = hires.get("home_zip", pd.Series(dtype="string")).astype("string").str.extract(r"(\d{5})")[0]
    known = z.notna()
    if not known.any():
        return {**out, "status": "not_available", "reason": "no home ZIP in the hiring records"}
    n = int(known.sum())
    res = int(z[known].isin({str(c)[:5] for c in city_zips}).sum())
    if n < s.min_group:
        return {**out, "status": "suppressed", "hires_with_zip": None, "resident_hires": None, "rate": None}
    sup = 0 < res < s.min_group or 0 < n - res < s.min_group
    return {**out, "status": "ok", "hires_with_zip": n, "resident_hires": None if sup else res,
            "rate": None if sup else res / n, "suppressed": sup}
