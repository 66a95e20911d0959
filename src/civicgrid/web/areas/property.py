"""The property profile page (every view audited) and its exportable tables.

With integration scores in the build, the profile is :func:`civicgrid.integration.property_profile`
(facts incl. tax delinquency, city ownership, condemnation and licenses; the owner's other parcels by
name or mailing token; one timeline with block-published police and fire records; the score with its
components; the block and its street), plus the team's action items and score contests from the
app-state database. Police detail (narratives, protected calls) only with ``police.narratives``.
Without scores, the interim profile of :mod:`profile_data` is shown.
"""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from civicgrid.web.areas import integration_data as D
from civicgrid.web.areas import profile_data as P
from civicgrid.web.areas import scores_data as S
from civicgrid.web.context import app_db, audit_event, wh
from civicgrid.web.guard import can
from civicgrid.web.registry import chart, chart_view, table, table_view
from civicgrid.web.templating import render

router = APIRouter()
P_ = "integration.profile"
#: timeline rows on the page (newest first); the CSV export and the JSON API hold every row
TIMELINE_ROWS = 100


def _parcel(request: Request) -> str:
    return request.path_params.get("parcel_id") or request.query_params.get("parcel") or ""


def _df(rows) -> pd.DataFrame:
    return pd.DataFrame(rows or [])


def stored_profile(handle, pid: str, detail: bool) -> dict | None:
    """The integration module's profile of ``pid`` from the current build, kept per build (``profiles``
    cache); None without scores, without the module, or for an unknown parcel. ``detail``: police detail."""
    if not D.scored(handle):
        return None
    try:
        from civicgrid.integration import property_profile
    except Exception:  # noqa: BLE001 - module absent: interim profile
        return None

    def compute(con):
        try:
            return property_profile(con, pid, can_see_police_detail=detail)
        except KeyError:
            return None
    # a profile depends only on the build (the team's actions and contests are read separately)
    return handle.memo(("profile", pid, detail), compute, bucket="profiles")


def profile(request: Request) -> dict | None:
    """:func:`stored_profile` for the request's parcel and the user's police-detail permission; once per request."""
    cache = request.state._state.setdefault("profiles", {})
    pid = _parcel(request)
    if pid not in cache:
        cache[pid] = stored_profile(wh(request), pid, can(request, "police.narratives"))
    return cache[pid]


@table("property_facts", "Assessor facts", P_, cached=True)
def facts_table(request: Request) -> pd.DataFrame:
    return P.facts(wh(request), _parcel(request), D.parcel_rule(wh(request)))


@table("property_timeline", "Records at this property and, for police and fire, on its block", P_, cached=True)
def timeline_table(request: Request) -> pd.DataFrame:
    prof = profile(request)
    if prof is not None:
        return _df(prof["timeline"])
    return P.timeline(wh(request), _parcel(request), can(request, "police.narratives"))


@table("property_components", "Activity in the window by department and category", P_, cached=True)
def components_table(request: Request) -> pd.DataFrame:
    f = D.Filters.from_query(request.query_params)
    return P.components(P.timeline(wh(request), _parcel(request), False), f.window_days, D.as_of(wh(request)))


@table("property_score_components", "Score components (points with their records)", P_, cached=True)
def score_components_table(request: Request) -> pd.DataFrame:
    prof = profile(request)
    if prof is not None:
        return _df(prof["score"].get("components"))
    return S.components(wh(request), _parcel(request)) if D.scored(wh(request)) else pd.DataFrame()


@table("property_warnings", "Early warnings at this parcel and its block", P_, cached=True)
def warnings_table(request: Request) -> pd.DataFrame:
    spine = P.spine_row(wh(request), _parcel(request)) or {}
    return S.warnings(wh(request), _parcel(request), spine.get("block_key"))


@table("property_open_items", "Open requests, cases and work orders", P_, cached=True)
def open_items_table(request: Request) -> pd.DataFrame:
    prof = profile(request)
    return _df(prof["open_items"]) if prof is not None else pd.DataFrame()


@table("property_block", "Block activity (police and fire counted by block, never by parcel)", P_, cached=True)
def block_table(request: Request) -> pd.DataFrame:
    prof = profile(request)
    if prof is not None:
        act = (prof.get("block") or {}).get("activity") or {}
        return pd.DataFrame([{"window_days": int(w), "department": d, "records": n}
                             for w, deps in act.items() for d, n in deps.items()])
    spine = P.spine_row(wh(request), _parcel(request)) or {}
    return P.block_activity(wh(request), spine.get("block_key"), D.Filters.from_query(request.query_params).window_days)[1]


@table("property_street_blocks", "Blocks on the same street by score", P_, cached=True)
def street_table(request: Request) -> pd.DataFrame:
    prof = profile(request)
    return _df((prof.get("block") or {}).get("same_street")) if prof is not None else pd.DataFrame()


@table("property_owner_parcels", "The owner's other parcels", P_, cached=True)
def owner_table(request: Request) -> pd.DataFrame:
    prof = profile(request)
    if prof is not None:
        o = prof.get("owner_other_parcels") or {}
        rows = [{"parcel_id": p, "same": k.replace("by_", "")} for k in ("by_owner", "by_mailing") for p in o.get(k, [])]
        return pd.DataFrame(rows, columns=["parcel_id", "same"])
    f = P.facts(wh(request), _parcel(request), D.parcel_rule(wh(request)))
    owners = sorted(set(f["owner"].dropna())) if "owner" in f else []
    return P.owner_parcels(wh(request), owners, _parcel(request))


@chart("property_timeline_chart", "Records per month by department", P_, cached=True)
def timeline_chart(request: Request):
    from civicgrid.web import charts

    df = timeline_table(request)
    col = "date" if "date" in df else "opened_at"
    if df.empty or df[col].isna().all():
        return None
    m = (df.dropna(subset=[col]).assign(month=lambda d: pd.to_datetime(d[col], utc=True, format="ISO8601")
                                        .dt.tz_localize(None)
                                        .dt.to_period("M").dt.start_time)
         .groupby(["month", "department"]).size().reset_index(name="records"))
    m["month"] = m["month"].dt.strftime("%Y-%m-%d")
    return charts.bars(m, "month", "records", color="department", horizontal=False, sort=False, value_title="records",
                       description="Records at this property per month, stacked by department")


def _casework(pid: str, request: Request) -> tuple[list, list]:
    try:
        from civicgrid.integration.casework import actions_for, contests_for
    except Exception:  # noqa: BLE001
        return [], []
    return actions_for(app_db(request), "parcel", pid), contests_for(app_db(request), "parcel", pid)


@router.get("/integration/property/{parcel_id}", response_class=HTMLResponse, name="integration_property",
            include_in_schema=False)
def integration_property(request: Request, parcel_id: str):
    from civicgrid.web.areas.integration import SUBNAV

    handle = wh(request)
    spine = P.spine_row(handle, parcel_id)
    prof = profile(request)
    if spine is None and prof is None:
        return render(request, "message.html", status_code=404, title="Property not found",
                      message=f"No parcel {parcel_id!r} in the parcel spine of this build.")
    audit_event(request, "property.view", "parcel", parcel_id,
                {"window": request.query_params.get("window"), "police_detail": can(request, "police.narratives")})
    spine = spine or {"parcel_id": parcel_id}
    f = D.Filters.from_query(request.query_params)
    pt = {"type": "FeatureCollection", "features": [] if spine.get("lat") is None else [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [spine["lon"], spine["lat"]]},
         "properties": {"id": parcel_id, "label": spine.get("address_key") or parcel_id}}]}
    actions, contests = _casework(parcel_id, request) if prof is not None else ([], [])
    q = {"parcel": parcel_id}
    scored = D.scored(handle)
    from civicgrid.web.areas.casework import agenda_panel, contest_context

    msg, err = request.query_params.get("msg"), request.query_params.get("err")
    return render(request, "property.html", p=spine, prof=prof, msg=msg, err=err, **contest_context(),
                  agenda=agenda_panel(request, parcel_id) if prof is not None else None,
                  f=f, windows=D.WINDOWS, subnav=SUBNAV, point=pt,
                  as_of=(prof or {}).get("as_of") or D.as_of(handle), scored=scored, actions=actions,
                  contests=contests, score=(prof or {}).get("score") if prof else (
                      S.score_row(handle, "parcel", parcel_id) if scored else None),
                  block_score=((prof or {}).get("block") or {}).get("score") if prof else None,
                  facts=table_view(request, "property_facts", params=q),
                  timeline=table_view(request, "property_timeline", limit=TIMELINE_ROWS, params=q),
                  components=None if prof else table_view(request, "property_components", params=q),
                  score_parts=table_view(request, "property_score_components", params=q) if scored else None,
                  warnings=table_view(request, "property_warnings", params=q) if scored else None,
                  open_items=table_view(request, "property_open_items", params=q) if prof else None,
                  block_rows=table_view(request, "property_block", params=q),
                  street=table_view(request, "property_street_blocks", params=q) if prof else None,
                  owners=table_view(request, "property_owner_parcels", params=q,
                                    links={"parcel_id": "/integration/property/"}),
                  tchart=chart_view(request, "property_timeline_chart", params=q))
