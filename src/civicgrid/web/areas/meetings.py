"""Meetings: list and create, the agenda (generated from the scores), action items, notes, decisions,
score contests and the packet (PDF/CSV) — on :mod:`civicgrid.integration`'s meetings and casework API.

Every change and every packet download is audited (the casework functions audit their own changes;
this module audits meeting creation, agenda generation, notes and packets). Without the integration
module the pages say so.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from civicgrid.web.context import app_db, audit_event, form_data, username, wh
from civicgrid.web.templating import render

router = APIRouter()
DECISIONS = ("continue", "escalate", "refer", "close_resolved", "close_no_action", "close_referred")


def meetings_api():
    """``civicgrid.integration`` when its meetings API is there, else None."""
    try:
        import civicgrid.integration as ig

        ig.list_meetings  # noqa: B018 - the attribute proves the meetings API exists
        return ig
    except Exception:  # noqa: BLE001 - module absent or still being built
        return None


def _subnav():
    from civicgrid.web.areas.integration import SUBNAV

    return SUBNAV


def _unavailable(request: Request):
    return render(request, "meetings.html", subnav=_subnav(), available=False, meetings=[])


def _back(meeting_id, msg: str | None = None, err: str | None = None, anchor: str = ""):
    q = "&".join(f"{k}={quote(v)}" for k, v in (("msg", msg), ("err", err)) if v)
    return RedirectResponse(f"/integration/meetings/{meeting_id}{'?' + q if q else ''}{anchor}", status_code=303)


def _date(text) -> date | None:
    try:
        return date.fromisoformat(str(text)) if text else None
    except ValueError:
        raise ValueError(f"dates are YYYY-MM-DD, not {text!r}") from None


@router.get("/integration/meetings", response_class=HTMLResponse, name="integration_meetings", include_in_schema=False)
def integration_meetings(request: Request):
    ig = meetings_api()
    if ig is None:
        return _unavailable(request)
    return render(request, "meetings.html", subnav=_subnav(), available=True,
                  meetings=list(reversed(ig.list_meetings(app_db(request)))), err=request.query_params.get("err"),
                  open_contests=ig.open_contests(app_db(request)))


@router.post("/integration/meetings", name="integration_meeting_new", include_in_schema=False)
def integration_meeting_new(request: Request):
    ig = meetings_api()
    if ig is None:
        return _unavailable(request)
    form = form_data(request)
    try:
        from civicgrid.web.areas.casework import cadence_days

        m = ig.new_meeting(app_db(request), _date(form.get("held_on")), title=str(form.get("title") or "") or None,
                           created_by=username(request), cadence_days=cadence_days(request))
    except ValueError as exc:
        return RedirectResponse(f"/integration/meetings?err={quote(str(exc))}", status_code=303)
    audit_event(request, "meeting.new", "meeting", str(m["id"]), {"held_on": m["held_on"]})
    return _back(m["id"], msg="Meeting created. Generate its agenda from the current scores.")


@router.get("/integration/meetings/{meeting_id}", response_class=HTMLResponse, name="integration_meeting",
            include_in_schema=False)
def integration_meeting(request: Request, meeting_id: int):
    ig = meetings_api()
    if ig is None:
        return _unavailable(request)
    try:
        ag = ig.get_agenda(app_db(request), meeting_id)
    except ValueError as exc:
        return render(request, "message.html", status_code=404, title="Meeting not found", message=str(exc))
    from civicgrid.web.areas.casework import meeting_extras

    return render(request, "meeting.html", subnav=_subnav(), ag=ag, m=ag["meeting"], decisions=DECISIONS,
                  msg=request.query_params.get("msg"), err=request.query_params.get("err"),
                  **meeting_extras(request, ag))


@router.post("/integration/meetings/{meeting_id}/agenda", name="integration_agenda", include_in_schema=False)
def integration_agenda(request: Request, meeting_id: int):
    ig = meetings_api()
    if ig is None:
        return _unavailable(request)
    try:
        with wh(request).cursor() as con:
            ag = ig.generate_agenda(app_db(request), con, meeting_id, username=username(request))
    except ValueError as exc:
        return _back(meeting_id, err=str(exc))
    audit_event(request, "meeting.agenda", "meeting", str(meeting_id), {"items": len(ag["items"])})
    waiting = len(ag.get("waiting") or [])
    return _back(meeting_id, msg=f"Agenda generated: {len(ag['items'])} locations"
                                 + (f", {waiting} more waiting (team capacity)." if waiting else "."))


@router.post("/integration/cases/{case_id}/{what}", name="integration_case_change", include_in_schema=False)
def integration_case_change(request: Request, case_id: int, what: str):
    """Add an action item, a note or a decision to a case (``what``: action, note, decision)."""
    ig = meetings_api()
    if ig is None:
        return _unavailable(request)
    f = form_data(request)
    mid = f.get("meeting_id") or None
    meeting_id = int(mid) if mid and str(mid).isdigit() else None
    who = username(request)
    try:
        if what == "action":
            ig.add_action(app_db(request), case_id=case_id, department=str(f.get("department") or "").strip(),
                          description=str(f.get("description") or "").strip(), due_on=_date(f.get("due_on")),
                          meeting_id=meeting_id, assigned_to=str(f.get("assigned_to") or "") or None, created_by=who)
        elif what == "note":
            text = str(f.get("text") or "").strip()
            if not text:
                raise ValueError("a note needs text")
            n = ig.add_note(app_db(request), text=text, case_id=case_id, meeting_id=meeting_id, author=who)
            audit_event(request, "note.add", "case", str(case_id), {"note_id": n["id"]})
        elif what == "decision":
            decision = str(f.get("decision") or "")
            if decision not in DECISIONS:
                raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
            ig.decide(app_db(request), decision=decision, case_id=case_id, text=str(f.get("text") or "") or None,
                      meeting_id=meeting_id, decided_by=who)
        else:
            return Response("unknown change", status_code=404, media_type="text/plain")
    except ValueError as exc:
        return _back(meeting_id, err=str(exc), anchor=f"#case-{case_id}") if meeting_id else Response(
            str(exc), status_code=422, media_type="text/plain")
    if meeting_id is None:
        from civicgrid.web.areas.casework import safe_back

        return RedirectResponse(safe_back(f.get("back"), "/integration/meetings"), status_code=303)
    return _back(meeting_id, msg=f"Saved the {what}.", anchor=f"#case-{case_id}")


@router.post("/integration/actions/{action_id}/close", name="integration_action_close", include_in_schema=False)
def integration_action_close(request: Request, action_id: int):
    ig = meetings_api()
    if ig is None:
        return _unavailable(request)
    f = form_data(request)
    try:
        a = ig.close_action(app_db(request), action_id, status=str(f.get("status") or "done"),
                            closed_by=username(request), note=str(f.get("note") or "") or None)
    except ValueError as exc:
        return Response(str(exc), status_code=422, media_type="text/plain")
    mid = f.get("meeting_id")
    return _back(mid, msg="Action closed.", anchor=f"#case-{a['case_id']}") if mid else RedirectResponse(
        "/integration/meetings", status_code=303)


@router.post("/integration/property/{parcel_id}/contest", name="integration_contest", include_in_schema=False)
def integration_contest(request: Request, parcel_id: str):
    ig = meetings_api()
    if ig is None:
        return _unavailable(request)
    f = form_data(request)
    reason = str(f.get("reason") or "").strip()
    back = f"/integration/property/{quote(parcel_id, safe='')}"
    if not reason:
        return RedirectResponse(f"{back}?err={quote('Say why the score is wrong.')}#contests", status_code=303)
    ig.contest_score(app_db(request), level="parcel", location_key=parcel_id, reason=reason[:4000],
                     component=str(f.get("component") or "") or None, submitted_by=username(request))
    return RedirectResponse(f"{back}#contests", status_code=303)


@router.get("/integration/meetings/{meeting_id}/packet.{fmt}", name="integration_packet", include_in_schema=False)
def integration_packet(request: Request, meeting_id: int, fmt: str):
    ig = meetings_api()
    if ig is None or fmt not in ("pdf", "csv"):
        return Response("meeting packets are available as packet.pdf or packet.csv with the integration module",
                        status_code=404, media_type="text/plain")
    from civicgrid.reports.meeting_packet import build_packet, packet_csv, render_packet_html

    try:
        with wh(request).cursor() as con:
            packet = build_packet(app_db(request), con, meeting_id, charts=fmt == "pdf")
    except ValueError as exc:
        return Response(str(exc), status_code=404, media_type="text/plain")
    if fmt == "csv":
        body, media = packet_csv(packet).encode("utf-8"), "text/csv; charset=utf-8"
    else:
        from weasyprint import HTML

        body, media = HTML(string=render_packet_html(packet)).write_pdf(), "application/pdf"
    audit_event(request, f"export.packet.{fmt}", "meeting", str(meeting_id), {"items": len(packet["items"])})
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="civicgrid-meeting-{meeting_id}.{fmt}"'})
