"""Work on a case between and during meetings: action items, notes, decisions, leads, score
contests, and the audit trail. Every function takes ``app_db`` (path or URL, see
:func:`civicgrid.appstate.app_url`), creates/migrates it on first use and returns plain dicts.
"""

from __future__ import annotations

import threading

import json
from datetime import date, datetime, timezone

from sqlalchemy import select

from civicgrid.appstate import (ActionItem, AuditEntry, Decision, IntegrationCase, Meeting, MeetingNote, ScoreContest,
                                session_scope, upgrade)
from civicgrid.appstate.db import app_url

_READY_LOCK = threading.Lock()
_READY: set[str] = set()
CLOSING_DECISIONS = ("close_resolved", "close_no_action", "close_referred")


def ready(app_db) -> str:
    """The app-state URL, migrated to the newest schema once per process (thread-safe: web
    workers may call it at once, and Alembic's script loading is not re-entrant)."""
    url = app_url(app_db)
    if url in _READY:
        return url
    with _READY_LOCK:
        if url not in _READY:
            upgrade(url)
            _READY.add(url)
    return url


def _now() -> datetime:
    return datetime.now(timezone.utc)


def row(obj) -> dict:
    out = {}
    for c in obj.__table__.columns:
        v = getattr(obj, c.name)
        out[c.name] = v.isoformat() if isinstance(v, (date, datetime)) else v
    return out


def audit(app_db, username: str | None, action: str, object_type: str | None, object_id: str | None,
          detail: dict | None = None) -> None:
    """Append one audit-log row (``property.view``, ``export.packet``, ``action.add`` …)."""
    with session_scope(ready(app_db)) as s:
        s.add(AuditEntry(username=username, action=action, object_type=object_type, object_id=object_id,
                         detail=json.dumps(detail, default=str) if detail else None))


def open_case(s, level: str, location_key: str) -> IntegrationCase | None:
    return s.scalars(select(IntegrationCase).where(IntegrationCase.level == level,
                                                   IntegrationCase.location_key == location_key,
                                                   IntegrationCase.status == "open")).first()


def _case(s, case_id: int | None, level: str | None, location_key: str | None) -> IntegrationCase:
    if case_id is not None:
        c = s.get(IntegrationCase, case_id)
    else:
        c = open_case(s, level or "parcel", str(location_key))
    if c is None:
        raise ValueError(f"no {'case ' + str(case_id) if case_id else 'open case for ' + str(location_key)}; "
                         "a location gets a case when it first reaches an agenda (`civicgrid meeting agenda`)")
    return c


def _not_cancelled(s, meeting_id: int | None) -> None:
    """Nothing is recorded at a cancelled meeting (it did not take place)."""
    m = s.get(Meeting, meeting_id) if meeting_id is not None else None
    if m is not None and m.status == "cancelled":
        raise ValueError(f"Meeting {meeting_id} was cancelled; record this without the meeting or reinstate it.")


def add_action(app_db, *, department: str, description: str, case_id: int | None = None,
               level: str | None = None, location_key: str | None = None, due_on: date | None = None,
               meeting_id: int | None = None, assigned_to: str | None = None, created_by: str | None = None) -> dict:
    """Add an open action item to a case (given by id, or by its location)."""
    with session_scope(ready(app_db)) as s:
        c = _case(s, case_id, level, location_key)
        _not_cancelled(s, meeting_id)
        a = ActionItem(case_id=c.id, meeting_id=meeting_id, department=department, description=description,
                       due_on=due_on, status="open", assigned_to=assigned_to, created_by=created_by)
        s.add(a)
        s.flush()
        out = row(a)
    audit(app_db, created_by, "action.add", "case", str(out["case_id"]), {"action_id": out["id"]})
    return out


def close_action(app_db, action_id: int, *, status: str = "done", closed_by: str | None = None,
                 note: str | None = None) -> dict:
    """Mark an action item done (or dropped)."""
    if status not in ("done", "dropped"):
        raise ValueError("an action closes as 'done' or 'dropped'")
    with session_scope(ready(app_db)) as s:
        a = s.get(ActionItem, action_id)
        if a is None:
            raise ValueError(f"no action item {action_id}")
        a.status, a.closed_at, a.closed_by, a.close_note = status, _now(), closed_by, note
        s.flush()
        out = row(a)
    audit(app_db, closed_by, "action.close", "action", str(action_id), {"status": status})
    return out


def add_note(app_db, *, text: str, case_id: int | None = None, level: str | None = None,
             location_key: str | None = None, meeting_id: int | None = None, author: str | None = None) -> dict:
    with session_scope(ready(app_db)) as s:
        c = _case(s, case_id, level, location_key)
        _not_cancelled(s, meeting_id)
        n = MeetingNote(case_id=c.id, meeting_id=meeting_id, author=author, text=text)
        s.add(n)
        s.flush()
        return row(n)


def decide(app_db, *, decision: str, case_id: int | None = None, level: str | None = None,
           location_key: str | None = None, closes_case: bool | None = None, text: str | None = None,
           meeting_id: int | None = None, decided_by: str | None = None) -> dict:
    """Record a decision. ``closes_case`` defaults to True for ``close_*`` decisions; a closed case
    leaves the list (its open action items stay visible in its history)."""
    closes = decision.startswith("close") if closes_case is None else closes_case
    with session_scope(ready(app_db)) as s:
        c = _case(s, case_id, level, location_key)
        _not_cancelled(s, meeting_id)
        if c.status != "open":
            raise ValueError(f"case {c.id} is already closed")
        d = Decision(case_id=c.id, meeting_id=meeting_id, decision=decision, closes_case=closes, text=text,
                     decided_by=decided_by)
        s.add(d)
        s.flush()
        if closes:
            c.status, c.closed_at, c.closed_by_decision_id = "closed", _now(), d.id
        out = row(d)
    audit(app_db, decided_by, "case.decide", "case", str(out["case_id"]), {"decision": decision, "closes": closes})
    return out


def set_lead(app_db, case_id: int, department: str, username: str | None = None, *,
             allowed: list[str] | None = None) -> dict:
    """Set or change the lead department of an open case (``allowed``: the departments it may be,
    e.g. :func:`civicgrid.integration.meeting_state.lead_choices`)."""
    department = str(department or "").strip()
    if not department:
        raise ValueError("Choose a lead department.")
    if len(department) > 64:
        raise ValueError("A department name is at most 64 characters.")
    if allowed is not None and department not in allowed:
        raise ValueError(f"{department!r} is not one of this city's departments ({', '.join(allowed)}).")
    with session_scope(ready(app_db)) as s:
        c = _case(s, case_id, None, None)
        if c.status != "open":
            raise ValueError(f"Case {case_id} is closed, so its lead department no longer changes.")
        if c.lead_department == department:
            raise ValueError(f"{department.replace('_', ' ')} is already the lead department of case {case_id}.")
        before, c.lead_department = c.lead_department, department
        s.flush()
        out = row(c)
    audit(app_db, username, "case.lead", "case", str(case_id), {"from": before, "lead": department})
    return out


def contest_score(app_db, *, level: str, location_key: str, reason: str, component: str | None = None,
                  submitted_by: str | None = None, score_as_of=None) -> dict:
    """Record a disagreement with a score (or one component); the team resolves it later."""
    with session_scope(ready(app_db)) as s:
        c = ScoreContest(level=level, location_key=str(location_key), reason=reason, component=component,
                         submitted_by=submitted_by, score_as_of=score_as_of, status="open")
        s.add(c)
        s.flush()
        out = row(c)
    audit(app_db, submitted_by, "score.contest", level, str(location_key), {"contest_id": out["id"]})
    return out


CONTEST_RESOLUTIONS = ("upheld", "rejected", "corrected")


def resolve_contest(app_db, contest_id: int, *, status: str, resolution: str, resolved_by: str | None = None) -> dict:
    """Resolve an open score contest: ``upheld`` (the score was wrong), ``rejected`` (it stands) or
    ``corrected`` (the data or rules were fixed); ``resolution`` says why. Audited."""
    if status not in CONTEST_RESOLUTIONS:
        raise ValueError("A contest resolves as upheld, rejected or corrected.")
    resolution = str(resolution or "").strip()
    if not resolution:
        raise ValueError("Say in a note why the contest is resolved this way.")
    if len(resolution) > 4000:
        raise ValueError("The note is longer than 4,000 characters.")
    with session_scope(ready(app_db)) as s:
        c = s.get(ScoreContest, contest_id)
        if c is None:
            raise ValueError(f"There is no score contest {contest_id}.")
        if c.status != "open":
            raise ValueError(f"Contest {contest_id} was already resolved ({c.status}).")
        c.status, c.resolution, c.resolved_by, c.resolved_at = status, resolution, resolved_by, _now()
        s.flush()
        out = row(c)
    audit(app_db, resolved_by, "score.contest.resolve", out["level"], out["location_key"],
          {"contest_id": contest_id, "status": status})
    return out


def open_contests(app_db, limit: int = 500) -> list[dict]:
    """Contests still waiting for the team, oldest first."""
    with session_scope(ready(app_db)) as s:
        q = select(ScoreContest).where(ScoreContest.status == "open").order_by(ScoreContest.id).limit(limit)
        return [row(c) for c in s.scalars(q)]


def contests_at(app_db, locations) -> dict[tuple[str, str], list[dict]]:
    """Score contests of several ``(level, location_key)`` at once, oldest first per location."""
    wanted = {(lv, str(k)) for lv, k in locations}
    out: dict[tuple[str, str], list[dict]] = {}
    if not wanted:
        return out
    with session_scope(ready(app_db)) as s:
        keys = sorted({k for _, k in wanted})
        q = select(ScoreContest).where(ScoreContest.location_key.in_(keys)).order_by(ScoreContest.id)
        for c in s.scalars(q):
            if (c.level, c.location_key) in wanted:
                out.setdefault((c.level, c.location_key), []).append(row(c))
    return out


def get_case(app_db, case_id: int) -> dict:
    """One case (raises ValueError when there is none)."""
    with session_scope(ready(app_db)) as s:
        return row(_case(s, case_id, None, None))


def get_contest(app_db, contest_id: int) -> dict:
    """One score contest (raises ValueError when there is none)."""
    with session_scope(ready(app_db)) as s:
        c = s.get(ScoreContest, contest_id)
        if c is None:
            raise ValueError(f"There is no score contest {contest_id}.")
        return row(c)


def contests_for(app_db, level: str, location_key: str) -> list[dict]:
    with session_scope(ready(app_db)) as s:
        q = select(ScoreContest).where(ScoreContest.level == level, ScoreContest.location_key == str(location_key))
        return [row(c) for c in s.scalars(q.order_by(ScoreContest.id))]


def actions_for(app_db, level: str, location_key: str) -> list[dict]:
    """Action items of every case (open or closed) of a location, open ones first."""
    with session_scope(ready(app_db)) as s:
        q = (select(ActionItem).join(IntegrationCase, ActionItem.case_id == IntegrationCase.id)
             .where(IntegrationCase.level == level, IntegrationCase.location_key == str(location_key)))
        items = [row(a) for a in s.scalars(q)]
    return sorted(items, key=lambda a: (a["status"] != "open", a["due_on"] or "9999", a["id"]))
