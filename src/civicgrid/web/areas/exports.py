"""Exports: CSV of every registered table, PNG/SVG of every registered chart — each one audited.

The export route needs the ``export`` permission *and* the permission of the table or chart, and
rebuilds it from the same query parameters as the page, so it contains exactly what was shown
(long on-screen tables are truncated for reading; their CSV holds every row).
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from civicgrid.web.context import audit_event
from civicgrid.web.guard import Forbidden, can
from civicgrid.web.registry import CHARTS, TABLES

router = APIRouter()


def _filename(name: str, request: Request, ext: str) -> str:
    build = request.app.state.wh.last_build() or {}
    stamp = re.sub(r"[^0-9A-Za-z-]", "", str(build.get("build_id") or ""))[:22]
    return f"civicgrid-{name}{'-' + stamp if stamp else ''}.{ext}"


def _params(request: Request) -> dict:
    return {k: v for k, v in request.query_params.items() if k != "csrf_token"}


@router.get("/export/{name}.csv", name="export_csv", include_in_schema=False)
def export_csv(request: Request, name: str):
    spec = TABLES.get(name)
    if spec is None:
        return Response(f"no table named {name!r}", status_code=404, media_type="text/plain")
    if not can(request, spec.permission):
        raise Forbidden(spec.permission)
    df = spec.build(request)
    body = df.to_csv(index=False)
    if (request.app.state.wh.last_build() or {}).get("synthetic"):
        body = "# SYNTHETIC DEMO DATA - not real records\n" + body
    audit_event(request, "export.csv", "table", name, {"rows": len(df), "params": _params(request)})
    fname = _filename(name, request, "csv")
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{fname}"'})


@router.get("/export/chart/{name}.{fmt}", name="export_chart", include_in_schema=False)
def export_chart(request: Request, name: str, fmt: str):
    spec = CHARTS.get(name)
    if spec is None or fmt not in ("png", "svg"):
        return Response(f"no chart {name!r} as {fmt!r} (png or svg)", status_code=404, media_type="text/plain")
    if not can(request, spec.permission):
        raise Forbidden(spec.permission)
    vl = spec.build(request)
    if vl is None:
        return Response("this chart has no data", status_code=404, media_type="text/plain")
    if (request.app.state.wh.last_build() or {}).get("synthetic"):
        title = vl.get("title") or spec.title
        vl = {**vl, "title": {"text": title if isinstance(title, str) else spec.title,
                              "subtitle": "SYNTHETIC DEMO DATA - not real records"}}
    elif "title" not in vl:
        vl = {**vl, "title": spec.title}
    from civicgrid.web.charts import render as render_chart

    data = render_chart(vl, fmt)
    audit_event(request, f"export.{fmt}", "chart", name, {"params": _params(request)})
    media = "image/png" if fmt == "png" else "image/svg+xml"
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{_filename(name, request, fmt)}"'})
