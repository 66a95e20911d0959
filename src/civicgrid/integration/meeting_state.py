"""Changing meetings by hand: a meeting's status, putting a location on an open agenda (and what to
prefill when doing so), the departments a case's lead may be, and where a location was discussed.

Meeting statuses move as :data:`civicgrid.appstate.meetings.MEETING_TRANSITIONS` allows:
``planned → held`` (once its agenda exists and its date has come), ``planned → cancelled`` (only
while nothing was recorded at it: notes, actions or decisions mean it was held), and
``cancelled → planned`` (reinstated). A held meeting stays held: it is the record of what the team
discussed. Only a planned meeting's agenda takes new locations. Every change here is written to
the audit log, so the web pages and the CLI leave the same trail.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from civicgrid.appstate import ActionItem, AgendaItem, Decision, IntegrationCase, Meeting, MeetingNote, session_scope
from civicgrid.appstate.meetings import LEVELS, MEETING_STATUSES, MEETING_TRANSITIONS
from civicgrid.integration.api import jsonable, resolve_settings, tables, warehouse
from civicgrid.integration.casework import audit, open_case, ready, row

MAX_DETAIL = 2000


def next_date_in(s, cadence_days: int) -> date:
    """The date a meeting created without one gets: the last meeting's + the cadence, else today."""
    last = s.scalar(select(func.max(Meeting.held_on)))
    return last + timedelta(days=cadence_days) if last else date.today()


def clean_detail(detail: str | None) -> str | None:
    """The reason a location is added, trimmed (None when empty); ValueError when too long."""
    detail = str(detail or "").strip() or None
    if detail and len(detail) > MAX_DETAIL:
        raise ValueError(f"The reason is longer than {MAX_DETAIL:,} characters.")
    return detail


def next_statuses(status: str) -> tuple[str, ...]:
    """The statuses a meeting in ``status`` may move to (empty for a held meeting)."""
    return MEETING_TRANSITIONS.get(status, ())


def recorded_at(s, meeting_id: int) -> int:
    """Notes, action items and decisions recorded at a meeting."""
    return sum(s.scalar(select(func.count()).select_from(t).where(t.meeting_id == meeting_id)) or 0
               for t in (MeetingNote, ActionItem, Decision))


def set_meeting_status(app_db, meeting_id: int, status: str, *, username: str | None = None,
                       today: date | None = None) -> dict:
    """Move a meeting to ``status`` under the rules above; raises ValueError (one sentence) otherwise."""
    today = today or date.today()
    with session_scope(ready(app_db)) as s:
        m = s.get(Meeting, meeting_id)
        if m is None:
            raise ValueError(f"There is no meeting {meeting_id}.")
        if status not in MEETING_STATUSES:
            raise ValueError(f"A meeting's status is one of {', '.join(MEETING_STATUSES)}, not {status!r}.")
        if status == m.status:
            raise ValueError(f"Meeting {meeting_id} is already {status}.")
        if m.status == "held":
            raise ValueError(f"Meeting {meeting_id} was held, and a held meeting stays held as the record of what "
                             "was discussed.")
        if status not in MEETING_TRANSITIONS[m.status]:
            raise ValueError(f"A {m.status} meeting cannot become {status}.")
        if status == "held" and m.agenda_generated_at is None:
            raise ValueError("Generate the agenda before marking the meeting held.")
        if status == "held" and m.held_on > today:
            raise ValueError(f"A meeting cannot be marked held before its date ({m.held_on.isoformat()}).")
        if status == "cancelled" and (n := recorded_at(s, meeting_id)):
            raise ValueError(f"{n} note(s), action(s) or decision(s) were recorded at meeting {meeting_id}, "
                             "so it was held, not cancelled.")
        before, m.status = m.status, status
        s.flush()
        out = row(m)
    audit(app_db, username, "meeting.status", "meeting", str(meeting_id), {"from": before, "to": status})
    return out


def open_meetings(app_db) -> list[dict]:
    """Planned meetings (the ones whose agenda can still change), soonest first."""
    with session_scope(ready(app_db)) as s:
        q = select(Meeting).where(Meeting.status == "planned").order_by(Meeting.held_on, Meeting.id)
        return [row(m) for m in s.scalars(q)]


def add_to_agenda(app_db, meeting_id: int, level: str, location_key: str, *, address: str | None = None,
                  lead_department: str | None = None, detail: str | None = None, score: float | None = None,
                  rank: int | None = None, flags: str | None = None, username: str | None = None) -> dict:
    """Put a location on a planned meeting's agenda by hand (reason ``added``), opening a case if needed.

    ``detail`` says why (see :func:`agenda_entry` for the text to prefill); ``score``, ``rank`` and
    ``flags`` record the location's standing at the time, as a generated agenda item does. The
    suggested ``lead_department`` is used only when a new case is opened.
    """
    if level not in LEVELS:
        raise ValueError(f"A location is a {' or a '.join(LEVELS)}, not {level!r}.")
    key = str(location_key or "").strip()
    if not key:
        raise ValueError("Say which location to add.")
    detail = clean_detail(detail)
    with session_scope(ready(app_db)) as s:
        m = s.get(Meeting, meeting_id)
        if m is None:
            raise ValueError(f"There is no meeting {meeting_id}.")
        if m.status != "planned":
            raise ValueError(f"Meeting {meeting_id} is {m.status}; only a planned meeting's agenda can change.")
        case = open_case(s, level, key)
        if case is not None and s.scalar(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id,
                                                                     AgendaItem.case_id == case.id)):
            raise ValueError(f"{case.address or key} is already on the agenda of meeting {meeting_id}.")
        if case is None:
            case = IntegrationCase(level=level, location_key=key, address=address, status="open",
                                   lead_department=lead_department, first_meeting_id=meeting_id)
            s.add(case)
            s.flush()
        pos = (s.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting_id)) or 0) + 1
        item = AgendaItem(meeting_id=meeting_id, case_id=case.id, reason="added", position=pos, detail=detail,
                          score=score, rank=rank, flags=flags)
        s.add(item)
        s.flush()
        out = row(item)
    audit(app_db, username, "agenda.add", "meeting", str(meeting_id),
          {"level": level, "location_key": key, "case_id": out["case_id"], "item_id": out["id"]})
    return out


def agenda_entry(db, level: str, location_key: str) -> dict:
    """What a hand-added agenda item records, and the reason to prefill, from the build's scores and
    early warnings: ``score``, ``rank``, ``flags``, ``lead_department`` (suggested), ``address``, ``detail``."""
    with warehouse(db) as con:
        have = tables(con)
        sc = None
        if "property_scores" in have:
            cur = con.execute("SELECT score, rank, over_threshold, n_departments, lead_department, address, "
                              "top_components, as_of FROM property_scores WHERE level = ? AND location_key = ?",
                              [level, location_key])
            r = cur.fetchone()
            sc = None if r is None else {d[0]: jsonable(v) for d, v in zip(cur.description, r)}
        fl = [] if "early_warnings" not in have else con.execute(
            "SELECT flag, detail FROM early_warnings WHERE level = ? AND location_key = ? ORDER BY flag",
            [level, location_key]).fetchall()
    if sc is None:
        return {"score": None, "rank": None, "flags": None, "lead_department": None, "address": None,
                "detail": "Added by hand; this location has no score in the current build."}
    parts = [f"Score {sc['score']:.1f} (rank {sc['rank']})" + (", over the threshold" if sc["over_threshold"] else "")
             + (f", as of {str(sc['as_of'])[:10]}" if sc["as_of"] else "")]
    if sc["n_departments"]:
        parts.append(f"{sc['n_departments']} departments involved")
    parts += [f"{f}: {d}" for f, d in fl]
    if sc["top_components"]:
        parts.append(f"largest components: {sc['top_components']}")
    return {"score": sc["score"], "rank": sc["rank"], "flags": ", ".join(sorted({f for f, _ in fl})) or None,
            "lead_department": sc["lead_department"], "address": sc["address"], "detail": "; ".join(parts) + "."}


def lead_choices(db, *, cfg=None, settings=None) -> list[str]:
    """Departments that may lead a case: the city's ``lead_departments`` first, then every other
    department with records in the build."""
    with warehouse(db) as con:
        first = list(resolve_settings(con, cfg, settings).lead_departments)
        rest = [] if "events" not in tables(con) else [r[0] for r in con.execute(
            "SELECT DISTINCT department FROM events WHERE department IS NOT NULL ORDER BY 1").fetchall()]
    return first + [d for d in rest if d not in first]


def _history(s, level: str, location_key: str) -> list[dict]:
    cases = s.scalars(select(IntegrationCase).where(IntegrationCase.level == level,
                                                    IntegrationCase.location_key == str(location_key))
                      .order_by(IntegrationCase.id.desc())).all()
    out = []
    for c in cases:
        q = (select(AgendaItem, Meeting).join(Meeting, Meeting.id == AgendaItem.meeting_id)
             .where(AgendaItem.case_id == c.id).order_by(Meeting.held_on, Meeting.id))
        out.append({**row(c), "agendas": [{**row(a), "meeting": row(m)} for a, m in s.execute(q)]})
    return out


def location_history(app_db, level: str, location_key: str) -> list[dict]:
    """Every case of a location, newest first, with the meetings whose agenda held it."""
    with session_scope(ready(app_db)) as s:
        return _history(s, level, location_key)


def agenda_options(app_db, level: str, location_key: str, cadence_days: int = 14) -> dict:
    """What a page offering "add to an agenda" needs, read at once: the location's ``history``
    (:func:`location_history`), its open ``case`` (or None), the planned ``meetings`` (those already
    holding the open case listed in ``on``) and ``next_date``, the date a new meeting would get."""
    with session_scope(ready(app_db)) as s:
        history = _history(s, level, location_key)
        meetings = [row(m) for m in s.scalars(select(Meeting).where(Meeting.status == "planned")
                                              .order_by(Meeting.held_on, Meeting.id))]
        next_date = next_date_in(s, cadence_days)
    case = next((c for c in history if c["status"] == "open"), None)
    return {"history": history, "case": case, "meetings": meetings, "next_date": next_date,
            "on": {a["meeting_id"] for a in (case or {}).get("agendas", [])}}
