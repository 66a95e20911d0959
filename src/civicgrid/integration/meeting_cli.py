"""``civicgrid meeting …``: the Integration Team's meetings (typer sub-app, re-exported by ``cli``)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from civicgrid.integration.cli_common import (APP_DB_OPT, AS_OF_OPT, CONFIG_OPT, DB_OPT, JSON_OPT, LEVEL_OPT,
                                              USER_OPT, _cfg, _date, _dump, _guard, console, out)

meeting_app = typer.Typer(help="The Integration Team's meetings: agenda, packet, actions, decisions.",
                          no_args_is_help=True)
action_app = typer.Typer(help="Action items of a case.", no_args_is_help=True)
meeting_app.add_typer(action_app, name="action")


@meeting_app.command("new")
@_guard
def meeting_new(held_on: Optional[str] = typer.Option(None, "--date", help="Meeting date (default: last + cadence, else today)."),
                title: Optional[str] = typer.Option(None, help="Title."), app_db: Optional[str] = APP_DB_OPT,
                cadence: int = typer.Option(14, help="Days between meetings."), user: Optional[str] = USER_OPT,
                as_json: bool = JSON_OPT) -> None:
    """Create the next meeting on the cadence."""
    from civicgrid.integration.meetings import new_meeting

    m = new_meeting(app_db, _date(held_on), title=title, created_by=user, cadence_days=cadence)
    _dump(m) if as_json else out.print(f"meeting {m['id']} on {m['held_on']}: {m['title']}")


@meeting_app.command("list")
@_guard
def meeting_list(app_db: Optional[str] = APP_DB_OPT, as_json: bool = JSON_OPT) -> None:
    """Meetings, oldest first."""
    from civicgrid.integration.meetings import list_meetings

    ms = list_meetings(app_db)
    if as_json:
        return _dump(ms)
    for m in ms:
        out.print(f"{m['id']:>4}  {m['held_on']}  {m['status']:<9} {m['title']}")


@meeting_app.command("agenda")
@_guard
def meeting_agenda(meeting_id: int = typer.Argument(..., help="Meeting id (`civicgrid meeting list`)."), db: Path = DB_OPT,
                   app_db: Optional[str] = APP_DB_OPT, as_of: Optional[str] = AS_OF_OPT,
                   config: Optional[Path] = CONFIG_OPT, user: Optional[str] = USER_OPT, as_json: bool = JSON_OPT) -> None:
    """Generate (once) and show the agenda: new, escalating, carried over, high score."""
    from civicgrid.integration.meetings import generate_agenda

    a = generate_agenda(app_db, db, meeting_id, as_of=_date(as_of), cfg=_cfg(config), username=user)
    if as_json:
        return _dump(a)
    m = a["meeting"]
    t = Table(title=f"Agenda of meeting {m['id']} ({m['held_on']}), data as of {str(m['data_as_of'])[:10]}")
    for c in ("#", "case", "location", "why", "score", "lead", "open actions"):
        t.add_column(c, overflow="fold")
    for i in a["items"]:
        c = i["case"]
        t.add_row(str(i["position"]), str(c["id"]), f"{c['address'] or c['location_key']} ({c['level']})",
                  f"{i['reason']} {i['flags'] or ''}", "—" if i["score"] is None else f"{i['score']:.1f}",
                  str(c["lead_department"] or ""), str(i["open_actions"]))
    out.print(t)
    if a.get("waiting"):
        out.print(f"{len(a['waiting'])} more location(s) wait for capacity at the next meeting.")


@meeting_app.command("packet")
@_guard
def meeting_packet(meeting_id: int = typer.Argument(...), out_file: Path = typer.Option(..., "--out", help="File to write."),
                   fmt: Optional[str] = typer.Option(None, "--format", help="html, pdf or csv (default: from --out)."),
                   db: Path = DB_OPT, app_db: Optional[str] = APP_DB_OPT, config: Optional[Path] = CONFIG_OPT,
                   user: Optional[str] = USER_OPT) -> None:
    """Write the meeting packet (HTML, PDF with charts, or CSV); the export is audited."""
    from civicgrid.reports.meeting_packet import write_packet

    fmt = fmt or out_file.suffix.lstrip(".").lower()
    p = write_packet(app_db, db, meeting_id, fmt, out_file, cfg=_cfg(config), username=user)
    console.print(f"packet written to {p}")


@action_app.command("add")
@_guard
def action_add(case_id: int = typer.Argument(..., help="Case id (shown on the agenda)."),
               department: str = typer.Option(..., "--department"), text: str = typer.Option(..., "--text"),
               due: Optional[str] = typer.Option(None, "--due", help="Due date YYYY-MM-DD."),
               meeting: Optional[int] = typer.Option(None, "--meeting", help="Meeting id."),
               assigned_to: Optional[str] = typer.Option(None, "--assigned-to"), app_db: Optional[str] = APP_DB_OPT,
               user: Optional[str] = USER_OPT, as_json: bool = JSON_OPT) -> None:
    """Add an action item (department, due date) to a case."""
    from civicgrid.integration.casework import add_action

    a = add_action(app_db, case_id=case_id, department=department, description=text, due_on=_date(due),
                   meeting_id=meeting, assigned_to=assigned_to, created_by=user)
    _dump(a) if as_json else out.print(f"action {a['id']} added to case {case_id}")


@action_app.command("close")
@_guard
def action_close(action_id: int = typer.Argument(...), status: str = typer.Option("done", help="done or dropped."),
                 note: Optional[str] = typer.Option(None, "--note"), app_db: Optional[str] = APP_DB_OPT,
                 user: Optional[str] = USER_OPT, as_json: bool = JSON_OPT) -> None:
    """Close an action item."""
    from civicgrid.integration.casework import close_action

    a = close_action(app_db, action_id, status=status, closed_by=user, note=note)
    _dump(a) if as_json else out.print(f"action {action_id} {a['status']}")


@meeting_app.command("note")
@_guard
def meeting_note(case_id: int = typer.Argument(...), text: str = typer.Option(..., "--text"),
                 meeting: Optional[int] = typer.Option(None, "--meeting"), app_db: Optional[str] = APP_DB_OPT,
                 user: Optional[str] = USER_OPT) -> None:
    """Add a note to a case."""
    from civicgrid.integration.casework import add_note

    n = add_note(app_db, case_id=case_id, text=text, meeting_id=meeting, author=user)
    out.print(f"note {n['id']} added to case {case_id}")


@meeting_app.command("decide")
@_guard
def meeting_decide(case_id: int = typer.Argument(...),
                   decision: str = typer.Option(..., "--decision", help="e.g. continue, joint_inspection, refer, "
                                                "close_resolved, close_no_action (close_* take it off the list)."),
                   text: Optional[str] = typer.Option(None, "--text"), meeting: Optional[int] = typer.Option(None, "--meeting"),
                   close: Optional[bool] = typer.Option(None, "--close/--keep-open", help="Override whether it closes the case."),
                   app_db: Optional[str] = APP_DB_OPT, user: Optional[str] = USER_OPT, as_json: bool = JSON_OPT) -> None:
    """Record a decision; a closing decision takes the property off the list."""
    from civicgrid.integration.casework import decide

    d = decide(app_db, case_id=case_id, decision=decision, closes_case=close, text=text, meeting_id=meeting,
               decided_by=user)
    _dump(d) if as_json else out.print(f"decision {d['id']} on case {case_id}"
                                       f"{' — case closed' if d['closes_case'] else ''}")


@meeting_app.command("status")
@_guard
def meeting_status(meeting_id: int = typer.Argument(...),
                   status: str = typer.Argument(..., help="held, cancelled or planned."),
                   app_db: Optional[str] = APP_DB_OPT, user: Optional[str] = USER_OPT, as_json: bool = JSON_OPT) -> None:
    """Move a meeting: planned → held (agenda generated, date reached) or cancelled; cancelled → planned."""
    from civicgrid.integration.meeting_state import set_meeting_status

    m = set_meeting_status(app_db, meeting_id, status, username=user)
    _dump(m) if as_json else out.print(f"meeting {meeting_id} is now {m['status']}")


@meeting_app.command("add")
@_guard
def meeting_add(meeting_id: int = typer.Argument(...),
                location: str = typer.Argument(..., help="Parcel id or block key."), level: str = LEVEL_OPT,
                reason: Optional[str] = typer.Option(None, "--reason",
                                                     help="Why (default: from the score and early warnings)."),
                db: Path = DB_OPT, app_db: Optional[str] = APP_DB_OPT, user: Optional[str] = USER_OPT,
                as_json: bool = JSON_OPT) -> None:
    """Put a location on a planned meeting's agenda by hand."""
    from civicgrid.integration.meeting_state import add_to_agenda, agenda_entry

    e = agenda_entry(db, level, location)
    item = add_to_agenda(app_db, meeting_id, level, location, address=e["address"],
                         lead_department=e["lead_department"], detail=reason or e["detail"], score=e["score"],
                         rank=e["rank"], flags=e["flags"], username=user)
    _dump(item) if as_json else out.print(f"{location} added to meeting {meeting_id} as item {item['position']}")


@meeting_app.command("lead")
@_guard
def meeting_lead(case_id: int = typer.Argument(...), department: str = typer.Argument(...), db: Path = DB_OPT,
                 app_db: Optional[str] = APP_DB_OPT, user: Optional[str] = USER_OPT, as_json: bool = JSON_OPT) -> None:
    """Set or change a case's lead department (the city's lead departments, or any with records)."""
    from civicgrid.integration.casework import set_lead
    from civicgrid.integration.meeting_state import lead_choices

    c = set_lead(app_db, case_id, department, user, allowed=lead_choices(db))
    _dump(c) if as_json else out.print(f"case {case_id}: lead department {c['lead_department']}")
