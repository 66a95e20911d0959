"""Rows in every app-state table, as people would have entered them, and a way to read them all back.

Loaded by the ``app_sample`` fixture (tests/conftest.py). ``fill(url)`` migrates ``url`` and writes
users (argon2 hashes), audit entries, meetings with cases, agenda items, action items, notes,
decisions and a score contest, and link decisions (one deleted, so ids have a gap); ``dump(url)``
returns every row of every table in primary-key order, timestamps as aware UTC datetimes.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

from argon2 import PasswordHasher
from sqlalchemy import delete, select

from civicgrid.appstate import (ActionItem, AgendaItem, AuditEntry, Decision, IntegrationCase, LinkDecision, Meeting,
                                MeetingNote, ScoreContest, User, engine_for, session_scope, upgrade)
from civicgrid.appstate.base import Base

PASSWORDS = {"ana": "correct horse battery staple", "bo": "ünïcode pässwörd ✓"}
T0 = datetime(2026, 3, 2, 14, 30, 15, 123456, tzinfo=timezone.utc)


def fill(url: str) -> dict[str, int]:
    """Write the sample rows into ``url`` (migrated first); returns rows per table."""
    upgrade(url)
    ph = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with session_scope(url) as s:
        s.add_all([User(username="ana", display_name="Ana Díaz", password_hash=ph.hash(PASSWORDS["ana"]),
                        role="admin", created_at=T0, last_login_at=T0),
                   User(username="bo", password_hash=ph.hash(PASSWORDS["bo"]), role="integration",
                        failed_logins=3, locked_until=datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)),
                   User(username="cy", password_hash=ph.hash("x" * 12), role="viewer", active=False)])
        s.add_all([AuditEntry(at=T0, username="ana", action="user.add", object_type="user", object_id="bo",
                              detail=json.dumps({"role": "integration"}), ip="10.0.0.7"),
                   AuditEntry(username="bo", action="property.view", object_type="parcel",
                              object_id="0011E00031000000", detail='{"note": "\u00fcn\u00efcode \u2713"}'),
                   AuditEntry(username=None, action="login.fail", ip="192.0.2.1")])
        m1 = Meeting(held_on=date(2026, 3, 2), title="Integration Team — March", status="held",
                     data_as_of=T0, agenda_generated_at=T0, created_by="ana")
        m2 = Meeting(held_on=date(2026, 3, 16), created_by="ana")
        s.add_all([m1, m2])
        s.flush()
        c1 = IntegrationCase(level="parcel", location_key="0011E00031000000", address="1 WEBSTER AVE",
                             lead_department="code_enforcement", first_meeting_id=m1.id)
        c2 = IntegrationCase(level="block", location_key="1800 BLK WEBSTER AVE", first_meeting_id=m1.id)
        s.add_all([c1, c2])
        s.flush()
        s.add_all([AgendaItem(meeting_id=m1.id, case_id=c1.id, reason="new", position=1, score=87.25, rank=1,
                              flags="vacant,fire", detail='{"why": "3 fires"}'),
                   AgendaItem(meeting_id=m1.id, case_id=c2.id, reason="high_score", position=2, score=61.0, rank=4),
                   AgendaItem(meeting_id=m2.id, case_id=c2.id, reason="carried_over", position=1)])
        a1 = ActionItem(case_id=c1.id, meeting_id=m1.id, department="code_enforcement",
                        description="Inspect the rear porch", due_on=date(2026, 3, 30), assigned_to="inspector1",
                        created_by="ana", status="done", closed_at=T0, closed_by="inspector1", close_note="done")
        s.add_all([a1, ActionItem(case_id=c2.id, department="police", description="Extra patrols")])
        s.add_all([MeetingNote(meeting_id=m1.id, case_id=c1.id, author="ana", text="Owner out of state"),
                   MeetingNote(case_id=c2.id, author="bo", text="Neighbours called — ✓", created_at=T0)])
        d1 = Decision(meeting_id=m1.id, case_id=c1.id, decision="close_resolved", closes_case=True,
                      text="abated", decided_by="ana", decided_at=T0)
        s.add_all([d1, Decision(case_id=c2.id, decision="continue")])
        s.flush()
        c1.status, c1.closed_at, c1.closed_by_decision_id = "closed", T0, d1.id
        s.add(ScoreContest(level="parcel", location_key="0011E00031000000", score_as_of=T0, component="fire",
                           reason="the fire was next door", submitted_by="bo", status="corrected",
                           resolved_by="ana", resolved_at=T0, resolution="address fixed"))
        s.add_all([LinkDecision(source="pli_condemned", record_id="17", decision="reassign",
                                parcel_id="0011E00031000000", decided_by="ana", note="deed ✓"),
                   LinkDecision(source="pli_condemned", record_id="18", decision="confirm", decided_by="ana"),
                   LinkDecision(address_key="0 WEBSTER AVE", decision="reject", decided_by="bo", decided_at=T0)])
    with session_scope(url) as s:  # a gap in the ids: the copy must keep ids, not renumber
        s.execute(delete(LinkDecision).where(LinkDecision.record_id == "18"))
    return counts(url)


def counts(url: str) -> dict[str, int]:
    """Rows per app-state table."""
    return {t: len(rows) for t, rows in dump(url).items()}


def _utc(v):
    if isinstance(v, datetime):
        return v.replace(tzinfo=timezone.utc) if v.tzinfo is None else v.astimezone(timezone.utc)
    return v


def dump(url: str) -> dict[str, list[dict]]:
    """Every row of every app-state table, by primary key; datetimes as aware UTC."""
    out = {}
    with engine_for(url).connect() as c:
        for t in Base.metadata.sorted_tables:
            rows = c.execute(select(t).order_by(*t.primary_key.columns)).mappings().all()
            out[t.name] = [{k: _utc(v) for k, v in r.items()} for r in rows]
    return out
