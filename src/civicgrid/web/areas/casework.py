"""The Integration Team's work around a meeting: putting a property on an agenda from its profile,
a case's lead department, resolving score contests, a meeting's status, and the outcomes of the
locations a meeting discussed.

Every rule is the integration module's (:mod:`civicgrid.integration.meeting_state`, ``casework``,
``outcomes``): these routes read the form, call it, and show its one-sentence error or the result.
The integration module audits each change (``agenda.add``, ``case.lead``, ``score.contest.resolve``,
``meeting.status``); a meeting created from a profile is audited here (``meeting.new``). Every form
works without JavaScript (POST, then a redirect back to the page); with htmx the add-to-agenda, lead
and contest forms replace only their own part of the page, and focus stays on the control used.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote, urlencode

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from civicgrid.warehouse.db import WarehouseError
from civicgrid.web.context import app_db, audit_event, form_data, username, wh
from civicgrid.web.guard import can
from civicgrid.web.registry import table, table_view
from civicgrid.web.templating import render

router = APIRouter()
MEETINGS = "integration.meetings"
STATUS_LABELS = {"held": "held (the meeting took place)", "cancelled": "cancelled (it did not take place)",
                 "planned": "planned (reinstate it)"}
RESOLUTION_LABELS = {"upheld": "upheld: the score was wrong", "rejected": "rejected: the score stands",
                     "corrected": "corrected: the data or the rules were fixed"}
OUTCOME_COLUMNS = ["position", "address", "level", "location_key", "first_discussed", "note", "events_before",
                   "events_after", "before_per_month", "after_per_month", "after_months", "comparison_locations",
                   "comparison_before_per_month", "comparison_after_per_month", "did"]


def _ig():
    from civicgrid.web.areas.meetings import meetings_api

    return meetings_api()


def _hx(request: Request) -> bool:
    return bool(request.headers.get("hx-request"))


def _to(path: str, anchor: str = "", **params) -> RedirectResponse:
    q = urlencode({k: v for k, v in params.items() if v})
    return RedirectResponse(f"{path}{'?' + q if q else ''}{anchor}", status_code=303)


def safe_back(text, default: str) -> str:
    """A page of this site's Integration area to return to (no other host, no query), else ``default``."""
    path = str(text or "").split("?")[0].split("#")[0]
    return path if path.startswith("/integration/") and "\\" not in path and "//" not in path else default


def _no_module() -> Response:
    return Response("this needs the civicgrid.integration module", status_code=404, media_type="text/plain")


def _int(v) -> int | None:
    return int(v) if str(v or "").isdigit() else None


def lead_choices(request: Request) -> list[str]:
    """Departments a case's lead may be (:func:`civicgrid.integration.lead_choices`), once per build."""
    ig = _ig()
    try:
        return wh(request).memo(("lead_choices",), lambda con: ig.lead_choices(con))
    except WarehouseError:  # no readable build: the city's configured lead departments are still the rule
        from civicgrid.settings.integration import IntegrationSettings

        return list(IntegrationSettings().lead_departments)


def cadence_days(request: Request) -> int:
    """Days between meetings in the city's settings (``integration.meeting_cadence_days``)."""
    from civicgrid.integration.api import resolve_settings

    try:
        return wh(request).memo(("meeting_cadence",), lambda con: resolve_settings(con).meeting_cadence_days)
    except WarehouseError:
        return 14


def outcomes(request: Request, months: int = 6) -> dict | None:
    """:func:`civicgrid.integration.outcomes`, cached per build and per set of first discussions."""
    ig = _ig()
    if ig is None:
        return None
    from civicgrid.integration.outcomes import first_discussions
    from civicgrid.integration.outcomes import outcomes as compute

    stamp = hashlib.sha1(first_discussions(app_db(request)).to_csv(index=False).encode()).hexdigest()
    try:
        return wh(request).memo(("outcomes", months, stamp), lambda con: compute(app_db(request), con, months=months),
                                bucket="outcomes")
    except Exception as exc:  # noqa: BLE001 - a build without the tables outcomes need: say so on the page
        return {"error": f"Outcomes could not be computed from this build: {exc}", "levels": {}, "cases": []}


@table("meeting_outcomes", "Outcomes: counted records per month before and after first discussion, against "
       "similar locations never discussed", MEETINGS)
def outcomes_table(request: Request) -> pd.DataFrame:
    """Per location: the meeting's agenda (``meeting`` parameter) or every location ever discussed."""
    res = outcomes(request) or {"cases": []}
    df = pd.DataFrame(res["cases"]).rename(columns={"status": "note"}).reindex(columns=OUTCOME_COLUMNS)
    df["note"] = df["note"].astype(object)
    mid = _int(request.path_params.get("meeting_id") or request.query_params.get("meeting"))
    if _ig() is None:
        return df
    if mid is None:
        every = df.drop(columns=["position", "address"])
        return every.sort_values(["level", "first_discussed", "location_key"], ignore_index=True)
    try:
        items = _ig().get_agenda(app_db(request), mid)["items"]
    except ValueError:
        return df.iloc[0:0]
    agenda = pd.DataFrame([{"position": i["position"], "address": i["case"]["address"], "level": i["case"]["level"],
                            "location_key": i["case"]["location_key"]} for i in items],
                          columns=["position", "address", "level", "location_key"])
    out = agenda.merge(df.drop(columns=["position", "address"]), on=["level", "location_key"], how="left")
    none = out["first_discussed"].isna() & out["note"].isna()
    out.loc[none, "note"] = ("no comparison: not yet discussed at a meeting that was not cancelled, "
                             "or no similar locations")
    return out[OUTCOME_COLUMNS]


def agenda_panel(request: Request, parcel_id: str, *, msg: str | None = None, err: str | None = None,
                 detail: str | None = None) -> dict | None:
    """The property page's Integration Team section: its cases and agendas, and the add-to-agenda form."""
    ig = _ig()
    if ig is None or not can(request, MEETINGS):
        return None
    entry = wh(request).memo(("agenda_entry", parcel_id), lambda con: ig.agenda_entry(con, "parcel", parcel_id),
                             bucket="profiles")
    from civicgrid.integration.meeting_state import MAX_DETAIL

    return {**ig.agenda_options(app_db(request), "parcel", parcel_id, cadence_days(request)), "pid": parcel_id,
            "entry": entry, "detail": entry["detail"] if detail is None else detail, "max_detail": MAX_DETAIL,
            "msg": msg, "err": err}


def meeting_extras(request: Request, ag: dict) -> dict:
    """What the meeting page adds to the agenda: next statuses, lead choices, contests per location."""
    ig = _ig()
    locs = [(i["case"]["level"], i["case"]["location_key"]) for i in ag["items"]]
    return {"next_statuses": ig.next_statuses(ag["meeting"]["status"]), "status_labels": STATUS_LABELS,
            "lead_choices": lead_choices(request), "contests": ig.contests_at(app_db(request), locs),
            **contest_context()}


def contest_context() -> dict:
    """The ways a contest resolves, labelled (for the contest fragment)."""
    try:
        from civicgrid.integration.casework import CONTEST_RESOLUTIONS
    except ImportError:
        return {"resolutions": []}
    return {"resolutions": [(r, RESOLUTION_LABELS[r]) for r in CONTEST_RESOLUTIONS]}


def _add(request: Request, ig, parcel_id: str, f: dict) -> tuple[dict, dict]:
    """Validate the add-to-agenda form, create the next meeting when asked, add the property."""
    from civicgrid.integration.meeting_state import clean_detail
    from civicgrid.web.areas.profile_data import spine_row

    choice = str(f.get("meeting") or "").strip()
    if choice != "new" and _int(choice) is None:
        raise ValueError("Choose a planned meeting, or the next meeting to create it.")
    detail = clean_detail(f.get("detail"))
    if not detail:
        raise ValueError("Say why the team should discuss this property.")
    if spine_row(wh(request), parcel_id) is None:
        raise ValueError(f"There is no parcel {parcel_id} in this build.")
    with wh(request).cursor() as con:
        entry = ig.agenda_entry(con, "parcel", parcel_id)
    if choice == "new":
        m = ig.new_meeting(app_db(request), None, cadence_days=cadence_days(request), created_by=username(request))
        audit_event(request, "meeting.new", "meeting", str(m["id"]), {"held_on": m["held_on"], "from": parcel_id})
    else:
        m = {"id": int(choice)}
    item = ig.add_to_agenda(app_db(request), m["id"], "parcel", parcel_id, address=entry["address"],
                            lead_department=entry["lead_department"], detail=detail, score=entry["score"],
                            rank=entry["rank"], flags=entry["flags"], username=username(request))
    return m, item


@router.post("/integration/property/{parcel_id}/agenda", response_class=HTMLResponse,
             name="integration_property_agenda", include_in_schema=False)
def integration_property_agenda(request: Request, parcel_id: str):
    """Add a property to a planned meeting's agenda (or to the next meeting, created here)."""
    ig = _ig()
    if ig is None:
        return _no_module()
    f = form_data(request)
    back = f"/integration/property/{quote(parcel_id, safe='')}"
    try:
        m, item = _add(request, ig, parcel_id, f)
    except ValueError as exc:
        if _hx(request):
            panel = agenda_panel(request, parcel_id, err=str(exc), detail=str(f.get("detail") or ""))
            return render(request, "_property_agenda.html", status_code=422, agenda=panel)
        return _to(back, "#agenda", err=str(exc))
    msg = f"Added to the agenda of meeting {m['id']} (item {item['position']})."
    if _hx(request):
        return render(request, "_property_agenda.html", agenda=agenda_panel(request, parcel_id, msg=msg))
    return _to(back, "#agenda", msg=msg)


def _change(do, current) -> tuple[dict | None, str | None]:
    """``(do(), None)``; when the backend refuses (ValueError), ``(current(), its sentence)`` so the form can
    show the record as it still is — or ``(None, sentence)`` when that record does not exist either."""
    try:
        return do(), None
    except ValueError as exc:
        try:
            return current(), str(exc)
        except ValueError:
            return None, str(exc)


@router.post("/integration/cases/{case_id}/lead", response_class=HTMLResponse, name="integration_case_lead",
             include_in_schema=False)
def integration_case_lead(request: Request, case_id: int):
    """Set or change a case's lead department (one of :func:`lead_choices`)."""
    ig = _ig()
    if ig is None:
        return _no_module()
    f = form_data(request)
    mid = _int(f.get("meeting_id"))
    c, err = _change(lambda: ig.set_lead(app_db(request), case_id, str(f.get("department") or ""), username(request),
                                         allowed=lead_choices(request)),
                     lambda: ig.get_case(app_db(request), case_id))
    msg = None if err else f"Lead department set to {c['lead_department'].replace('_', ' ')}."
    if _hx(request):
        if c is None:
            return render(request, "_message.html", status_code=422, err=err)
        return render(request, "_lead.html", status_code=422 if err else 200, c=c, choices=lead_choices(request),
                      meeting_id=mid, editable=True, part_msg=msg, part_err=err)
    return _to(f"/integration/meetings/{mid}" if mid else "/integration/meetings", f"#case-{case_id}", msg=msg, err=err)


@router.post("/integration/contests/{contest_id}/resolve", response_class=HTMLResponse,
             name="integration_contest_resolve", include_in_schema=False)
def integration_contest_resolve(request: Request, contest_id: int):
    """Resolve an open score contest as upheld, rejected or corrected, with a note saying why."""
    ig = _ig()
    if ig is None:
        return _no_module()
    f = form_data(request)
    back = safe_back(f.get("back"), "/integration/meetings")
    ct, err = _change(lambda: ig.resolve_contest(app_db(request), contest_id, status=str(f.get("status") or ""),
                                                 resolution=str(f.get("resolution") or ""),
                                                 resolved_by=username(request)),
                      lambda: ig.get_contest(app_db(request), contest_id))
    msg = None if err else f"Contest resolved: {ct['status']}."
    if _hx(request):
        if ct is None:
            return render(request, "_message.html", status_code=422, err=err)
        return render(request, "_contest.html", status_code=422 if err else 200, ct=ct, back=back, part_msg=msg,
                      part_err=err, **contest_context())
    return _to(back, f"#contest-{contest_id}", msg=msg, err=err)


@router.post("/integration/meetings/{meeting_id}/status", name="integration_meeting_status", include_in_schema=False)
def integration_meeting_status(request: Request, meeting_id: int):
    """Move a meeting to another status (planned → held | cancelled, cancelled → planned)."""
    ig = _ig()
    if ig is None:
        return _no_module()
    status = str(form_data(request).get("status") or "")
    try:
        m = ig.set_meeting_status(app_db(request), meeting_id, status, username=username(request))
    except ValueError as exc:
        return _to(f"/integration/meetings/{meeting_id}", err=str(exc))
    return _to(f"/integration/meetings/{meeting_id}", msg=f"The meeting is now {m['status']}.")


@router.get("/integration/meetings/{meeting_id}/outcomes", response_class=HTMLResponse,
            name="integration_meeting_outcomes", include_in_schema=False)
def integration_meeting_outcomes(request: Request, meeting_id: int):
    """Outcomes of the meeting's locations (a fragment for htmx, else a page)."""
    ig = _ig()
    if ig is None:
        return _no_module()
    try:
        ag = ig.get_agenda(app_db(request), meeting_id)
    except ValueError as exc:
        return render(request, "message.html", status_code=404, title="Meeting not found", message=str(exc))
    from civicgrid.web.areas.integration import SUBNAV

    ctx = {"m": ag["meeting"], "res": outcomes(request),
           "t": table_view(request, "meeting_outcomes", params={"meeting": meeting_id})}
    if _hx(request):
        return render(request, "_outcomes.html", **ctx)
    return render(request, "meeting_outcomes.html", subnav=SUBNAV, **ctx)
