"""JSON API under ``/api/v1`` — the same data and the same permissions as the pages.

Sign in through ``/login`` (session cookie); POST requests need the ``X-CSRF-Token`` header (the
token is in ``GET /api/v1/me``). Privacy rules carry over: staff-level figures need ``service.staff``,
low-rated requests ``service.comments``, police narratives ``police.narratives``; property profiles
and table reads are audited.

Every route declares its answers (``api_models``): the 200 body, the errors it can give, and the
:data:`~civicgrid.web.areas.api_models.COMMON_ERRORS` every route shares; ``tests/web/test_schemathesis.py``
holds the routes to those declarations.
"""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from civicgrid.web import audit, users
from civicgrid.web.areas import integration_data as D
from civicgrid.web.areas import profile_data as P
from civicgrid.web.areas import service_plan as SP
from civicgrid.web.areas import service_tables as ST
from civicgrid.web.areas.api_models import (COMMON_ERRORS, MAX_ID, MAX_OFFSET, Account, AuditPage, LinkDecisionIn,
                                            LinkDecisionOut, Me, Problem, PropertyPage, ReviewGroup,
                                            TableRef, TableRows, errors, ok)
from civicgrid.service.staffing import StaffingResult  # the Erlang C result itself is the response model
from civicgrid.web.areas.data import status as data_status
from civicgrid.web.areas.review import queue, record_decision
from civicgrid.web.context import app_db, audit_event, wh
from civicgrid.web.guard import Forbidden, can, current_user
from civicgrid.web.registry import TABLES, frame_rows

router = APIRouter(prefix="/api/v1", tags=["civicgrid"], responses=COMMON_ERRORS)
OBJECT = dict[str, Any]


def _records(df) -> list[dict]:
    cols = [str(c) for c in df.columns]
    return [dict(zip(cols, r)) for r in frame_rows(df)]


def _default(v):
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    if isinstance(v, (set, frozenset)):
        return sorted(v)
    return str(v)


class FastJSON(Response):
    """JSON without FastAPI's generic encoder (much faster for big tables); NaN must already be None."""

    media_type = "application/json"

    def render(self, content) -> bytes:
        return json.dumps(content, default=_default, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _fast(obj) -> FastJSON:
    return FastJSON(_clean(obj))


def _clean(obj):
    if isinstance(obj, float) and (math.isnan(obj) or math.isinf(obj)):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


@router.get("/me", name="api_me", responses=ok(Me))
def api_me(request: Request):
    """The signed-in user, role, permissions and the CSRF token for POST requests."""
    from civicgrid.web.permissions import ROLE_PERMISSIONS

    acc = current_user(request)
    return {"username": acc.username, "role": acc.role, "permissions": sorted(ROLE_PERMISSIONS.get(acc.role, ())),
            "csrf_token": request.state.session.csrf, "build": wh(request).last_build()}


@router.get("/status", name="api_status", responses=ok(OBJECT))
def api_status(request: Request):
    """Sources, freshness, quarantine counts, match rates and the last build (the Data page)."""
    return _clean(data_status(request))


@router.get("/properties", name="api_properties", responses={**ok(PropertyPage), **errors(422)})
def api_properties(request: Request, department: str | None = None, neighborhood: str | None = None,
                   window: int = Query(365, ge=1, le=3650), flag: str | None = None,
                   limit: int = Query(100, ge=1, le=10000), offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    """Ranked properties: by the integration scores when the build has them, else the interim ranking
    (departments, then records, in the window)."""
    df, summary = D.ranked(wh(request), D.Filters.from_query(request.query_params))
    return _fast({"as_of": summary["as_of"], "excluded_records": summary["excluded"], "total": len(df),
                  "properties": _records(df.iloc[offset:offset + limit])})


@router.get("/properties/{parcel_id}", name="api_property", responses={**ok(OBJECT), **errors(404, 422)})
def api_property(request: Request, parcel_id: str, window: int = Query(365, ge=1, le=3650)):
    """A property profile (audited like the page): the integration module's profile when the build has
    scores, else the interim profile. Police detail only with ``police.narratives``."""
    from civicgrid.web.areas.property import _casework, profile

    handle = wh(request)
    spine = P.spine_row(handle, parcel_id)
    prof = profile(request)
    if spine is None and prof is None:
        return JSONResponse({"detail": f"no parcel {parcel_id!r}"}, status_code=404)
    audit_event(request, "property.view", "parcel", parcel_id, {"via": "api"})
    if prof is not None:
        actions, contests = _casework(parcel_id, request)
        return _fast({**prof, "actions": actions, "score_contests": contests})
    tl = P.timeline(handle, parcel_id, can(request, "police.narratives"))
    blk, blk_rows = P.block_activity(handle, spine.get("block_key"), window)
    facts = P.facts(handle, parcel_id, D.parcel_rule(handle))
    owners = sorted(set(facts["owner"].dropna())) if "owner" in facts else []
    return _fast({"parcel": dict(spine), "facts": _records(facts), "timeline": _records(tl),
                   "components": _records(P.components(tl, window, D.as_of(handle))), "block": blk,
                   "block_activity": _records(blk_rows),
                   "owner_parcels": _records(P.owner_parcels(handle, owners, parcel_id))})


@router.get("/review-queue", name="api_review_queue", responses={**ok(list[ReviewGroup]), **errors(422)})
def api_review_queue(request: Request, source: str | None = None, match_type: str | None = None):
    """Links waiting for review, grouped by address (``is_address``: decide with ``address_key``)."""
    return _records(queue(request))


@router.post("/review-decisions", name="api_review_decide",
             responses={**ok(LinkDecisionOut), 400: {"model": Problem, "description": "The body is not JSON"},
                        **errors(422)})
def api_review_decide(request: Request, body: LinkDecisionIn = Body(..., examples=[{
        "decision": "reassign", "address_key": "0 WEBSTER AVE", "parcel_id": "0011E00031000000", "note": "site visit"}])):
    """Record a decision (confirm, reject, reassign) on a record (source + record_id) or an address_key;
    422 when it names no link waiting for review, or both a record and an address."""
    try:
        return record_decision(request, body.model_dump())
    except ValueError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)


@router.get("/service/report", name="api_service_report", responses=ok(OBJECT))
def api_service_report(request: Request):
    """The customer-service report; staff groups and low-rated requests only for roles allowed to see them."""
    r = dict(ST.report(request))
    if not can(request, "service.staff"):
        r["staff"] = {"withheld": "needs the service.staff permission"}
    if not can(request, "service.comments") and isinstance(r.get("feedback"), dict):
        fb = dict(r["feedback"])
        if "low_ratings" in fb:
            fb["low_ratings"] = {"withheld": "needs the service.comments permission"}
        r["feedback"] = fb
    return _fast(r)


@router.get("/service/staff", name="api_service_staff", responses=ok(OBJECT))
def api_service_staff(request: Request):
    """Staff and team distributions (case-mix adjusted; groups under 5 suppressed)."""
    return _clean(ST.report(request).get("staff") or {})


@router.get("/service/cad", name="api_service_cad", responses=ok(OBJECT))
def api_service_cad(request: Request):
    """Police CAD response times; unit and officer groups only with ``service.staff``."""
    r = dict(SP.cad(request))
    if not can(request, "service.staff") and isinstance(r.get("by"), dict):
        r["by"] = {k: (v if k not in ("unit", "officer") else None) for k, v in r["by"].items()}
        r["staff_distribution"] = {"withheld": "needs the service.staff permission"}
    return _clean(r)


@router.get("/service/staffing", name="api_service_staffing", responses={**ok(StaffingResult), **errors(422)})
def api_service_staffing(request: Request,
                         calls: float = Query(100, ge=0, le=1_000_000, allow_inf_nan=False,
                                              description="calls offered per interval"),
                         interval_minutes: float = Query(30, gt=0, le=1440, allow_inf_nan=False),
                         aht_seconds: float = Query(180, gt=0, le=86_400, allow_inf_nan=False,
                                                    description="average handling time"),
                         target: float = Query(80, gt=0, lt=100, allow_inf_nan=False,
                                               description="percent answered within answer_seconds"),
                         answer_seconds: float = Query(20, ge=0, le=86_400, allow_inf_nan=False),
                         shrinkage: float = Query(30, ge=0, lt=100, allow_inf_nan=False, description="percent")):
    """Erlang C: agents for the target service level (GUIDE §5 reference case = the defaults); 422 when
    the inputs give more traffic than the calculator handles."""
    try:
        return SP.calculate(SP.CalcInput(calls, interval_minutes, aht_seconds, target, answer_seconds, shrinkage))
    except ValueError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)


@router.get("/workforce/report", name="api_workforce_report", responses=ok(OBJECT))
def api_workforce_report(request: Request):
    """The hometown-workforce report (groups under 5 people suppressed; no personal data)."""
    from civicgrid.web.areas.workforce import report

    return _fast(report(request))


@router.get("/users", name="api_users", responses=ok(list[Account]))
def api_users(request: Request):
    """Every account, with its role, last sign-in and lockout."""
    return users.list_users(app_db(request))


@router.get("/audit", name="api_audit", responses={**ok(AuditPage), **errors(422)})
def api_audit(request: Request, user: str | None = None,
              action: str | None = Query(None, description="an action or its prefix, e.g. export"),
              limit: int = Query(200, ge=1, le=10000), offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    """The audit log, newest first."""
    rows, total = audit.entries(app_db(request), username=user, action=action, limit=limit, offset=offset)
    return {"total": total, "entries": rows}


@router.get("/tables", name="api_tables", responses=ok(list[TableRef]))
def api_tables(request: Request):
    """Every table the pages show that this user may read (GET /api/v1/tables/{name} for its rows)."""
    return [{"name": t.name, "title": t.title} for t in TABLES.values() if can(request, t.permission)]


@router.get("/tables/{name}", name="api_table", responses={**ok(TableRows), **errors(404, 422)})
def api_table(request: Request, name: str):
    """The rows of one table, built from the same query parameters as its page (audited as an export)."""
    spec = TABLES.get(name)
    if spec is None:
        return JSONResponse({"detail": f"no table {name!r}"}, status_code=404)
    if not can(request, spec.permission):
        raise Forbidden(spec.permission)
    df = spec.build(request)
    audit_event(request, "export.json", "table", name, {"rows": len(df), "params": dict(request.query_params)})
    return _fast({"name": name, "title": spec.title, "rows": _records(df)})


@router.get("/meetings", name="api_meetings", responses={**ok(list[OBJECT]), **errors(501)})
def api_meetings(request: Request):
    """The Integration Team's meetings, newest last."""
    from civicgrid.web.areas.meetings import meetings_api

    ig = meetings_api()
    if ig is None:
        return JSONResponse({"detail": "meetings need the civicgrid.integration module"}, status_code=501)
    return ig.list_meetings(app_db(request))


@router.get("/meetings/{meeting_id}", name="api_meeting", responses={**ok(OBJECT), **errors(404, 422, 501)})
def api_meeting(request: Request, meeting_id: int = Path(ge=1, le=MAX_ID)):
    """One meeting's agenda: items with their case, action items, notes and decisions."""
    from civicgrid.web.areas.meetings import meetings_api

    ig = meetings_api()
    if ig is None:
        return JSONResponse({"detail": "meetings need the civicgrid.integration module"}, status_code=501)
    try:
        return _clean(ig.get_agenda(app_db(request), meeting_id))
    except ValueError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=404)
