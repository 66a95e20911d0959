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
through the results, newest first. Errors use the spec's shape: ``[{"code": 400, "description": …}]``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from civicgrid.web.context import wh

router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"])
KINDS = "('service_request', 'interaction')"
CODE = "coalesce(service_code, type_code, category)"
CLOSED = ("(closed_at IS NOT NULL OR regexp_matches(lower(coalesce(status, '')), "
          "'closed|resolved|cancel|complete|duplicate'))")
MAX_DAYS = 90


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


SELECT = (f"SELECT record_id, {CODE} AS code, coalesce(type_code, category, service_code) AS service_name, status, "
          f"{CLOSED} AS closed, description, agency_responsible, opened_at, updated_at, closed_at, due_at, address, "
          f"zip, lat, lon FROM events WHERE kind IN {KINDS}")


def _fetch(request: Request, sql: str, args: list) -> list[dict]:
    with wh(request).cursor() as con:
        cur = con.execute(sql, args)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


@router.get("/services.json", name="open311_services")
def open311_services(request: Request):
    """Service types (request types) with their request counts in ``keywords``-free GeoReport form."""
    def q(con):
        return con.execute(f"""SELECT {CODE} AS code, mode(coalesce(type_code, category, service_code)) AS name,
                                      mode(category) AS grp, count(*) AS n
                               FROM events WHERE kind IN {KINDS} AND {CODE} IS NOT NULL GROUP BY 1 ORDER BY 1""").fetchall()
    rows = wh(request).memo(("open311_services",), q)
    return [{"service_code": code, "service_name": name, "description": f"{n:,} requests in the warehouse",
             "metadata": False, "type": "batch", "keywords": "", "group": grp} for code, name, grp, n in rows]


@router.get("/requests.json", name="open311_requests")
def open311_requests(request: Request,
                     service_request_id: str | None = Query(None, description="comma-separated request ids"),
                     service_code: str | None = Query(None, description="comma-separated service codes"),
                     start_date: str | None = Query(None, description="ISO 8601; earliest requested_datetime"),
                     end_date: str | None = Query(None, description="ISO 8601; latest requested_datetime"),
                     status: str | None = Query(None, description="open, closed, or both comma-separated"),
                     page: int = Query(1, ge=1), page_size: int = Query(50, ge=1, le=1000)):
    """Service requests, newest first. With ``service_request_id`` the other filters are ignored (spec)."""
    if service_request_id:
        ids = [s.strip() for s in service_request_id.split(",") if s.strip()]
        rows = _fetch(request, f"{SELECT} AND record_id IN ({', '.join('?' * len(ids))}) "
                               f"ORDER BY opened_at DESC NULLS LAST, record_id", ids)
        return [_row(r) for r in rows]
    where, args = [], []
    try:
        end = _date(end_date, "end_date") if end_date else None
        start = _date(start_date, "start_date") if start_date else None
    except ValueError as exc:
        return _err(400, str(exc))
    if end is None:
        latest = wh(request).memo(("open311_latest",), lambda con: con.execute(
            f"SELECT max(opened_at) FROM events WHERE kind IN {KINDS}").fetchone()[0])
        end = (start + timedelta(days=MAX_DAYS)) if start else latest
    if start is None and end is not None:
        start = end - timedelta(days=MAX_DAYS)
    if start and end:
        if end < start:
            return _err(400, "end_date is before start_date")
        if end - start > timedelta(days=MAX_DAYS):
            return _err(400, f"the date range may not span more than {MAX_DAYS} days")
        where.append("opened_at BETWEEN ? AND ?")
        args += [start, end]
    if service_code:
        codes = [s.strip() for s in service_code.split(",") if s.strip()]
        where.append(f"{CODE} IN ({', '.join('?' * len(codes))})")
        args += codes
    if status:
        wanted = {s.strip().lower() for s in status.split(",") if s.strip()}
        if not wanted <= {"open", "closed"}:
            return _err(400, "status must be open, closed or both")
        if wanted == {"open"}:
            where.append(f"NOT {CLOSED}")
        elif wanted == {"closed"}:
            where.append(CLOSED)
    cond = "".join(f" AND {w}" for w in where)
    rows = _fetch(request, f"{SELECT}{cond} ORDER BY opened_at DESC NULLS LAST, record_id "
                           f"LIMIT {int(page_size)} OFFSET {(int(page) - 1) * int(page_size)}", args)
    return [_row(r) for r in rows]


@router.get("/requests/{request_id}.json", name="open311_request")
def open311_request(request: Request, request_id: str):
    """One service request (a list with one element, as the spec returns)."""
    rows = _fetch(request, f"{SELECT} AND record_id = ? ORDER BY source", [request_id])
    if not rows:
        return _err(404, f"no service request {request_id!r}")
    return [_row(rows[0])]
