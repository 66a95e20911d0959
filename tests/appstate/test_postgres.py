"""App state on PostgreSQL: the same models, migrations and writers as on SQLite.

Runs when ``CIVICGRID_TEST_PG_URL`` is set (CI: ``.ci/postgres.sh``); skips otherwise. Every test
works in its own schema (fixture ``pg_url`` in conftest.py).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from civicgrid.appstate import (ActionItem, AuditEntry, Decision, IntegrationCase, LinkDecision, Meeting, User,
                                current_revision, engine_for, head_revision, session_scope, upgrade)
from civicgrid.appstate.base import Base
from civicgrid.appstate.db import dispose
from civicgrid.appstate.migrate import downgrade

APP_TABLES = set(Base.metadata.tables)


def _tables(url) -> set[str]:
    return set(inspect(engine_for(url)).get_table_names())


def test_server_is_postgresql_and_schema_is_private(pg_url):
    with engine_for(pg_url).connect() as c:
        assert c.dialect.name == "postgresql"
        assert c.execute(text("SELECT current_schema()")).scalar().startswith("t_")
    assert _tables(pg_url) == set()


def test_migrations_up_down_and_up_again(pg_url):
    assert current_revision(pg_url) is None
    assert upgrade(pg_url) == pg_url
    assert current_revision(pg_url) == head_revision() == "0003_meetings"
    assert _tables(pg_url) == APP_TABLES | {"alembic_version"}
    assert upgrade(pg_url) == pg_url and current_revision(pg_url) == head_revision()   # idempotent
    downgrade(pg_url, "base")
    assert current_revision(pg_url) is None
    assert _tables(pg_url) & APP_TABLES == set()
    upgrade(pg_url)
    assert current_revision(pg_url) == head_revision() and _tables(pg_url) >= APP_TABLES


def test_same_schema_as_sqlite(pg_url, tmp_path):
    """Every table, column, nullability and named constraint the migrations make on SQLite, they make on PG."""
    lite = upgrade(tmp_path / "app.sqlite")
    upgrade(pg_url)
    li, pi = inspect(engine_for(lite)), inspect(engine_for(pg_url))
    try:
        for t in sorted(APP_TABLES):
            assert ({c["name"]: c["nullable"] for c in li.get_columns(t)}
                    == {c["name"]: c["nullable"] for c in pi.get_columns(t)}), t
            assert ({c["name"] for c in li.get_check_constraints(t)}
                    == {c["name"] for c in pi.get_check_constraints(t)}), t
            assert ({c["name"] for c in li.get_unique_constraints(t)}
                    == {c["name"] for c in pi.get_unique_constraints(t)}), t
            assert ({(tuple(f["constrained_columns"]), f["referred_table"]) for f in li.get_foreign_keys(t)}
                    == {(tuple(f["constrained_columns"]), f["referred_table"]) for f in pi.get_foreign_keys(t)}), t
            # PG also lists the index behind a unique constraint ("duplicates_constraint"); SQLite does not
            assert ({i["name"] for i in li.get_indexes(t) if "duplicates_constraint" not in i}
                    == {i["name"] for i in pi.get_indexes(t) if "duplicates_constraint" not in i}), t
    finally:
        dispose(lite)


def test_link_decision_round_trip_and_constraints(pg_url):
    upgrade(pg_url)
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    with session_scope(pg_url) as s:
        s.add(LinkDecision(source="pli_condemned", record_id="17", decision="reassign",
                           parcel_id="0011E00031000000", decided_by="ana", note="deed ✓ — ünïcode"))
        s.add(LinkDecision(address_key="0 WEBSTER AVE", decision="reject", decided_by="bo", decided_at=when))
    with session_scope(pg_url) as s:
        rows = [d.as_dict() for d in s.scalars(select(LinkDecision).order_by(LinkDecision.id))]
    assert [r["decision"] for r in rows] == ["reassign", "reject"]
    assert rows[0]["note"] == "deed ✓ — ünïcode" and rows[0]["decided_at"].tzinfo is not None
    assert rows[1]["decided_at"] == when
    for bad in (dict(source="a", record_id="1", decision="maybe", decided_by="x"),
                dict(decision="reject", decided_by="x"),                                 # no target
                dict(source="a", record_id="1", decision="reassign", decided_by="x")):    # no parcel
        with pytest.raises(IntegrityError):
            with session_scope(pg_url) as s:
                s.add(LinkDecision(**bad))
    with session_scope(pg_url) as s:   # failed transactions were rolled back; the session still works
        assert len(s.scalars(select(LinkDecision)).all()) == 2


def test_user_and_audit_entry_round_trip_and_constraints(pg_url):
    from civicgrid.integration import casework

    upgrade(pg_url)
    with session_scope(pg_url) as s:
        s.add(User(username="ana", password_hash="$argon2id$x", role="integration"))
        s.add(AuditEntry(username="ana", action="property.view", object_type="parcel", object_id="0001C00228000100"))
    casework.audit(pg_url, "ana", "export.csv", "table", "scores", {"rows": 12})
    with session_scope(pg_url) as s:
        u = s.scalars(select(User)).one()
        assert (u.active, u.failed_logins, u.role) == (True, 0, "integration") and u.created_at.tzinfo is not None
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["property.view", "export.csv"] and entries[1].detail == '{"rows": 12}'
    for bad in (User(username="bo", password_hash="x", role="mayor"),          # unknown role
                User(username="ana", password_hash="x", role="viewer")):       # duplicate user name
        with pytest.raises(IntegrityError):
            with session_scope(pg_url) as s:
                s.add(bad)


def test_meeting_action_item_and_decision_through_casework(pg_url):
    from civicgrid.integration import casework, meetings

    m = meetings.new_meeting(pg_url, date(2026, 3, 2), created_by="chair")
    assert meetings.new_meeting(pg_url, created_by="chair")["held_on"] == "2026-03-16"   # + cadence
    item = meetings.add_to_agenda(pg_url, m["id"], "parcel", "0011E00031000000", address="1 WEBSTER AVE",
                                  lead_department="code_enforcement")
    act = casework.add_action(pg_url, case_id=item["case_id"], department="code_enforcement",
                              description="Inspect the rear porch", due_on=date(2026, 3, 30),
                              meeting_id=m["id"], created_by="chair")
    casework.add_note(pg_url, level="parcel", location_key="0011E00031000000", text="Owner out of state",
                      meeting_id=m["id"], author="chair")
    done = casework.close_action(pg_url, act["id"], closed_by="inspector", note="inspected")
    dec = casework.decide(pg_url, case_id=item["case_id"], decision="close_resolved", text="abated",
                          meeting_id=m["id"], decided_by="chair")
    assert done["status"] == "done" and dec["closes_case"] is True
    with pytest.raises(ValueError, match="already closed"):
        casework.decide(pg_url, case_id=item["case_id"], decision="continue")

    agenda = meetings.get_agenda(pg_url, m["id"])
    (it,) = agenda["items"]
    assert it["case"]["status"] == "closed" and it["case"]["closed_by_decision_id"] == dec["id"]
    assert [a["due_on"] for a in it["actions"]] == ["2026-03-30"] and it["open_actions"] == 0
    assert [n["text"] for n in it["notes"]] == ["Owner out of state"] and len(it["decisions"]) == 1
    assert [x["held_on"] for x in meetings.list_meetings(pg_url)] == ["2026-03-02", "2026-03-16"]
    with session_scope(pg_url) as s:
        assert s.get(Meeting, m["id"]).held_on == date(2026, 3, 2)
        assert s.get(ActionItem, act["id"]).due_on == date(2026, 3, 30)
        assert s.get(Decision, dec["id"]).closes_case is True
        assert s.get(IntegrationCase, item["case_id"]).closed_at.tzinfo is not None
        assert [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))] == [
            "agenda.add", "action.add", "action.close", "case.decide"]

    for bad in (ActionItem(case_id=999_999, department="x", description="no such case"),     # foreign key
                ActionItem(case_id=item["case_id"], department="x", description="d", status="later"),  # check
                Meeting(held_on=date(2026, 4, 1), status="postponed")):                          # check
        with pytest.raises(IntegrityError):
            with session_scope(pg_url) as s:
                s.add(bad)
    with pytest.raises(IntegrityError):   # one agenda item per case and meeting
        with session_scope(pg_url) as s:
            s.execute(text("INSERT INTO agenda_items (meeting_id, case_id, reason, position) "
                           "VALUES (:m, :c, 'added', 9)"), {"m": m["id"], "c": item["case_id"]})


def test_linkage_review_decisions_on_postgresql(pg_url):
    from civicgrid.linkage.decisions import DECISION_COLUMNS, load_decisions
    from civicgrid.linkage.review import decide

    assert load_decisions(pg_url).empty   # never migrated: empty, and nothing created
    assert _tables(pg_url) == set()
    d1 = decide(pg_url, "reassign", decided_by="ana", source="pli_condemned", record_id="17",
                parcel_id="0011E00031000000", note="deed")
    d2 = decide(pg_url, "reject", decided_by="bo", address_key="0 WEBSTER AVE")
    assert current_revision(pg_url) == head_revision()
    df = load_decisions(pg_url)
    assert list(df.columns) == DECISION_COLUMNS
    assert df["id"].tolist() == [d1["id"], d2["id"]]
    assert df["decision"].tolist() == ["reassign", "reject"]
    assert df["parcel_id"].tolist()[0] == "0011E00031000000" and df["address_key"].tolist()[1] == "0 WEBSTER AVE"
    with pytest.raises(ValueError):
        decide(pg_url, "reassign", decided_by="ana", source="pli_condemned", record_id="17")
