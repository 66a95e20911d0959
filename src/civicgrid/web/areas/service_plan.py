"""Forecasts, the Erlang C staffing calculator and CAD response times for the service pages."""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt
import pandas as pd
from fastapi import Request

from civicgrid.service.staffing import average_speed_of_answer, required_agents, service_level, traffic_intensity
from civicgrid.web import charts
from civicgrid.web.context import wh
from civicgrid.web.registry import chart, table

V = "service.view"


def plan_for(handle) -> dict:
    """Back-test, weekly forecasts and staffing from the forecast (defaults of ``service plan``), per build."""
    from civicgrid.service.planning import plan_report

    def compute(con):
        try:
            return plan_report(con, include_intervals=False)
        except ValueError as exc:  # e.g. no handle times in the data: forecast only, and say why
            out = plan_report(con, include_intervals=False, staffing=False)
            out["staffing_note"] = f"No staffing from the forecast: {exc} Use the staffing calculator."
            return out
    return handle.memo(("service_plan",), compute)


def cad_for(handle) -> dict:
    from civicgrid.service.cad import cad_response_times

    return handle.memo(("service_cad",), lambda con: cad_response_times(con))


def plan(request: Request) -> dict:
    return plan_for(wh(request))


def cad(request: Request) -> dict:
    return cad_for(wh(request))


@table("service_backtest", "Forecast back-test: MASE per category and model (lower is better; < 1 beats naive in-sample)", V)
def backtest_table(request: Request) -> pd.DataFrame:
    return pd.DataFrame((plan(request).get("forecast") or {}).get("backtest_summary") or [])


@table("service_forecast", "Weekly forecast per category (80 % and 95 % intervals)", V)
def forecast_table(request: Request) -> pd.DataFrame:
    return pd.DataFrame((plan(request).get("forecast") or {}).get("weekly") or [])


@table("service_staffing_by_week", "Staff from the forecast, per week (Erlang C, 30-minute intervals)", V)
def staffing_week_table(request: Request) -> pd.DataFrame:
    return pd.DataFrame((plan(request).get("staffing") or {}).get("by_week") or [])


@chart("service_forecast_chart", "Forecast requests per week (band: 80 % interval)", V)
def forecast_chart(request: Request):
    df = forecast_table(request)
    if df.empty:
        return None
    df = df.assign(week=pd.to_datetime(df["week"]).dt.strftime("%Y-%m-%d"))
    if df["lo_80"].isna().all():
        return charts.line(df, "week", "forecast", "category", y_title="requests per week")
    return charts.band_line(df.fillna({"lo_80": df["forecast"], "hi_80": df["forecast"]}), "week", "forecast",
                            "lo_80", "hi_80", "category", y_title="requests per week",
                            description="Forecast weekly requests per category with 80 % intervals")


@dataclass(frozen=True)
class CalcInput:
    calls: float = 100.0
    interval_minutes: float = 30.0
    aht_seconds: float = 180.0
    target: float = 80.0  # percent answered within answer_seconds
    answer_seconds: float = 20.0
    shrinkage: float = 30.0  # percent

    @classmethod
    def from_query(cls, q) -> "CalcInput":
        vals = {}
        for k, default in cls().__dict__.items():
            try:
                vals[k] = float(q.get(k)) if q.get(k) not in (None, "") else default
            except ValueError:
                raise ValueError(f"{k.replace('_', ' ')} must be a number, not {q.get(k)!r}") from None
        return cls(**vals)


#: the most offered traffic the calculator takes: the agent search is linear in it (10⁵ erlangs ≈ 10 ms)
MAX_ERLANGS = 100_000


def calculate(c: CalcInput) -> dict:
    """``required_agents`` for the inputs (percentages converted to shares). Raises ValueError, also when
    the traffic exceeds :data:`MAX_ERLANGS` (a request must not keep a worker busy for minutes)."""
    erlangs = traffic_intensity(c.calls, c.interval_minutes * 60, c.aht_seconds)
    if erlangs > MAX_ERLANGS:
        raise ValueError(f"these inputs offer {erlangs:,.0f} erlangs of traffic; the calculator handles at most "
                         f"{MAX_ERLANGS:,}.")
    res = required_agents(c.calls, c.interval_minutes * 60, c.aht_seconds, c.target / 100, c.answer_seconds,
                          c.shrinkage / 100)
    return res.as_dict()


@table("service_staffing_levels", "Service level with more or fewer agents", V)
def levels_table(request: Request) -> pd.DataFrame:
    try:
        c = CalcInput.from_query(request.query_params)
        res = calculate(c)
    except ValueError:
        return pd.DataFrame(columns=["agents", "service_level_pct", "asa_seconds", "occupancy_pct", "meets_target"])
    a = traffic_intensity(c.calls, c.interval_minutes * 60, c.aht_seconds)
    rows = []
    if res["agents"] == 0:
        return pd.DataFrame(rows)
    for n in range(max(int(a) + 1, res["agents"] - 3), res["agents"] + 4):
        sl = service_level(a, n, c.aht_seconds, c.answer_seconds)
        rows.append({"agents": n, "scheduled_staff": math.ceil(round(n / (1 - c.shrinkage / 100), 9)),
                     "service_level_pct": round(100 * sl, 2),
                     "asa_seconds": round(average_speed_of_answer(a, n, c.aht_seconds), 2),
                     "occupancy_pct": round(100 * a / n, 1), "meets_target": sl >= c.target / 100})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------ CAD
_INT_COLS = ["interval", "definition", "n", "median_hours", "p90_hours", "mean_hours"]


@table("service_cad_intervals", "CAD intervals, all calls (hours)", V)
def cad_intervals(request: Request) -> pd.DataFrame:
    r = cad(request)
    if not r.get("available"):
        return pd.DataFrame(columns=_INT_COLS)
    return pd.DataFrame([{"interval": k, **{c: v.get(c) for c in _INT_COLS[1:]}} for k, v in r["intervals"].items()])


def _cad_group(request: Request, group: str) -> pd.DataFrame:
    rows = ((cad(request).get("by") or {}).get(group)) or []
    keep = ["group", "label", "calls", "suppressed", "never_dispatched_share", "received_to_dispatched_median_hours",
            "received_to_onscene_median_hours", "received_to_onscene_p90_hours", "onscene_to_cleared_median_hours"]
    df = pd.DataFrame(rows)
    return df[[c for c in keep if c in df.columns]] if len(df) else pd.DataFrame(columns=keep)


for _g, _t, _p in (("call_type", "CAD by call type", V), ("district", "CAD by district", V), ("beat", "CAD by beat", V),
                   ("unit", "CAD by unit (under 5 calls suppressed)", "service.staff"),
                   ("officer", "CAD by officer (under 5 calls suppressed)", "service.staff")):
    table(f"service_cad_{_g}", _t, _p)(lambda request, g=_g: _cad_group(request, g))


@chart("service_cad_chart", "CAD intervals: median and P90 hours", V)
def cad_chart(request: Request):
    df = cad_intervals(request)
    if df.empty:
        return None
    long = df.melt(id_vars=["interval"], value_vars=["median_hours", "p90_hours"], var_name="measure", value_name="hours")
    long["measure"] = long["measure"].map({"median_hours": "median", "p90_hours": "P90"})
    c = alt.Chart(long).mark_bar().encode(
        y=alt.Y("interval:N", title=None, sort=list(df["interval"])), x=alt.X("hours:Q", title="hours"),
        yOffset="measure:N", color=alt.Color("measure:N", title=None), tooltip=["interval", "measure", "hours"])
    return charts.finish(c, 320, "Median and 90th-percentile hours between CAD stages")
