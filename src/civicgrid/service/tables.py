"""Write the service metrics into the warehouse as documented tables (docs/metrics.md, "Warehouse tables").

Every table is derived: replaced as a whole on each run, in one transaction. Values are exactly
those of the JSON report (suppressed groups keep their name with NULL values), so a table is as safe
to share as the report. Times are in hours, and the unit is in the column name.

``write_service_tables(con, report, cad=..., plan=...)`` takes the dict of
:func:`civicgrid.service.report.service_report`, and optionally the CAD report
(:func:`civicgrid.service.cad.cad_response_times`) and the planning report
(:func:`civicgrid.service.planning.plan_report`); those may also sit in ``report["cad"]`` and
``report["planning"]``. Tables whose input is absent are left as they are.
"""

from __future__ import annotations

import pandas as pd

from civicgrid.service.cad import cad_table

_TTC = {"level": "VARCHAR", "group_name": "VARCHAR", "n_closed": "BIGINT", "median_hours_to_close": "DOUBLE",
        "p90_hours_to_close": "DOUBLE", "mean_hours_to_close": "DOUBLE", "as_of": "TIMESTAMPTZ"}
_ONTIME = {"level": "VARCHAR", "group_name": "VARCHAR", "n_closed_with_due": "BIGINT", "n_on_time": "BIGINT",
           "on_time_pct": "DOUBLE", "as_of": "TIMESTAMPTZ"}
_BACKLOG = {"at": "TIMESTAMPTZ", "level": "VARCHAR", "group_name": "VARCHAR", "open": "BIGINT",
            "age_0_7_days": "BIGINT", "age_8_30_days": "BIGINT", "age_31_90_days": "BIGINT",
            "age_over_90_days": "BIGINT", "overdue": "BIGINT"}
_VOLUME_WEEKLY = {"week_start": "DATE", "service_category": "VARCHAR", "requests": "BIGINT", "partial": "BOOLEAN"}
_VOLUME = {"dimension": "VARCHAR", "group_name": "VARCHAR", "requests": "BIGINT", "as_of": "TIMESTAMPTZ"}
_QUALITY = {"source": "VARCHAR", "flag": "VARCHAR", "count": "BIGINT", "share": "DOUBLE", "definition": "VARCHAR"}
_STAFF = {"level": "VARCHAR", "group_name": "VARCHAR", "suppressed": "BOOLEAN", "requests": "BIGINT",
          "measure": "VARCHAR", "n": "BIGINT", "observed": "DOUBLE", "expected": "DOUBLE", "ratio": "DOUBLE"}
_CAD = {"level": "VARCHAR", "group_name": "VARCHAR", "label": "VARCHAR", "calls": "BIGINT",
        "never_dispatched": "BIGINT", "interval": "VARCHAR", "n": "BIGINT", "median_hours": "DOUBLE",
        "p90_hours": "DOUBLE", "share_same_day": "DOUBLE", "suppressed": "BOOLEAN", "time_resolution": "VARCHAR"}
_BACKTEST = {"category": "VARCHAR", "model": "VARCHAR", "mase": "DOUBLE", "mae": "DOUBLE", "n_origins": "BIGINT",
             "n_forecasts": "BIGINT", "beats_seasonal_naive": "BOOLEAN", "best_model": "VARCHAR"}
_FORECAST = {"category": "VARCHAR", "model": "VARCHAR", "week": "DATE", "horizon": "BIGINT", "forecast": "DOUBLE",
             "lo_80": "DOUBLE", "hi_80": "DOUBLE", "lo_95": "DOUBLE", "hi_95": "DOUBLE"}
_PLAN = {"interval_start": "TIMESTAMP", "calls": "DOUBLE", "traffic_erlangs": "DOUBLE", "agents": "BIGINT",
         "scheduled_staff": "BIGINT", "service_level": "DOUBLE", "probability_wait": "DOUBLE",
         "asa_seconds": "DOUBLE", "occupancy": "DOUBLE"}

#: table name → {column: DuckDB type}; documented column by column in docs/metrics.md
TABLES = {
    "service_time_to_close": _TTC,
    "service_on_time": _ONTIME,
    "service_backlog": _BACKLOG,
    "service_volume": _VOLUME,
    "service_volume_weekly": _VOLUME_WEEKLY,
    "service_quality_flags": _QUALITY,
    "service_staff_performance": _STAFF,
    "cad_response_times": _CAD,
    "service_forecast_backtest": _BACKTEST,
    "service_forecast": _FORECAST,
    "service_staffing_plan": _PLAN,
}

__all__ = ["TABLES", "after_ingest_hook", "service_frames", "write_service_tables"]


def _typed(df: pd.DataFrame, spec: dict[str, str]) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    for c, t in spec.items():
        v = df[c] if c in df else pd.Series(None, index=df.index, dtype=object)
        if t in ("DOUBLE", "BIGINT"):
            out[c] = pd.to_numeric(v, errors="coerce").astype("float64" if t == "DOUBLE" else "Int64")
        elif t == "DATE":
            out[c] = pd.to_datetime(v, errors="coerce").dt.date
        elif t == "TIMESTAMPTZ":
            out[c] = pd.to_datetime(v, errors="coerce", utc=True)
        elif t == "TIMESTAMP":
            out[c] = pd.to_datetime(v, errors="coerce")
        elif t == "BOOLEAN":
            out[c] = v.astype(object).where(v.notna(), None).map(lambda x: None if x is None else bool(x)).astype("boolean")
        else:
            out[c] = v.astype(object).where(v.notna(), None)
    return out


def _by_rows(section: dict, metric_keys: list[str], as_of) -> list[dict]:
    rows = [{"level": "overall", "group_name": "all", **{k: section.get(k) for k in metric_keys}, "as_of": as_of}]
    for level, items in (section.get("by") or {}).items():
        for r in items:
            rows.append({"level": level, "group_name": r.get(level), **{k: r.get(k) for k in metric_keys},
                         "as_of": as_of})
    return rows


def service_frames(report: dict | None, cad: dict | None = None, plan: dict | None = None) -> dict[str, pd.DataFrame]:
    """The table frames from the reports (only those whose input is present)."""
    frames: dict[str, pd.DataFrame] = {}
    report = report or {}
    cad = cad if cad is not None else report.get("cad")
    plan = plan if plan is not None else report.get("planning")
    if report.get("meta"):
        as_of = report["meta"]["as_of"]
        ttc = report["time_to_close"]
        frames["service_time_to_close"] = pd.DataFrame(
            _by_rows(ttc, ["n_closed", "median_hours_to_close", "p90_hours_to_close", "mean_hours_to_close"], as_of))
        frames["service_on_time"] = pd.DataFrame(
            _by_rows(report["on_time"], ["n_closed_with_due", "n_on_time", "on_time_pct"], as_of))
        bl = report["backlog"]
        buckets = {"0-7": "age_0_7_days", "8-30": "age_8_30_days", "31-90": "age_31_90_days", ">90": "age_over_90_days"}
        rows = [{"at": bl["at"], "level": "overall", "group_name": "all", "open": bl["open"],
                 **{v: bl["aging_buckets"].get(k) for k, v in buckets.items()}, "overdue": bl.get("overdue")}]
        for level, items in (bl.get("by") or {}).items():
            for r in items:
                rows.append({"at": bl["at"], "level": level, "group_name": r.get(level), "open": r["open"],
                             **{v: r.get(k) for k, v in buckets.items()}})
        frames["service_backlog"] = pd.DataFrame(rows)
        vol = report["volume"]
        frames["service_volume_weekly"] = pd.DataFrame(
            [{"week_start": r["week_start"], "service_category": r.get("service_category"), "requests": r["requests"],
              "partial": r["partial"]} for r in report["trends"]["weekly_by_category"]])
        dims = {"by_category": "service_category", "by_request_type": "request_type", "by_channel": "channel",
                "by_department": "agency_responsible", "by_area": report["meta"].get("area_column")}
        frames["service_volume"] = pd.DataFrame(
            [{"dimension": col, "group_name": r.get(col), "requests": r["requests"], "as_of": as_of}
             for key, col in dims.items() if col and vol.get(key) for r in vol[key]])
        dq = report["data_quality"]
        rows = [{"source": "all", "flag": k, "count": v["count"], "share": v["share"], "definition": v["definition"]}
                for k, v in dq["flags"].items()]
        n_by_src = report["meta"].get("sources", {})
        for src, flags in (dq.get("by_source") or {}).items():
            n = n_by_src.get(src)
            rows += [{"source": src, "flag": k, "count": c, "share": (c / n) if n else None,
                      "definition": dq["flags"][k]["definition"]} for k, c in flags.items()]
        frames["service_quality_flags"] = pd.DataFrame(rows)
        rows = []
        for level, sec in (report.get("staff") or {}).items():
            for g in sec.get("groups", []) if sec.get("available") else []:
                for m in ("median_hours_to_close", "on_time_share", "transfer_share"):
                    v = g.get(m) or {}
                    rows.append({"level": level, "group_name": g.get(level), "suppressed": g["suppressed"],
                                 "requests": g.get("requests"), "measure": m, "n": v.get("n"),
                                 "observed": v.get("observed"), "expected": v.get("expected"), "ratio": v.get("ratio")})
        frames["service_staff_performance"] = pd.DataFrame(rows, columns=list(_STAFF))
    if cad and cad.get("available"):
        frames["cad_response_times"] = cad_table(cad)
    if plan and plan.get("available"):
        fc = plan.get("forecast") or {}
        frames["service_forecast_backtest"] = pd.DataFrame(fc.get("backtest_summary") or [], columns=list(_BACKTEST))
        frames["service_forecast"] = pd.DataFrame(fc.get("weekly") or [], columns=list(_FORECAST))
        st = plan.get("staffing") or {}
        if st.get("intervals") is not None:
            frames["service_staffing_plan"] = pd.DataFrame(st["intervals"], columns=list(_PLAN))
    return frames


def write_service_tables(con, report: dict | None, cad: dict | None = None, plan: dict | None = None) -> dict[str, int]:
    """Replace each service table whose input is present; returns ``{table: rows written}``.

    Args:
        con: a read-write DuckDB connection to the warehouse (a build's new file, or the file itself
            when no reader has it open).
        report: :func:`civicgrid.service.report.service_report` output (may be None or unavailable).
        cad: :func:`civicgrid.service.cad.cad_response_times` output (default ``report["cad"]``).
        plan: :func:`civicgrid.service.planning.plan_report` output (default ``report["planning"]``).
    """
    frames = service_frames(report, cad, plan)
    written: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for name, spec in TABLES.items():
            if name not in frames:
                continue
            typed = _typed(frames[name], spec)
            cols = ", ".join(f'"{c}" {t}' for c, t in spec.items())
            con.execute(f"CREATE OR REPLACE TABLE {name} ({cols})")
            if len(typed):
                con.register("_svc_frame", typed)
                con.execute(f"INSERT INTO {name} SELECT * FROM _svc_frame")
                con.unregister("_svc_frame")
            written[name] = int(len(typed))
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return written


def after_ingest_hook(con, cfg, report=None) -> dict[str, int]:
    """``build_warehouse(..., after_ingest=after_ingest_hook)``: write the report and CAD tables into the new
    file before it is swapped in (build-then-swap, so readers never see a half-written table).

    Uses the city's time zone from ``cfg`` and skips the classifier cross-validation (it does not change
    any table). Forecast and staffing tables depend on planning parameters and are written by
    ``civicgrid service forecast|plan --write-tables`` instead.
    """
    from civicgrid.service.cad import cad_response_times
    from civicgrid.service.report import service_report

    tz = getattr(getattr(cfg, "city", None), "timezone", None) or "UTC"
    kinds = dict(con.execute("SELECT kind, count(*) FROM events GROUP BY kind").fetchall())
    rep = None
    if kinds.get("service_request") or kinds.get("interaction"):
        rep = service_report(con, timezone=tz, evaluate_classifier=False)
    cad = cad_response_times(con, tz=tz) if kinds.get("police_call") else None
    return write_service_tables(con, rep, cad=cad)
