"""``civicgrid service …``: the customer-service report, CAD response times, forecasts and staffing.

Mounted by the main CLI as ``app.add_typer(service_app, name="service")``. Every command takes
``--json``; times are in hours with the unit in the key names (``median_hours_to_close``). Errors are
one sentence and a non-zero exit code (set ``CIVICGRID_DEBUG=1`` for a traceback).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from civicgrid.clitools import fail, guard
from civicgrid.warehouse.db import DEFAULT_DB, WarehouseError, connect, open_readonly

service_app = typer.Typer(help="Customer service: report, CAD response times, forecasts and Erlang C staffing.",
                          no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

console = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

DB_OPT = typer.Option(DEFAULT_DB, "--db", help="Warehouse file (DuckDB).")
JSON_OPT = typer.Option(False, "--json", help="Print machine-readable JSON.")
FROM_OPT = typer.Option(None, "--from", help="Only records opened on or after this local date (YYYY-MM-DD).")
TO_OPT = typer.Option(None, "--to", help="Only records opened on or before this local date (YYYY-MM-DD), inclusive.")
DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


class ServiceCliError(Exception):
    """A user error, reported as one sentence."""


_fail = fail
_guard = guard(ServiceCliError, ValueError, interrupted="interrupted.")


def _emit(obj) -> None:
    typer.echo(json.dumps(obj, allow_nan=False, ensure_ascii=False, indent=2, default=str))


def _date(value: Optional[str], flag: str):
    if value is None:
        return None
    import pandas as pd

    try:
        return pd.Timestamp(value).isoformat()
    except (ValueError, TypeError):
        raise ServiceCliError(f"{flag} {value!r} is not a date; use YYYY-MM-DD") from None


def _open(db: Path, write: bool = False):
    if write:
        if not Path(db).exists():
            raise WarehouseError(f"{db}: no warehouse here yet; run `civicgrid build CONFIG --db {db}` first.")
        return connect(db)
    return open_readonly(db)


def _has_kind(con, kinds: tuple[str, ...]) -> bool:
    try:
        q = f"SELECT count(*) FROM events WHERE kind IN ({', '.join('?' * len(kinds))})"
        return bool(con.execute(q, list(kinds)).fetchone()[0])
    except Exception:  # noqa: BLE001 - no events table: not a civicgrid warehouse
        raise WarehouseError("the file has no events table; is it a civicgrid warehouse?") from None


def _hours(v, digits: int = 1) -> str:
    return "—" if v is None else f"{v:,.{digits}f} h"


def _pct(v, scale: float = 100) -> str:
    return "—" if v is None else f"{v * scale:.1f} %"


def _date_range(start: Optional[str], end: Optional[str]):
    """Parse --from/--to; a range that ends before it starts is a user error, not an empty report."""
    start, end = _date(start, "--from"), _date(end, "--to")
    if start is not None and end is not None and end < start:
        raise ServiceCliError(f"--to {str(end)[:10]} is before --from {str(start)[:10]}; swap them")
    return start, end


def _plan(db: Path, write_tables: bool, as_json: bool, unavailable: str, **kw) -> dict | None:
    """Run :func:`~civicgrid.service.planning.plan_report` (and store its tables when asked).

    Returns the report for text output, or None once it was printed as JSON.

    Raises:
        ServiceCliError: no forecast or plan is possible; the report's reason is the message.
    """
    from civicgrid.service.planning import plan_report

    con = _open(db, write_tables)
    try:
        rep = plan_report(con, **kw)
        if write_tables and rep.get("available"):
            rep["tables_written"] = _write(con, None, plan=rep)
    finally:
        con.close()
    if as_json:
        _emit(rep)
        return None
    if not rep.get("available"):
        raise ServiceCliError(rep.get("reason", unavailable))
    return rep


def _write(con, report=None, cad=None, plan=None) -> dict:
    from civicgrid.service.tables import write_service_tables

    written = write_service_tables(con, report, cad=cad, plan=plan)
    console.print("tables written: " + ", ".join(f"{k} ({v:,} rows)" for k, v in written.items()), highlight=False)
    return written


# --------------------------------------------------------------------------------------------- report

@service_app.command("report")
@_guard
def report_cmd(db: Path = DB_OPT, start: Optional[str] = FROM_OPT, end: Optional[str] = TO_OPT,
               as_json: bool = JSON_OPT,
               write_tables: bool = typer.Option(False, "--write-tables",
                                                 help="Also store the service_* and cad_* tables in the warehouse."),
               classifier_cv: bool = typer.Option(True, "--classifier-cv/--no-classifier-cv",
                                                  help="Cross-validate the category classifier (slower).")) -> None:
    """Volume, time to close, on-time %, backlog, quality flags, staff, trends, feedback and CAD response times."""
    from civicgrid.service.cad import cad_response_times
    from civicgrid.service.report import service_report

    start, end = _date_range(start, end)
    con = _open(db, write_tables)
    try:
        has_sr = _has_kind(con, ("service_request", "interaction"))
        has_cad = _has_kind(con, ("police_call",))
        if not has_sr and not has_cad:
            raise ServiceCliError(f"{db} has no service requests, contacts or police calls to report on")
        rep = service_report(con, start=start, end=end, evaluate_classifier=classifier_cv) if has_sr else {
            "available": False, "reason": "no service_request or interaction rows in the warehouse"}
        if rep.get("backlog", {}).get("median_age_days") is not None:
            rep["backlog"]["median_age_hours"] = rep["backlog"]["median_age_days"] * 24
        rep["cad"] = cad_response_times(con, start=start, end=end) if has_cad else {
            "available": False, "reason": "no police_call rows in the warehouse"}
        if write_tables:
            rep["tables_written"] = _write(con, rep)
    finally:
        con.close()
    if as_json:
        _emit(rep)
        return
    _print_report(rep)


def _print_report(rep: dict) -> None:
    if rep.get("meta"):
        m = rep["meta"]
        out.print(f"[bold]Service report[/] — {m['rows']:,} requests/contacts from {', '.join(m['sources'])}, "
                  f"as of {m['as_of'][:10]} ({m['timezone']})", highlight=False)
        ttc = rep["time_to_close"]
        out.print(f"  time to close: median {_hours(ttc['median_hours_to_close'])}, P90 "
                  f"{_hours(ttc['p90_hours_to_close'])} over {ttc['n_closed']:,} closed", highlight=False)
        ot = rep["on_time"]
        out.print(f"  on time: {_pct(ot['on_time_pct'], 1)} of "
                  f"{ot['n_closed_with_due']:,} closed with a due time", highlight=False)
        bl = rep["backlog"]
        out.print(f"  backlog at {bl['at'][:10]}: {bl['open']:,} open; aging "
                  + ", ".join(f"{k} d: {v:,}" for k, v in bl["aging_buckets"].items()), highlight=False)
        dq = rep["data_quality"]["flags"]
        out.print("  quality flags: " + ", ".join(f"{k} {v['count']:,}" for k, v in dq.items()), highlight=False)
        cats = rep["categories"]["counts"]
        out.print("  categories: " + ", ".join(f"{k} {v:,}" for k, v in cats.items() if v), highlight=False)
        t = Table(title="Time to close by request type (largest 10)")
        for col in ("request type", "closed", "median h", "P90 h"):
            t.add_column(col, justify="left" if col == "request type" else "right")
        for r in ttc["by"].get("request_type", [])[:10]:
            t.add_row(str(r["request_type"]), f"{r['n_closed']:,}", _hours(r["median_hours_to_close"]),
                      _hours(r["p90_hours_to_close"]))
        out.print(t)
    elif not rep.get("cad", {}).get("available"):
        out.print(rep.get("reason", "nothing to report"), highlight=False)
    if rep.get("cad", {}).get("available"):
        _print_cad(rep["cad"])


# --------------------------------------------------------------------------------------------- cad

@service_app.command("cad")
@_guard
def cad_cmd(db: Path = DB_OPT, start: Optional[str] = FROM_OPT, end: Optional[str] = TO_OPT,
            as_json: bool = JSON_OPT,
            min_group: int = typer.Option(5, "--min-group", help="Suppress units and officers with fewer calls.")) -> None:
    """Police CAD response times: received → dispatched → en route → on scene → cleared, in hours."""
    from civicgrid.service.cad import cad_response_times

    if min_group < 1:
        raise ServiceCliError("--min-group must be at least 1")
    start, end = _date_range(start, end)
    con = _open(db)
    try:
        if not _has_kind(con, ("police_call",)):
            raise ServiceCliError(f"{db} has no police_call rows; build a warehouse with a CAD source first")
        rep = cad_response_times(con, start=start, end=end, min_group=min_group)
    finally:
        con.close()
    if as_json:
        _emit(rep)
        return
    _print_cad(rep)


def _print_cad(rep: dict) -> None:
    if not rep.get("available"):
        out.print(rep.get("reason", "no police calls"), highlight=False)
        return
    nd = rep["never_dispatched"]
    out.print(f"[bold]CAD response times[/] — {rep['calls']:,} calls, {rep['first_received'][:10]} … "
              f"{rep['last_received'][:10]} ({rep['timezone']})", highlight=False)
    out.print(f"  time resolution: {rep['time_resolution']['resolution']}. {rep['time_resolution']['statement']}",
              highlight=False)
    out.print(f"  never dispatched: {nd['count']:,} ({_pct(nd['share'])}); dispatched but never on scene: "
              f"{rep['dispatched_never_on_scene']:,}", highlight=False)
    day = rep["time_resolution"]["resolution"] == "day"
    t = Table(title="Intervals (calls with both stages)")
    for col in ("interval", "calls", "median", "P90", "mean") + (("same day",) if day else ()):
        t.add_column(col, justify="left" if col == "interval" else "right")
    for name, s in rep["intervals"].items():
        t.add_row(name, f"{s['n']:,}", _hours(s["median_hours"]), _hours(s["p90_hours"]), _hours(s["mean_hours"], 2),
                  *((_pct(s["share_same_day"]),) if day else ()))
    out.print(t)
    t = Table(title="Largest call types (received → on scene)")
    for col in ("call type", "description", "calls", "never dispatched", "median", "P90") + (("same day",) if day else ()):
        t.add_column(col, justify="right" if col not in ("call type", "description") else "left")
    for r in (rep["by"].get("call_type") or [])[:10]:
        t.add_row(r["group"], str(r.get("label") or ""), f"{r['calls']:,}", _pct(r["never_dispatched_share"]),
                  _hours(r["received_to_onscene_median_hours"]), _hours(r["received_to_onscene_p90_hours"]),
                  *((_pct(r.get("received_to_onscene_share_same_day")),) if day else ()))
    out.print(t)
    out.print(f"  {rep['privacy']}", highlight=False)


# --------------------------------------------------------------------------------------------- staffing

@service_app.command("staffing")
@_guard
def staffing_cmd(calls: float = typer.Option(..., "--calls", help="Calls offered per interval."),
                 interval_minutes: float = typer.Option(30, "--interval-minutes", help="Interval length, minutes."),
                 aht_seconds: float = typer.Option(180, "--aht-seconds", help="Average handle time, seconds."),
                 target: float = typer.Option(0.8, "--target", help="Target service level, a share (0.8 = 80 %)."),
                 answer_seconds: float = typer.Option(20, "--answer-seconds", help="Answer-time target, seconds."),
                 shrinkage: float = typer.Option(0.3, "--shrinkage", help="Share of paid time off the phones (0–1)."),
                 max_occupancy: Optional[float] = typer.Option(None, "--max-occupancy",
                                                               help="Cap on occupancy A/N (0–1)."),
                 as_json: bool = JSON_OPT) -> None:
    """Erlang C: agents for a target service level, with SL, ASA, occupancy and scheduled staff."""
    from civicgrid.service.staffing import average_speed_of_answer, erlang_c, required_agents, service_level

    if not math.isfinite(interval_minutes) or interval_minutes <= 0:
        raise ServiceCliError(f"--interval-minutes must be a positive number, got {interval_minutes:g}")
    r = required_agents(calls, interval_minutes * 60, aht_seconds, target, answer_seconds, shrinkage, max_occupancy)
    res = r.as_dict()
    res["interval_minutes"] = float(interval_minutes)
    res["definition"] = ("Erlang C (GUIDE §5): A = calls × AHT ÷ interval; fewest agents N with SL(t) = 1 − "
                         "Pw·e^(−(N−A)·t/AHT) ≥ target; ASA = Pw·AHT ÷ (N−A); scheduled = ⌈N ÷ (1 − shrinkage)⌉")
    nearby = []
    for n in range(max(1, r.agents - 2), r.agents + 3):
        if r.traffic_erlangs == 0 or n <= r.traffic_erlangs:
            continue
        nearby.append({"agents": n, "service_level": service_level(r.traffic_erlangs, n, aht_seconds, answer_seconds),
                       "probability_wait": erlang_c(r.traffic_erlangs, n),
                       "asa_seconds": average_speed_of_answer(r.traffic_erlangs, n, aht_seconds),
                       "occupancy": r.traffic_erlangs / n, "meets_target": None})
        nearby[-1]["meets_target"] = nearby[-1]["service_level"] >= target
    res["nearby"] = nearby
    if as_json:
        _emit(res)
        return
    out.print(f"[bold]Erlang C[/] — {calls:g} calls per {interval_minutes:g} min, AHT {aht_seconds:g} s, "
              f"target {target:.0%} answered within {answer_seconds:g} s", highlight=False)
    out.print(f"  traffic A = {r.traffic_erlangs:.4f} Erlangs", highlight=False)
    out.print(f"  agents N = {r.agents}; service level {r.service_level:.6f}; Pw {r.probability_wait:.7f}; "
              f"ASA {r.asa_seconds:.3f} s; occupancy {r.occupancy:.7f}", highlight=False)
    out.print(f"  scheduled staff with {shrinkage:.0%} shrinkage = {r.scheduled_staff}", highlight=False)
    if nearby:
        t = Table(title="Nearby staffing levels")
        for col in ("agents", "service level", "ASA s", "occupancy", "meets target"):
            t.add_column(col, justify="right")
        for x in nearby:
            t.add_row(str(x["agents"]), f"{x['service_level']:.4f}", f"{x['asa_seconds']:.2f}",
                      f"{x['occupancy']:.3f}", "yes" if x["meets_target"] else "no")
        out.print(t)


# --------------------------------------------------------------------------------------------- forecast

@service_app.command("forecast")
@_guard
def forecast_cmd(db: Path = DB_OPT, horizon: int = typer.Option(8, "--horizon", help="Weeks ahead (1–52; 4–12 typical)."),
                 source: Optional[list[str]] = typer.Option(None, "--source", help="Only this source (repeatable)."),
                 as_json: bool = JSON_OPT,
                 write_tables: bool = typer.Option(False, "--write-tables",
                                                   help="Also store service_forecast_backtest and service_forecast.")) -> None:
    """Weekly volume per category: rolling-origin back-test (MASE vs seasonal naive) and forecasts."""
    rep = _plan(db, write_tables, as_json, "no forecast possible", horizon=horizon, sources=source or None,
                staffing=False)
    if rep is None:
        return
    fc = rep["forecast"]
    h = rep["history"]
    out.print(f"[bold]Forecast[/] — {h['full_weeks']} full weeks of history ({h['first_week']} … {h['last_week']}), "
              f"{rep['contacts_from']} rows of {', '.join(rep['sources'])}", highlight=False)
    out.print(f"  method: {fc['method']}", highlight=False)
    if fc.get("backtest_summary"):
        t = Table(title="Back-test: MASE per category and model (lower is better; < seasonal naive to be chosen)")
        for col in ("category", "model", "MASE", "MAE / week", "origins", "beats s-naive", "chosen"):
            t.add_column(col, justify="left" if col in ("category", "model") else "right")
        for r in fc["backtest_summary"]:
            t.add_row(r["category"], r["model"], "—" if r["mase"] is None else f"{r['mase']:.3f}", f"{r['mae']:.2f}",
                      str(r["n_origins"]), "yes" if r["beats_seasonal_naive"] else "no",
                      "✓" if r["model"] == r["best_model"] else "")
        out.print(t)
    else:
        out.print(f"  back-test: {fc.get('backtest', {}).get('reason')}", highlight=False)
    t = Table(title="Forecast requests per week (all categories)")
    t.add_column("week")
    t.add_column("forecast", justify="right")
    for r in fc["total_by_week"]:
        t.add_row(r["week"][:10], f"{r['forecast']:,.1f}")
    out.print(t)


# --------------------------------------------------------------------------------------------- plan

def _weekdays(spec: str) -> list[int]:
    spec = spec.strip().lower()
    try:
        if "-" in spec and "," not in spec:
            a, b = (DAYS[x.strip()[:3]] for x in spec.split("-"))
            return list(range(a, b + 1)) if a <= b else list(range(a, 7)) + list(range(0, b + 1))
        return [DAYS[x.strip()[:3]] for x in spec.split(",") if x.strip()]
    except KeyError:
        raise ServiceCliError(f"--weekdays {spec!r} is not a list of days; use e.g. Mon-Fri or Mon,Wed,Sat") from None


@service_app.command("plan")
@_guard
def plan_cmd(db: Path = DB_OPT, horizon: int = typer.Option(8, "--horizon", help="Weeks ahead (1–52)."),
             interval_minutes: int = typer.Option(30, "--interval-minutes", help="Interval length, minutes."),
             aht_seconds: Optional[float] = typer.Option(
                 None, "--aht-seconds", help="AHT in seconds when the contacts carry no handle_time_s."),
             target: float = typer.Option(0.8, "--target", help="Target service level (share)."),
             answer_seconds: float = typer.Option(20, "--answer-seconds", help="Answer-time target, seconds."),
             shrinkage: float = typer.Option(0.3, "--shrinkage", help="Share of paid time off the phones (0–1)."),
             profile: str = typer.Option("history", "--profile",
                                         help="history: weekday × interval shares from the data; flat: even over the opening hours."),
             open_at: str = typer.Option("08:00", "--open", help="Opening time (flat profile, day-level data)."),
             close_at: str = typer.Option("17:00", "--close", help="Closing time."),
             weekdays: str = typer.Option("Mon-Fri", "--weekdays", help="Opening days, e.g. Mon-Fri."),
             cost_per_contact: Optional[float] = typer.Option(None, "--cost-per-contact", help="Budget what-if: cost per contact."),
             hourly_rate: Optional[float] = typer.Option(None, "--hourly-rate", help="Budget what-if: loaded cost per staff hour."),
             source: Optional[list[str]] = typer.Option(None, "--source", help="Only this source (repeatable)."),
             as_json: bool = JSON_OPT,
             write_tables: bool = typer.Option(False, "--write-tables",
                                               help="Also store the forecast, back-test and staffing-plan tables.")) -> None:
    """Staffing from the forecast: weekly forecast → calls per interval → Erlang C staff, plus a budget what-if."""
    if profile not in ("history", "flat"):
        raise ServiceCliError(f"--profile must be history or flat, got {profile!r}")
    hours = {"weekdays": _weekdays(weekdays), "open": open_at, "close": close_at}
    rep = _plan(db, write_tables, as_json, "no plan possible", horizon=horizon, interval_minutes=interval_minutes,
                aht_seconds=aht_seconds, target=target, answer_seconds=answer_seconds, shrinkage=shrinkage,
                profile=profile, opening_hours=hours, cost_per_contact=cost_per_contact,
                hourly_loaded_rate=hourly_rate, sources=source or None)
    if rep is None:
        return
    st = rep["staffing"]
    out.print(f"[bold]Staffing plan[/] — {rep['forecast']['horizon_weeks']} weeks, {st['interval_minutes']}-minute "
              f"intervals, AHT {st['aht_seconds']:.0f} s ({st['aht_source']}), target {st['target_service_level']:.0%} "
              f"in {st['answer_seconds']:g} s, shrinkage {st['shrinkage']:.0%}", highlight=False)
    out.print(f"  distribution: {rep['distribution']['assumption']}", highlight=False)
    t = Table(title="Per week")
    for col in ("week", "calls", "peak agents", "peak scheduled", "scheduled staff-hours"):
        t.add_column(col, justify="left" if col == "week" else "right")
    for r in st["by_week"]:
        t.add_row(r["week"][:10], f"{r['calls']:,.1f}", str(r["peak_agents"]), str(r["peak_scheduled_staff"]),
                  f"{r['scheduled_staff_hours']:,.1f}")
    out.print(t)
    if st.get("low_volume_note"):
        out.print(f"  note: {st['low_volume_note']}", highlight=False)
    b = rep["budget"]
    if b.get("available"):
        if "contacts" in b:
            out.print(f"  contact cost: {b['contacts']['forecast_contacts']:,.0f} contacts × "
                      f"{b['contacts']['cost_per_contact']:,.2f} = {b['contacts']['cost']:,.2f}", highlight=False)
        if b.get("staff", {}).get("cost") is not None:
            out.print(f"  staff cost: {b['staff']['scheduled_staff_hours']:,.1f} h × {b['staff']['hourly_loaded_rate']:,.2f}"
                      f" = {b['staff']['cost']:,.2f} ({b['staff']['note']})", highlight=False)
    else:
        out.print(f"  budget: {b.get('reason')}", highlight=False)
    cc = rep["contact_centre"]
    for k in ("service_level", "asa", "abandonment", "aht"):
        v = cc.get(k) or {}
        if v.get("available"):
            val = v.get("service_level", v.get("asa_seconds", v.get("abandonment_rate", v.get("aht_seconds"))))
            out.print(f"  {k}: {val:,.3f}", highlight=False)
        else:
            out.print(f"  {k}: not available — {v.get('reason', cc.get('reason'))}", highlight=False)
