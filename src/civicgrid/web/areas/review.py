"""The link review queue and the decide form (``civicgrid.linkage.review``); every decision audited.

A decision is stored in the app-state database and applied by the next build or relink
(docs/linkage.md); the page says so rather than pretending the warehouse changed.
"""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from civicgrid.appstate import DECISIONS
from civicgrid.linkage.review import decide, review_queue
from civicgrid.web.context import app_db, audit_event, form_data, username, wh
from civicgrid.web.registry import table, table_link
from civicgrid.web.templating import render

router = APIRouter()


def _filters(request: Request) -> tuple[str | None, str | None]:
    return request.query_params.get("source") or None, request.query_params.get("match_type") or None


def queue(request: Request, limit: int | None = 200) -> pd.DataFrame:
    from civicgrid.web.areas.integration_data import require_linked

    require_linked(wh(request))
    source, mtype = _filters(request)
    df = wh(request).memo(("review_queue", source, mtype, limit),
                          lambda con: review_queue(con, source=source, match_type=mtype, limit=limit))
    if df.empty:
        return df.assign(is_address=pd.Series(dtype=bool))
    keys = list(df["group_key"].dropna().unique())

    def addr_keys(con):
        if not keys:
            return set()
        return {r[0] for r in con.execute(
            f"SELECT DISTINCT address_key FROM event_links WHERE address_key IN ({', '.join('?' * len(keys))})",
            keys).fetchall()}
    known = wh(request).memo(("review_addr_keys", source, mtype, limit), addr_keys)
    return df.assign(is_address=df["group_key"].isin(known))


@table("integration_review_queue", "Links waiting for review", "integration.review")
def queue_table(request: Request) -> pd.DataFrame:
    return queue(request, limit=None).drop(columns=["is_address"])


def _options(request: Request) -> dict:
    from civicgrid.web.areas.integration_data import require_linked

    require_linked(wh(request))

    def q(con):
        return {"sources": [r[0] for r in con.execute("SELECT DISTINCT source FROM event_links WHERE needs_review "
                                                      "ORDER BY 1").fetchall()],
                "match_types": [r[0] for r in con.execute("SELECT DISTINCT match_type FROM event_links WHERE "
                                                          "needs_review ORDER BY 1").fetchall()],
                "waiting": con.execute("SELECT count(*) FROM event_links WHERE needs_review").fetchone()[0]}
    return wh(request).memo(("review_options",), q)


@router.get("/integration/review", response_class=HTMLResponse, name="integration_review", include_in_schema=False)
def integration_review(request: Request):
    from civicgrid.web.areas.integration import SUBNAV

    df = queue(request)
    source, mtype = _filters(request)
    return render(request, "review.html", rows=df.to_dict("records"), opts=_options(request), source=source or "",
                  match_type=mtype or "", decisions=DECISIONS, subnav=SUBNAV, done=request.query_params.get("done"),
                  export=table_link(request, "integration_review_queue"))


def record_decision(request: Request, form: dict) -> dict:
    """Validate and store one decision from a form or JSON body; returns the stored decision."""
    decision = str(form.get("decision") or "")
    address_key = (form.get("address_key") or None)
    source, record_id = form.get("source") or None, form.get("record_id") or None
    parcel = (str(form.get("parcel_id") or "").strip() or None)
    note = (str(form.get("note") or "").strip()[:2000] or None)
    with wh(request).cursor() as con:
        row = decide(app_db(request), decision, decided_by=username(request) or "unknown",
                     source=None if address_key else source, record_id=None if address_key else record_id,
                     address_key=address_key, parcel_id=parcel, note=note, db=con)
    audit_event(request, "link.decide", "address" if address_key else "record",
                address_key or f"{source}:{record_id}", {"decision": decision, "parcel_id": row.get("parcel_id"),
                                                         "note": note, "decision_id": row.get("id")})
    return row


@router.post("/integration/review/decide", response_class=HTMLResponse, name="integration_decide",
             include_in_schema=False)
def integration_decide(request: Request):
    form = form_data(request)
    try:
        row = record_decision(request, form)
    except ValueError as exc:
        if request.headers.get("hx-request"):
            return HTMLResponse(f'<p class="error" role="alert">{_esc(str(exc))}</p>', status_code=422)
        return render(request, "message.html", status_code=422, title="Decision not recorded", message=str(exc))
    target = row.get("address_key") or f"{row.get('source')}:{row.get('record_id')}"
    if request.headers.get("hx-request"):
        return HTMLResponse(
            f'<p class="ok" role="status">Recorded: {_esc(row["decision"])} {_esc(target)}'
            f'{" → " + _esc(row["parcel_id"]) if row.get("parcel_id") else ""} by {_esc(row["decided_by"])}. '
            f'It applies at the next build.</p>')
    from urllib.parse import quote

    return RedirectResponse(f"/integration/review?done={quote(row['decision'] + ' ' + target)}", status_code=303)


def _esc(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
