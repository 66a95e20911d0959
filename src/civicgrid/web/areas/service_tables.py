"""Customer-service tables and charts from ``service_report`` (memoised per build).

Staff and team figures are distributions of case-mix-adjusted ratios with groups under 5 requests
suppressed (docs/metrics.md), shown only to roles with ``service.staff``; low-rated requests only
to ``service.comments``.
"""

from __future__ import annotations

import pandas as pd
from fastapi import Request

from civicgrid.web import charts
from civicgrid.web.context import wh
from civicgrid.web.registry import chart, table

V = "service.view"


def report_for(handle) -> dict:
    """The service report of the build being served (classifier cross-validation off: it is slow)."""
    from civicgrid.service.report import service_report

    return handle.memo(("service_report",), lambda con: service_report(con, evaluate_classifier=False))


def report(request: Request) -> dict:
    return report_for(wh(request))


def _df(rows, columns=None) -> pd.DataFrame:
    return pd.DataFrame(rows or [], columns=columns)


def _by(section: dict | None, key: str) -> pd.DataFrame:
    return _df(((section or {}).get("by") or {}).get(key) or [])


def _reg(name: str, title: str, fn, permission: str = V):
    table(name, title, permission)(lambda request: fn(report(request)))


for dim, label in (("category", "service category"), ("channel", "channel"), ("department", "department"),
                   ("request_type", "request type")):
    _reg(f"service_volume_{dim}", f"Requests by {label}",
         lambda r, dim=dim: _df(r.get("volume", {}).get(f"by_{dim}")))
for dim, label in (("request_type", "request type"), ("service_category", "service category"),
                   ("agency_responsible", "department")):
    _reg(f"service_ttc_{dim}", f"Time to close by {label} (hours)", lambda r, dim=dim: _by(r.get("time_to_close"), dim))
    _reg(f"service_ontime_{dim}", f"On-time % by {label}", lambda r, dim=dim: _by(r.get("on_time"), dim))
for dim, label in (("request_type", "request type"), ("agency_responsible", "department")):
    _reg(f"service_backlog_{dim}", f"Open requests by {label} and age (days)",
         lambda r, dim=dim: _by(r.get("backlog"), dim))
for dim, label in (("service_category", "service category"), ("request_type", "request type"),
                   ("agency_responsible", "department"), ("time_to_close", "time to close")):
    _reg(f"service_feedback_{dim}", f"Resident ratings by {label}", lambda r, dim=dim: _by(r.get("feedback"), dim))
_reg("service_transfer_channel", "Transfers by channel", lambda r: _by(r.get("transfer"), "channel"))
_reg("service_anomalies", "Unusual weeks (robust z ≥ 3.5)",
     lambda r: _df(r.get("trends", {}).get("anomalies", {}).get("anomalies")))
_reg("service_quality_flags", "Data-quality flags (counted, never dropped)",
     lambda r: _df([{"flag": k, **v} for k, v in r.get("data_quality", {}).get("flags", {}).items()],
                   ["flag", "count", "share", "definition"]))
_reg("service_low_ratings", "Low-rated requests (rating ≤ 2)",
     lambda r: _df(r.get("feedback", {}).get("low_ratings", {}).get("requests")), "service.comments")


def _staff_groups(r: dict, level: str) -> pd.DataFrame:
    sec = r.get("staff", {}).get(level) or {}
    rows = []
    for g in sec.get("groups") or []:
        row = {level: g.get(level), "requests": g.get("requests"), "suppressed": g.get("suppressed")}
        for m in ("median_hours_to_close", "on_time_share", "transfer_share"):
            v = g.get(m) or {}
            row[f"{m}_observed"] = v.get("observed")
            row[f"{m}_ratio"] = v.get("ratio")
        rows.append(row)
    return _df(rows)


_reg("service_staff_agent", "Agents (alphabetical; ratio = observed ÷ expected for the agent's mix)",
     lambda r: _staff_groups(r, "agent"), "service.staff")
_reg("service_staff_team", "Teams (alphabetical; ratio = observed ÷ expected for the team's mix)",
     lambda r: _staff_groups(r, "team"), "service.staff")


@table("service_staff_distribution", "Spread of staff and team ratios (percentiles across groups)", "service.staff")
def staff_distribution(request: Request) -> pd.DataFrame:
    rows = []
    for level, sec in (report(request).get("staff") or {}).items():
        for measure, d in ((sec or {}).get("distribution") or {}).items():
            rows.append({"level": level, "measure": measure, **(d or {})})
    return _df(rows)


@chart("service_weekly", "Requests per week by service category", V)
def weekly_chart(request: Request):
    df = _df(report(request).get("trends", {}).get("weekly_by_category"))
    if df.empty:
        return None
    df = df[~df["partial"].astype(bool)] if "partial" in df else df
    return charts.line(df, "week_start", "requests", "service_category", y_title="requests per week",
                       description="Weekly requests per service category (partial first and last weeks left out)")


@chart("service_weekday", "Requests per day by weekday (local time)", V)
def weekday_chart(request: Request):
    df = _df(report(request).get("trends", {}).get("day_of_week", {}).get("by_weekday"))
    if df.empty:
        return None
    return charts.bars(df, "weekday", "requests_per_day", value_title="requests per day", horizontal=False, sort=False)


@chart("service_hour", "Requests by hour of day (local time)", V)
def hour_chart(request: Request):
    df = _df(report(request).get("trends", {}).get("day_of_week", {}).get("by_hour"))
    return None if df.empty else charts.bars(df, "hour", "requests", value_title="requests", horizontal=False, sort=False)


@chart("service_ttc_chart", "Median and P90 hours to close by service category", V)
def ttc_chart(request: Request):
    df = _by(report(request).get("time_to_close"), "service_category")
    if df.empty:
        return None
    long = df.melt(id_vars=["service_category"], value_vars=["median_hours_to_close", "p90_hours_to_close"],
                   var_name="measure", value_name="hours")
    long["measure"] = long["measure"].map({"median_hours_to_close": "median", "p90_hours_to_close": "P90"})
    return charts.bars(long, "service_category", "hours", color="measure", value_title="hours to close",
                       description="Median and 90th-percentile hours to close per service category")


@chart("service_ontime_chart", "On-time % by department", V)
def ontime_chart(request: Request):
    df = _by(report(request).get("on_time"), "agency_responsible")
    return None if df.empty else charts.bars(df.dropna(subset=["on_time_pct"]), "agency_responsible", "on_time_pct",
                                             value_title="closed by the due time, %")


@chart("service_backlog_chart", "Open requests by age", V)
def backlog_chart(request: Request):
    b = report(request).get("backlog") or {}
    buckets = b.get("aging_buckets") or {}
    if not buckets:
        return None
    df = pd.DataFrame({"age_days": list(buckets), "open": list(buckets.values())})
    return charts.bars(df, "age_days", "open", value_title="open requests", horizontal=False, sort=False)


@chart("service_staff_chart", "Staff ratios: observed ÷ expected for each agent's mix (1 = as expected)", "service.staff")
def staff_chart(request: Request):
    df = _staff_groups(report(request), "agent")
    if df.empty:
        return None
    cols = [c for c in df.columns if c.endswith("_ratio")]
    long = df[~df["suppressed"].astype(bool)].melt(value_vars=cols, var_name="measure", value_name="ratio").dropna()
    long["measure"] = long["measure"].str.replace("_ratio", "").str.replace("_", " ")
    if long.empty:
        return None
    import altair as alt

    c = alt.Chart(long).mark_tick(thickness=3, size=26).encode(
        x=alt.X("ratio:Q", title="observed ÷ expected", scale=alt.Scale(type="log")),
        y=alt.Y("measure:N", title=None), tooltip=["measure", alt.Tooltip("ratio:Q", format=".2f")])
    return charts.finish(c, 160, "Each tick is one agent's ratio; no names, a distribution rather than a ranking")


@chart("service_csat_chart", "Share of ratings 4 or 5 (CSAT) by service category", "service.view")
def csat_chart(request: Request):
    df = _by(report(request).get("feedback"), "service_category")
    if df.empty or "csat" not in df:
        return None
    return charts.bars(df.dropna(subset=["csat"]), "service_category", "csat", value_title="CSAT (share 0–1)")
