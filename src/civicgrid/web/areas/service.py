"""Customer-service pages: overview and trends, time to close and on-time %, backlog, forecasts,
the staffing calculator, staff and teams (distributions), feedback, CAD response times."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from civicgrid.web.areas import service_plan as SP
from civicgrid.web.areas import service_tables as ST
from civicgrid.web.guard import can
from civicgrid.web.registry import chart_view, table_view
from civicgrid.web.templating import render

router = APIRouter()


def subnav(request: Request) -> list[tuple[str, str]]:
    items = [("Overview", "/service"), ("Time to close", "/service/close"), ("Backlog", "/service/backlog"),
             ("Forecast", "/service/forecast"), ("Staffing calculator", "/service/staffing")]
    if can(request, "service.staff"):
        items.append(("Staff and teams", "/service/staff"))
    return items + [("Feedback", "/service/feedback"), ("Police CAD", "/service/cad")]


def _page(request: Request, template: str, current: str, **ctx):
    return render(request, template, subnav=subnav(request), current=current, **ctx)


@router.get("/service", response_class=HTMLResponse, name="service_overview", include_in_schema=False)
def service_overview(request: Request):
    r = ST.report(request)
    return _page(request, "service_overview.html", "/service", r=r,
                 weekly=chart_view(request, "service_weekly"), weekday=chart_view(request, "service_weekday"),
                 hour=chart_view(request, "service_hour"),
                 tables=[table_view(request, n) for n in ("service_volume_category", "service_volume_channel",
                                                          "service_volume_department", "service_transfer_channel",
                                                          "service_anomalies", "service_quality_flags")]
                 + [table_view(request, "service_volume_request_type", limit=50)])


@router.get("/service/close", response_class=HTMLResponse, name="service_close", include_in_schema=False)
def service_close(request: Request):
    r = ST.report(request)
    names = [f"service_{m}_{d}" for m in ("ttc", "ontime") for d in ("service_category", "agency_responsible",
                                                                   "request_type")]
    return _page(request, "service_close.html", "/service/close", r=r,
                 ttc_chart=chart_view(request, "service_ttc_chart"), ontime_chart=chart_view(request, "service_ontime_chart"),
                 tables=[table_view(request, n, limit=60) for n in names])


@router.get("/service/backlog", response_class=HTMLResponse, name="service_backlog", include_in_schema=False)
def service_backlog(request: Request):
    return _page(request, "service_backlog.html", "/service/backlog", r=ST.report(request),
                 main_chart=chart_view(request, "service_backlog_chart"),
                 tables=[table_view(request, "service_backlog_request_type", limit=60),
                         table_view(request, "service_backlog_agency_responsible", limit=60)])


@router.get("/service/forecast", response_class=HTMLResponse, name="service_forecast", include_in_schema=False)
def service_forecast(request: Request):
    p = SP.plan(request)
    return _page(request, "service_forecast.html", "/service/forecast", p=p,
                 main_chart=chart_view(request, "service_forecast_chart"),
                 tables=[table_view(request, n) for n in ("service_backtest", "service_forecast",
                                                          "service_staffing_by_week")])


@router.get("/service/staffing", response_class=HTMLResponse, name="service_staffing", include_in_schema=False)
def service_staffing(request: Request):
    error, result, c = None, None, SP.CalcInput()
    try:
        c = SP.CalcInput.from_query(request.query_params)
        result = SP.calculate(c)
    except ValueError as exc:
        error = str(exc)
    levels = table_view(request, "service_staffing_levels") if result else None
    template = "service_staffing_result.html" if request.headers.get("hx-request") else "service_staffing.html"
    return _page(request, template, "/service/staffing", c=c, result=result, error=error, levels=levels)


@router.get("/service/staff", response_class=HTMLResponse, name="service_staff", include_in_schema=False)
def service_staff(request: Request):
    return _page(request, "service_staff.html", "/service/staff", r=ST.report(request),
                 main_chart=chart_view(request, "service_staff_chart"),
                 tables=[table_view(request, n) for n in ("service_staff_distribution", "service_staff_team",
                                                          "service_staff_agent")])


@router.get("/service/feedback", response_class=HTMLResponse, name="service_feedback", include_in_schema=False)
def service_feedback(request: Request):
    names = ["service_feedback_service_category", "service_feedback_agency_responsible",
             "service_feedback_time_to_close", "service_feedback_request_type", "service_low_ratings"]
    return _page(request, "service_feedback.html", "/service/feedback", r=ST.report(request),
                 main_chart=chart_view(request, "service_csat_chart"),
                 tables=[table_view(request, n, limit=60) for n in names])


@router.get("/service/cad", response_class=HTMLResponse, name="service_cad", include_in_schema=False)
def service_cad(request: Request):
    names = ["service_cad_intervals", "service_cad_call_type", "service_cad_district", "service_cad_beat",
             "service_cad_unit", "service_cad_officer"]
    return _page(request, "service_cad.html", "/service/cad", cad=SP.cad(request),
                 main_chart=chart_view(request, "service_cad_chart"),
                 tables=[table_view(request, n, limit=60) for n in names])
