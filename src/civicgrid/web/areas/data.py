"""Data page: sources, freshness (as-of dates, stale warnings), quarantine, match rates, last builds."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from civicgrid.warehouse.status import warehouse_status
from civicgrid.web import charts
from civicgrid.web.context import audit_event, wh
from civicgrid.web.guard import can
from civicgrid.web.registry import chart, chart_view, table, table_view
from civicgrid.web.templating import render

router = APIRouter()


def status(request: Request) -> dict:
    """``warehouse_status`` of the build being served, plus freshness per source (memoised per build)."""
    handle = wh(request)
    stale_days = request.app.state.settings.stale_after_days

    def compute(con):
        st = warehouse_status(handle.path)
        fresh = {}
        try:  # the refresh module's definition (new rows vs expected cadence, failing pulls), when present
            from civicgrid.refresh.freshness import source_freshness

            fresh = source_freshness(con, handle.path)
        except Exception:  # noqa: BLE001 - older installs without civicgrid.refresh: as-of dates only
            fresh = {}
        now = datetime.now(timezone.utc)
        for s in st["sources"]:
            f = fresh.get(s["name"], {})
            as_of = datetime.fromisoformat(s["as_of"]) if s.get("as_of") else None
            if as_of is not None and as_of.tzinfo is None:
                as_of = as_of.replace(tzinfo=timezone.utc)
            age = (now - as_of).total_seconds() / 86400 if as_of else None
            state = f.get("state", "unknown")
            cadence = f.get("expected_cadence_days")
            if state == "unknown" and age is not None and age > stale_days:
                state = "stale"
            s.update(freshness=state, data_age_days=None if age is None else round(age, 1),
                     expected_cadence_days=cadence, last_new_rows_at=f.get("last_new_rows_at"),
                     pull_error=f.get("pull_error"))
        return st
    return handle.memo(("data_status",), compute)


@table("data_sources", "Sources and freshness", "data.view")
def sources_table(request: Request) -> pd.DataFrame:
    rows = [{"source": s["name"], "department": s["department"], "kind": s["kind"], "rows": s["rows_current"],
             "as_of": (s.get("as_of") or "")[:10] or None, "data_age_days": s.get("data_age_days"),
             "freshness": s.get("freshness"), "expected_cadence_days": s.get("expected_cadence_days"),
             "last_load": max((f["finished_at"] or "" for f in s["files"]), default="")[:16] or None,
             "status": s["status"], "quarantined": s["rows_quarantined_total"],
             "linked_share": s.get("linked_share"),
             "invariant_ok": all(f["invariant_ok"] for f in s["files"])}
            for s in status(request)["sources"]]
    return pd.DataFrame(rows, columns=["source", "department", "kind", "rows", "as_of", "data_age_days", "freshness",
                                       "expected_cadence_days", "last_load", "status", "quarantined",
                                       "linked_share", "invariant_ok"])


@table("data_quarantine_reasons", "Quarantine by reason", "data.view")
def quarantine_table(request: Request) -> pd.DataFrame:
    return pd.DataFrame(status(request)["quarantine_by_reason"], columns=["source", "reason", "rows"])


@table("data_match_rates", "Linkage match rates (share of each source's records)", "data.view")
def match_table(request: Request) -> pd.DataFrame:
    if "link_summary" not in wh(request).tables():
        return pd.DataFrame(columns=["source", "match_type", "records", "share"])
    return wh(request).memo(("match_rates",), lambda con: con.execute(
        "SELECT source, match_type, records, round(share, 4) AS share FROM link_summary "
        "ORDER BY source, records DESC").df())


@table("data_builds", "Last builds", "data.view")
def builds_table(request: Request) -> pd.DataFrame:
    return wh(request).memo(("builds",), lambda con: con.execute(
        "SELECT build_id, status, city, synthetic, started_at, finished_at, files_read, rows_read, rows_loaded, "
        "rows_quarantined, rows_duplicate, message FROM builds ORDER BY started_at DESC LIMIT 20").df())


@table("data_quarantine_rows", "Quarantined rows", "data.view")
def quarantine_rows(request: Request) -> pd.DataFrame:
    source = request.query_params.get("source") or None
    sql = ("SELECT * FROM (SELECT row_number() OVER (ORDER BY source, file, line) AS id, source, file, line, reason "
           "FROM quarantine) " + ("WHERE source = ? " if source else "") + "ORDER BY id LIMIT 1000")
    with wh(request).cursor() as con:
        return con.execute(sql, [source] if source else []).df()


@chart("data_rows_by_source", "Rows per source", "data.view")
def rows_chart(request: Request):
    df = sources_table(request)[["source", "rows", "department"]]
    return charts.bars(df, "source", "rows", value_title="rows now in the warehouse", color="department",
                       description="Bar chart of rows currently loaded per source")


@router.get("/data", response_class=HTMLResponse, name="data_page", include_in_schema=False)
def data_page(request: Request):
    st = status(request)
    stale = [s for s in st["sources"] if s.get("freshness") in ("stale", "failing")]
    return render(request, "data.html", st=st, stale=stale,
                  sources=table_view(request, "data_sources"),
                  reasons=table_view(request, "data_quarantine_reasons", limit=50),
                  match=table_view(request, "data_match_rates"),
                  builds=table_view(request, "data_builds"),
                  rows_chart=chart_view(request, "data_rows_by_source"))


@router.get("/data/quarantine", response_class=HTMLResponse, name="data_quarantine", include_in_schema=False)
def data_quarantine(request: Request):
    links = {"id": "/data/quarantine/"} if can(request, "data.quarantine_raw") else None
    return render(request, "quarantine.html", rows=table_view(request, "data_quarantine_rows", limit=200, links=links),
                  sources=[s["name"] for s in status(request)["sources"]],
                  source=request.query_params.get("source") or "")


@router.get("/data/quarantine/{row_id}", response_class=HTMLResponse, name="data_quarantine_row",
            include_in_schema=False)
def data_quarantine_row(request: Request, row_id: int):
    with wh(request).cursor() as con:
        cur = con.execute("SELECT * FROM (SELECT row_number() OVER (ORDER BY source, file, line) AS id, * "
                          "FROM quarantine) WHERE id = ?", [row_id])
        r = cur.fetchone()
        cols = [d[0] for d in cur.description]
    if r is None:
        return render(request, "message.html", status_code=404, title="Not found",
                      message=f"No quarantined row {row_id}.")
    audit_event(request, "quarantine.view", "quarantine", str(row_id))
    return render(request, "quarantine_row.html", rec=dict(zip(cols, r)))
