"""Workforce page: the sections of ``workforce_report`` (already privacy-safe: groups under 5 people
suppressed, no names or tokens) and its PDF summary (an audited export)."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from civicgrid.web import charts
from civicgrid.web.context import audit_event, wh
from civicgrid.web.registry import chart, chart_view, table, table_view
from civicgrid.web.templating import render

router = APIRouter()
W = "workforce.view"
ACT_20 = ("The resident (\"hometown\") hire rate is a voluntary goal, never a screening criterion. In Wisconsin, "
          "2013 Act 20 (Wis. Stat. 66.0502) bars most municipalities from requiring employees to live in the city; "
          "elsewhere, check state law and labour agreements.")


def report_for(handle) -> dict:
    """The workforce report of the build being served."""
    from civicgrid.workforce import workforce_report

    def compute(con):
        r = workforce_report(con)
        r.pop("_frames", None)
        return r
    return handle.memo(("workforce_report",), compute)


def report(request: Request) -> dict:
    return report_for(wh(request))


def _rows(obj) -> pd.DataFrame:
    return pd.DataFrame(obj if isinstance(obj, list) else [])


def _reg(name: str, title: str, fn):
    table(name, title, W)(lambda request: fn(report(request)))


_reg("workforce_turnover_city", "Headcount, hires, separations and turnover by year",
     lambda r: _rows(r.get("turnover", {}).get("city")))
_reg("workforce_turnover_department", "Turnover by department, all periods pooled",
     lambda r: _rows(r.get("turnover", {}).get("department_all_periods")))
_reg("workforce_turnover_job_class", "Turnover by job class, all periods pooled",
     lambda r: _rows(r.get("turnover", {}).get("job_class_all_periods")))
_reg("workforce_retention", "Retention: median tenure by group (Kaplan–Meier)",
     lambda r: pd.DataFrame([{"grouping": k, **g} for k, v in (r.get("retention", {}).get("groupings") or {}).items()
                             for g in (v.get("groups") or [])]))
_reg("workforce_representation", "Representation index by EEO-4 category, race/ethnicity and sex",
     lambda r: _rows(r.get("representation", {}).get("table")))
_reg("workforce_four_fifths", "Selection rates and the four-fifths rule",
     lambda r: pd.DataFrame([{"group_by": k, **g} for k in ("race", "sex")
                             for g in ((r.get("representation", {}).get("four_fifths") or {}).get(k, {}).get("groups") or [])]))
_reg("workforce_time_to_fill", "Time to fill by job class (days)",
     lambda r: _rows(r.get("hiring", {}).get("time_to_fill", {}).get("by_job_class")))
_reg("workforce_time_to_hire", "Time to hire by job class (days)",
     lambda r: _rows(r.get("hiring", {}).get("time_to_hire", {}).get("by_job_class")))
_reg("workforce_vacancy", "Vacancy rate by department",
     lambda r: _rows(r.get("hiring", {}).get("vacancy_rate", {}).get("by_department")))
_reg("workforce_hard_to_fill", "Hard-to-fill job classes", lambda r: _rows(r.get("hard_to_fill", {}).get("classes")))


@chart("workforce_turnover_chart", "Turnover and first-year turnover by year", W)
def turnover_chart(request: Request):
    df = _rows(report(request).get("turnover", {}).get("city"))
    if df.empty:
        return None
    long = df.melt(id_vars=["year"], value_vars=["turnover", "first_year_turnover"], var_name="measure",
                   value_name="share").dropna()
    long["year"] = long["year"].astype(str)
    return charts.line(long, "year", "share", "measure", temporal=False, y_title="share (0–1)",
                       description="Turnover and first-year turnover per year")


@chart("workforce_retention_chart", "Share still employed, years after hire (Kaplan–Meier)", W)
def retention_chart(request: Request):
    df = _rows(report(request).get("retention", {}).get("curves"))
    if df.empty:
        return None
    df = df[(df["group_by"] == "all") & ~df["suppressed"].astype(bool)]
    return charts.line(df, "t_years", "survival", "group_name", temporal=False, y_title="share still employed")


@router.get("/workforce", response_class=HTMLResponse, name="workforce_page", include_in_schema=False)
def workforce_page(request: Request):
    r = report(request)
    names = ["workforce_turnover_city", "workforce_turnover_department", "workforce_retention",
             "workforce_representation", "workforce_four_fifths", "workforce_time_to_fill", "workforce_time_to_hire",
             "workforce_vacancy", "workforce_hard_to_fill", "workforce_turnover_job_class"]
    return render(request, "workforce.html", r=r, act20=ACT_20,
                  t={n: table_view(request, n, limit=60) for n in names},
                  turnover=chart_view(request, "workforce_turnover_chart"),
                  retention=chart_view(request, "workforce_retention_chart"))


@router.get("/workforce/report.pdf", name="workforce_pdf", include_in_schema=False)
def workforce_pdf(request: Request):
    from civicgrid.reports.workforce_pdf import render_workforce_html
    from weasyprint import HTML

    pdf = HTML(string=render_workforce_html(report(request))).write_pdf()
    audit_event(request, "export.pdf", "report", "workforce")
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="civicgrid-workforce.pdf"'})
