"""Open311 GeoReport v2 read endpoints over the ``service_request`` and ``interaction`` rows of ``events``.

``GET /open311/v2/services.json``, ``GET /open311/v2/requests.json`` and
``GET /open311/v2/requests/{id}.json`` (http://wiki.open311.org/GeoReport_v2). Fields map from the
warehouse: service_code = ``service_code``, else ``type_code``, else ``category``;
service_request_id = ``record_id``; requested/updated/expected datetime = ``opened_at`` /
``updated_at`` / ``due_at``; status is ``closed`` when ``closed_at`` is set or the published status
says closed, resolved, cancelled, completed or duplicate, else ``open``.

Deviation, documented: without dates the window is the 90 days ending at the **latest request in the
warehouse** (warehouses hold exports, often historical), not at the wall clock. A range longer than
90 days is refused (400), as the spec says. ``page`` / ``page_size`` (default 50, at most 1000) page
through the results, newest first. Errors use the spec's shape: ``[{"code": 400, "description": …}]`` —
every invalid parameter, including a ``page`` that is not a whole number in range, is a 400 in that shape
(never FastAPI's 422). Sign-in and permission errors (401, 403) come from the app-wide guard as
``{"detail": …}``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel

from civicgrid.web.areas.api_models import Problem
from civicgrid.web.context import wh

KINDS = "('service_request', 'interaction')"
CODE = "coalesce(service_code, type_code, category)"
CLOSED = ("(closed_at IS NOT NULL OR regexp_matches(lower(coalesce(status, '')), "
          "'closed|resolved|cancel|complete|duplicate'))")
MAX_DAYS = 90
MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 1000
#: whole-number parameters and their ranges, for the 400 a value out of range gets
BOUNDS = {"page": (1, MAX_PAGE), "page_size": (1, MAX_PAGE_SIZE)}


class Open311Error(BaseModel):
    """One error in the GeoReport v2 error format (the response is a list of these)."""

    code: int
    description: str


class Service(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str | None


class ServiceRequest(BaseModel):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str | None
    service_code: str | None
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str | None
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


def _invalid(exc: RequestValidationError) -> str:
    """One sentence naming the first invalid parameter and what it must be."""
    err = exc.errors()[0]
    name = str(err.get("loc", ["parameter"])[-1])
    if name in BOUNDS:
        lo, hi = BOUNDS[name]
        return f"{name} must be a whole number from {lo:,} to {hi:,}, not {err.get('input')!r}"
    return f"{name} is invalid: {err.get('msg', 'unexpected value')}"


class SpecErrorRoute(APIRoute):
    """An Open311 route whose invalid parameters get a 400 in the spec's error format, not FastAPI's 422."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def route(request: Request):
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return _err(400, _invalid(exc))

        return route


ERRORS = list[Open311Error]
#: "4XX" covers the guard's 401/403 and a build without ``events`` (409); it also keeps FastAPI's 422 out
GUARD_ERRORS = {"4XX": {"model": Problem, "description": "Not signed in (401), role not allowed (403), or the "
                                                         "build lacks the events table (409)"},
                503: {"model": Problem, "description": "The warehouse is not available"}}

router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"], route_class=SpecErrorRoute,
                   responses=GUARD_ERRORS)


def _err(code: int, text: str) -> JSONResponse:
    return JSONResponse([{"code": code, "description": text}], status_code=code)


def _iso(v) -> str | None:
    return None if v is None else v.astimezone(timezone.utc).isoformat(timespec="seconds")


def _date(text: str | None, name: str) -> datetime:
    try:
        d = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise ValueError(f"{name} must be an ISO 8601 date or datetime (e.g. 2017-12-27T00:00:00Z), not {text!r}") from None
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


def _row(r: dict) -> dict:
    return {"service_request_id": r["record_id"], "status": "closed" if r["closed"] else "open",
            "status_notes": r["status"], "service_name": r["service_name"], "service_code": r["code"],
            "description": r["description"], "agency_responsible": r["agency_responsible"], "service_notice": None,
            "requested_datetime": _iso(r["opened_at"]), "updated_datetime": _iso(r["updated_at"] or r["closed_at"]),
            "expected_datetime": _iso(r["due_at"]), "address": r["address"], "address_id": None,
            "zipcode": r["zip"], "lat": r["lat"], "long": r["lon"], "media_url": None}


SELECT = (f"SELECT record_id, {CODE} AS code, coalesce(category, type_code, service_code) AS service_name, status, "
          f"{CLOSED} AS closed, description, agency_responsible, opened_at, updated_at, closed_at, due_at, address, "
          f"zip, lat, lon FROM events WHERE kind IN {KINDS}")


def _fetch(request: Request, sql: str, args: list) -> list[dict]:
    with wh(request).cursor() as con:
        cur = con.execute(sql, args)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


@router.get("/services.json", name="open311_services", responses={200: {"model": list[Service]}})
def open311_services(request: Request):
    """Service types (request types) with their request counts in ``keywords``-free GeoReport form."""
    def q(con):
        return con.execute(f"""SELECT {CODE} AS code, mode(coalesce(category, type_code, service_code)) AS name,
                                      coalesce(mode(agency_responsible), mode(department)) AS grp, count(*) AS n
                               FROM events WHERE kind IN {KINDS} AND {CODE} IS NOT NULL GROUP BY 1 ORDER BY 1""").fetchall()
    rows = wh(request).memo(("open311_services",), q)
    return [{"service_code": code, "service_name": name, "description": f"{n:,} requests in the warehouse",
             "metadata": False, "type": "batch", "keywords": "", "group": grp} for code, name, grp, n in rows]


def _list(text: str, name: str, what: str) -> list[str]:
    """The comma-separated values of a list parameter that was given (ValueError when it names none)."""
    items = [s.strip() for s in text.split(",") if s.strip()]
    if not items:
        raise ValueError(f"{name} must list one or more {what}, separated by commas, not {text!r}")
    return items


def _window(request: Request, start_date: str | None, end_date: str | None):
    """``(start, end)`` of requested_datetime: the dates given, one date and the ``MAX_DAYS`` beside it, or
    the ``MAX_DAYS`` up to the latest request; ``(None, None)`` when there are no requests. ValueError when
    a date or the range is invalid."""
    end = _date(end_date, "end_date") if end_date else None
    start = _date(start_date, "start_date") if start_date else None
    if start is None and end is None:
        end = wh(request).memo(("open311_latest",), lambda con: con.execute(
            f"SELECT max(opened_at) FROM events WHERE kind IN {KINDS}").fetchone()[0])
        if end is None:
            return None, None
    try:
        if end is None:
            end = start + timedelta(days=MAX_DAYS)
        elif start is None:
            start = end - timedelta(days=MAX_DAYS)
    except OverflowError:
        name = "start_date" if end is None else "end_date"
        raise ValueError(f"{name} is too near the end of the calendar to count {MAX_DAYS} days from; "
                         "give both start_date and end_date") from None
    if end < start:
        raise ValueError("end_date is before start_date")
    if end - start > timedelta(days=MAX_DAYS):
        raise ValueError(f"the date range may not span more than {MAX_DAYS} days")
    return start, end


@router.get("/requests.json", name="open311_requests",
            responses={200: {"model": list[ServiceRequest]},
                       400: {"model": ERRORS, "description": "A parameter is invalid (the spec's error format)"}})
def open311_requests(request: Request,
                     service_request_id: str | None = Query(None, description="comma-separated request ids"),
                     service_code: str | None = Query(None, description="comma-separated service codes"),
                     start_date: str | None = Query(None, description="ISO 8601; earliest requested_datetime"),
                     end_date: str | None = Query(None, description="ISO 8601; latest requested_datetime"),
                     status: str | None = Query(None, description="open, closed, or both comma-separated"),
                     page: int = Query(1, ge=1, le=MAX_PAGE),
                     page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE)):
    """Service requests, newest first. With ``service_request_id`` the other filters are ignored (spec)."""
    try:
        return _requests(request, service_request_id, service_code, start_date, end_date, status, page, page_size)
    except ValueError as exc:
        return _err(400, str(exc))


def _requests(request: Request, service_request_id, service_code, start_date, end_date, status, page: int,
              page_size: int) -> list[dict]:
    if service_request_id:
        ids = _list(service_request_id, "service_request_id", "request ids")
        rows = _fetch(request, f"{SELECT} AND record_id IN ({', '.join('?' * len(ids))}) "
                               f"ORDER BY opened_at DESC NULLS LAST, record_id", ids)
        return [_row(r) for r in rows]
    where, args = [], []
    start, end = _window(request, start_date, end_date)
    if start is not None:
        where.append("opened_at BETWEEN ? AND ?")
        args += [start, end]
    if service_code:
        codes = _list(service_code, "service_code", "service codes")
        where.append(f"{CODE} IN ({', '.join('?' * len(codes))})")
        args += codes
    if status:
        wanted = {s.lower() for s in _list(status, "status", "of open and closed")}
        if not wanted <= {"open", "closed"}:
            raise ValueError(f"status must be open, closed or both, not {status!r}")
        if wanted == {"open"}:
            where.append(f"NOT {CLOSED}")
        elif wanted == {"closed"}:
            where.append(CLOSED)
    cond = "".join(f" AND {w}" for w in where)
    rows = _fetch(request, f"{SELECT}{cond} ORDER BY opened_at DESC NULLS LAST, record_id "
                           f"LIMIT {int(page_size)} OFFSET {(int(page) - 1) * int(page_size)}", args)
    return [_row(r) for r in rows]


@router.get("/requests/{request_id}.json", name="open311_request",
            responses={200: {"model": list[ServiceRequest], "description": "A list with the one request"},
                       404: {"model": ERRORS, "description": "No such request (the spec's error format)"}})
def open311_request(request: Request, request_id: str):
    """One service request (a list with one element, as the spec returns)."""
    rows = _fetch(request, f"{SELECT} AND record_id = ? ORDER BY source", [request_id])
    if not rows:
        return _err(404, f"no service request {request_id!r}")
    return [_row(rows[0])]
