"""The customer-service report: every service metric from the warehouse, as one JSON-ready dict.

``service_report(con)`` reads the ``service_request`` and ``interaction`` rows of ``events``, sorts
them into the six categories, flags data quality, and computes volume, time to close, on-time %,
backlog and aging, reopen, transfer and first-contact-resolution rates, per-capita demand, case-mix
adjusted staff and team distributions, weekly trends and anomalies, and resident feedback.

Each section states its definition and how many rows it excluded and why. Times are in hours
(the unit is in the key: ``median_hours_to_close``). The report is as of the data, never the wall
clock: ``as_of`` defaults to the latest ``opened_at`` in the window.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from civicgrid.service import metrics as M
from civicgrid.service.categories import (CATEGORIES, CategoryMapping, builtin_mappings, categorize,
                                          cross_validated_accuracy, event_text)
from civicgrid.service.feedback import feedback_summary, link_feedback
from civicgrid.service.performance import staff_performance
from civicgrid.service.quality import quality_flags, quality_summary
from civicgrid.service.reopen import load_versions, reopen_rate
from civicgrid.service.trends import anomalies, day_of_week, weekly_counts

AREA_COLUMNS = ("neighborhood", "council_district", "ward", "zip")


def city_timezone(con) -> str | None:
    """The city's time zone from the config file the latest build was made from (None if unreadable)."""
    try:
        row = con.execute("SELECT config_path FROM builds ORDER BY started_at DESC LIMIT 1").fetchone()
        if row and row[0] and Path(row[0]).exists():
            import yaml

            return (yaml.safe_load(Path(row[0]).read_text(encoding="utf-8")) or {}).get("city", {}).get("timezone")
    except Exception:  # noqa: BLE001 - a missing or odd config only loses the local time zone
        return None
    return None


def population_from_warehouse(con, areas: pd.Series | None = None) -> tuple[str, dict] | None:
    """``(source, {area name: residents})`` from ``reference_rows`` carrying a population.

    With several such sources (e.g. an ACS table and an older census profile) the one whose names
    match the most of ``areas`` is used; the report names it.
    """
    try:
        rows = con.execute("SELECT source, name, population FROM reference_rows WHERE population IS NOT NULL "
                           "AND name IS NOT NULL").df()
    except Exception:  # noqa: BLE001 - table absent in an old warehouse
        return None
    if rows.empty:
        return None
    want = set(areas.dropna().astype(str).str.strip().str.casefold()) if areas is not None else set()
    score = rows.assign(hit=rows["name"].str.strip().str.casefold().isin(want)).groupby("source")["hit"].sum()
    best = score.sort_values(ascending=False, kind="stable").index[0]
    sel = rows[rows["source"] == best]
    return str(best), dict(zip(sel["name"], sel["population"]))


def _mappings_for(source_rows: pd.DataFrame, mappings) -> list[CategoryMapping]:
    name = source_rows["source"].iloc[0]
    if isinstance(mappings, dict) and name in mappings:
        m = mappings[name]
        return m if isinstance(m, list) else [m]
    pool = mappings if isinstance(mappings, list) else builtin_mappings()
    files = set(source_rows["file"].dropna())
    return [m for m in pool if any(m.matches_file(f) for f in files)]


def _categories(df: pd.DataFrame, mappings, evaluate: bool) -> tuple[pd.Series, dict]:
    cats, section = [], {"definition": "six categories: " + ", ".join(CATEGORIES) + "; mapping tables first "
                         "(status > outside agency > request type > keywords), then a TF-IDF + logistic "
                         "regression classifier; predictions under 0.6 confidence need review", "sources": {}}
    for src, rows in df.groupby("source", sort=True):
        maps = _mappings_for(rows, mappings)
        c = categorize(rows, maps)
        cats.append(c)
        info = {"mapping": [m.label for m in maps] or None,
                "by_method": {k: int(v) for k, v in c["category_method"].value_counts().items()},
                "needs_review": int(c["needs_review"].sum())}
        if evaluate:
            lab = rows.assign(text=event_text(rows), service_category=c["service_category"])
            lab = lab[c["category_method"] == "mapping"]
            info["classifier_cv"] = cross_validated_accuracy(lab)
            info["classifier_cv_unseen_request_types"] = cross_validated_accuracy(lab, group_col="request_type")
        section["sources"][src] = info
    allc = pd.concat(cats).reindex(df.index) if cats else pd.DataFrame(index=df.index, columns=["service_category"])
    section["counts"] = {k: int(allc["service_category"].eq(k).sum()) for k in CATEGORIES}
    section["uncategorized"] = int(allc["service_category"].isna().sum())
    section["needs_review"] = int(allc.get("needs_review", pd.Series(dtype=bool)).fillna(False).sum())
    return allc["service_category"], section


def service_report(con, as_of=None, sla_table=None, *, start=None, end=None, population=None,
                   mappings: dict | list | None = None, timezone: str | None = None,
                   evaluate_classifier: bool = True, min_group: int = 5) -> dict:
    """Build the whole service report from a warehouse connection.

    Args:
        con: DuckDB connection to the warehouse (read-only is enough).
        as_of: date the backlog is measured at; default the latest ``opened_at`` in the window.
        sla_table: versioned SLA targets (``request_type``, ``target_days``, ``effective_from``) as a
            frame, list of dicts, or ``{type: days}``; used where a request has no ``due_at``.
        start, end: only requests opened from ``start`` through ``end`` (naive values are city
            local time; a bare ``end`` date includes that whole day).
        population: ``{area: residents}``; default: ``reference_rows`` populations, if any.
        mappings: category tables — ``{source name: CategoryMapping | [versions]}`` or a list to pick
            from by file name; default the built-in tables.
        timezone: IANA zone for weeks and weekdays; default the city's, else UTC.
        evaluate_classifier: add cross-validated classifier accuracy per source.
        min_group: suppression threshold for staff and feedback groups.

    Returns:
        A JSON-ready dict (no NaN, no numpy types).
    """
    tz = timezone or city_timezone(con) or "UTC"
    df = M.load_events(con, start=start, end=end, tz=tz)
    if df.empty:
        return _jsonable({"available": False, "reason": "no service_request or interaction rows in the warehouse",
                          "window": {"start": start, "end": end}})
    as_of_given = as_of is not None
    as_of = pd.Timestamp(as_of) if as_of_given else df["opened_at"].max()
    as_of = as_of.tz_localize(tz).tz_convert("UTC") if as_of.tzinfo is None else as_of.tz_convert("UTC")
    category, cat_section = _categories(df, mappings, evaluate_classifier)
    df["service_category"] = category
    flags = quality_flags(df)
    area = next((c for c in AREA_COLUMNS if c in df and df[c].notna().any()), None)
    pop_source = "given"
    if population is None and area:
        found = population_from_warehouse(con, df[area])
        pop_source, population = found if found else (None, None)
    by = ["request_type", "service_category", "agency_responsible"]
    weekly = weekly_counts(df, tz, by="service_category", as_of=as_of)
    no_auto = M.time_to_close(df, flags, exclude_auto_closures=True)
    report = {
        "meta": {"as_of": as_of.isoformat(),
                 "as_of_source": "given" if as_of_given else "latest opened_at in the data",
                 "window": {"start": None if start is None else str(start), "end": None if end is None else str(end),
                            "first_opened_at": df["opened_at"].min(), "last_opened_at": df["opened_at"].max()},
                 "timezone": tz, "rows": len(df), "kinds": df["kind"].value_counts().to_dict(),
                 "sources": df["source"].value_counts().to_dict(), "unit_of_time": "hours", "area_column": area},
        "data_quality": quality_summary(df, flags),
        "categories": cat_section,
        "volume": _volume(df, area, weekly),
        "time_to_close": M.time_to_close(df, flags, by=by),
        "time_to_close_without_auto_closures": {k: v for k, v in no_auto.items() if k != "by"},
        "on_time": M.on_time(df, flags, sla_table, by=by, tz=tz),
        "backlog": M.backlog(df, flags, as_of, by=["request_type", "agency_responsible"], sla_table=sla_table, tz=tz),
        "reopen": reopen_rate(load_versions(con).merge(df[["source", "record_id"]], on=["source", "record_id"])),
        "transfer": M.transfer_rate(df, category, by=["channel", "agency_responsible"]),
        "first_contact_resolution": _fcr(df, as_of, category),
        "per_capita": _per_capita(df, area, population, pop_source),
        "staff": {lvl: staff_performance(df, flags, lvl, sla_table, category, min_group, tz)
                  for lvl in ("agent", "team")},
        "trends": {"weekly_by_category": weekly, "day_of_week": day_of_week(df, tz),
                   "anomalies": anomalies(weekly, by="service_category")},
        "feedback": feedback_summary(link_feedback(df, category), min_group=min_group),
    }
    return _jsonable(report)


def _volume(df: pd.DataFrame, area: str | None, weekly: pd.DataFrame) -> dict:
    dims = (("by_category", "service_category"), ("by_request_type", "request_type"),
            ("by_channel", "channel"), ("by_department", "agency_responsible"))
    return {"definition": "requests and contacts opened in the window, by dimension (missing values as null)",
            **{k: M.volume(df, c) for k, c in dims if c in df},
            "by_area": M.volume(df, area) if area else None,
            "by_week": weekly.groupby(["week_start", "partial"], as_index=False)["requests"].sum()}


def _fcr(df: pd.DataFrame, as_of, category: pd.Series) -> dict:
    contacts = df["kind"] == "interaction"
    if not contacts.any():
        return {"available": False, "reason": "no contacts (kind 'interaction') in the warehouse"}
    return M.first_contact_resolution(df[contacts], as_of, category=category[contacts])


def _per_capita(df: pd.DataFrame, area: str | None, population, source: str | None) -> dict:
    if not area:
        return {"available": False, "reason": "no area column"}
    if not population:
        return {"available": False, "reason": "no population table for the areas"}
    return {"available": True, **M.per_capita(df, population, area), "population_source": source}


def _jsonable(x):
    """Recursively turn frames, numpy scalars, timestamps and NaN into plain JSON values."""
    if isinstance(x, pd.DataFrame):
        return [_jsonable(r) for r in x.to_dict("records")]
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (pd.Timestamp, datetime, date)):
        return None if pd.isna(x) else x.isoformat()
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return None if math.isnan(x) or math.isinf(x) else float(x)
    if x is pd.NaT or x is pd.NA:
        return None
    return x
