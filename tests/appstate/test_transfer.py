"""Copying the app state between databases: SQLite → SQLite, SQLite → PostgreSQL, PostgreSQL → SQLite.

Every table holds real rows (``app_sample`` fixture); a copy must keep every value and id, refuse
what would lose data, and leave PostgreSQL ready for new rows (sequences past the copied ids).
The PostgreSQL tests run when ``CIVICGRID_TEST_PG_URL`` is set (fixture ``pg_url``).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timezone

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from civicgrid.appstate import (ActionItem, AgendaItem, AuditEntry, Decision, IntegrationCase, LinkDecision, Meeting,
                                MeetingNote, ScoreContest, User, current_revision, head_revision, session_scope,
                                upgrade)
from civicgrid.appstate.base import Base
from civicgrid.appstate.db import dispose
from civicgrid.appstate.migrate import downgrade
from civicgrid.appstate.transfer import TransferError, copy_app_state
from civicgrid.cli import app

TABLES = [t.name for t in Base.metadata.sorted_tables]


def _new_rows(url) -> dict[str, int]:
    """Insert one new row in every table (no id given); returns the id each got."""
    with session_scope(url) as s:
        u = User(username="new", password_hash="$argon2id$x", role="hr")
        a = AuditEntry(action="user.add", username="new")
        m = Meeting(held_on=date(2026, 4, 1))
        s.add_all([u, a, m])
        s.flush()
        c = IntegrationCase(level="parcel", location_key="NEW", first_meeting_id=m.id)
        s.add(c)
        s.flush()
        rows = {"users": u, "audit_log": a, "meetings": m, "integration_cases": c,
                "agenda_items": AgendaItem(meeting_id=m.id, case_id=c.id, reason="added", position=1),
                "action_items": ActionItem(case_id=c.id, department="fire", description="d"),
                "meeting_notes": MeetingNote(case_id=c.id, text="n"),
                "decisions": Decision(case_id=c.id, decision="continue"),
                "score_contests": ScoreContest(level="parcel", location_key="NEW", reason="r"),
                "link_decisions": LinkDecision(address_key="1 NEW ST", decision="reject", decided_by="new")}
        s.add_all(rows.values())
        s.flush()
        return {k: v.id for k, v in rows.items()}


def _assert_copied(src, dst, rep, sample):
    before = sample.dump(src)
    assert all(before[t] for t in TABLES), "the sample must fill every table"
    assert list(rep["tables"]) == TABLES and rep["tables"] == {t: len(before[t]) for t in TABLES}
    assert rep["rows"] == sum(rep["tables"].values()) and rep["revision"] == head_revision()
    assert sample.dump(dst) == before
    assert current_revision(dst) == head_revision()
    with session_scope(dst) as s:
        for name, pw in sample.PASSWORDS.items():
            assert PasswordHasher().verify(s.scalars(select(User).where(User.username == name)).one().password_hash, pw)


def _sqlite_raw(path, sql):
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_sqlite_to_sqlite_keeps_every_row_and_id(tmp_path, app_sample):
    src, dst = tmp_path / "app.sqlite", tmp_path / "new" / "copy.sqlite"
    app_sample.fill(src)
    dst.parent.mkdir()
    rep = copy_app_state(src, dst, batch_size=2)   # several batches per table
    _assert_copied(src, dst, rep, app_sample)
    assert rep["source_dialect"] == rep["target_dialect"] == "sqlite" and rep["deleted"] == {}
    assert [r[0] for r in _sqlite_raw(dst, "SELECT id FROM link_decisions ORDER BY id")] == [1, 3]   # the gap is kept
    before = app_sample.dump(dst)
    assert _new_rows(dst) == {t: max(r["id"] for r in before[t]) + 1 for t in TABLES}


def test_a_target_with_rows_is_refused_unless_replace(tmp_path, app_sample):
    src, dst = tmp_path / "app.sqlite", tmp_path / "copy.sqlite"
    app_sample.fill(src)
    first = copy_app_state(src, dst)
    with session_scope(src) as s:
        s.add(User(username="dee", password_hash="$argon2id$y", role="hr"))
    with pytest.raises(TransferError, match=r"already holds app-state rows \(.*users 3,.*pass --replace"):
        copy_app_state(src, dst)
    assert app_sample.counts(dst)["users"] == 3
    rep = copy_app_state(src, dst, replace=True)
    assert rep["deleted"] == first["tables"] and rep["tables"]["users"] == 4
    assert app_sample.dump(dst) == app_sample.dump(src)


def test_refused_sources_and_targets_leave_the_target_alone(tmp_path, app_sample):
    src = tmp_path / "app.sqlite"
    app_sample.fill(src)
    with pytest.raises(TransferError, match="both the source and the target"):
        copy_app_state(src, tmp_path / "." / "app.sqlite")
    with pytest.raises(TransferError, match="no such app-state file"):
        copy_app_state(tmp_path / "missing.sqlite", tmp_path / "t1.sqlite")
    _sqlite_raw(tmp_path / "other.sqlite", "CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    with pytest.raises(TransferError, match="holds no civicgrid app state"):
        copy_app_state(tmp_path / "other.sqlite", tmp_path / "t2.sqlite")
    old = tmp_path / "old.sqlite"
    upgrade(old, "0002_users_audit")
    with pytest.raises(TransferError, match=r"revision 0002_users_audit, not the newest .*civicgrid appstate migrate"):
        copy_app_state(old, tmp_path / "t3.sqlite")
    assert not any((tmp_path / f"t{i}.sqlite").exists() for i in (1, 2, 3))


def test_a_row_the_target_refuses_rolls_the_whole_copy_back(tmp_path, app_sample):
    src, dst = tmp_path / "app.sqlite", tmp_path / "copy.sqlite"
    app_sample.fill(src)
    dispose(src)
    con = sqlite3.connect(src)  # foreign keys off (sqlite3's default): an orphan an old tool could have left
    con.execute("INSERT INTO action_items (case_id, department, description, status, created_at) "
                "VALUES (999, 'fire', 'orphan', 'open', '2026-01-01 00:00:00')")
    con.commit()
    con.close()
    with pytest.raises(TransferError, match="a row of action_items cannot be written.*nothing was written"):
        copy_app_state(src, dst)
    assert app_sample.counts(dst) == {t: 0 for t in TABLES}


def test_copy_and_migrate_commands(tmp_path, app_sample):
    run = CliRunner().invoke
    src, dst = tmp_path / "app.sqlite", tmp_path / "copy.sqlite"
    r = run(app, ["appstate", "migrate", "--app-db", str(src), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"app_db": str(src), "revision": head_revision()}
    app_sample.fill(src)
    r = run(app, ["appstate", "copy", "--from", str(src), "--to", str(dst), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["tables"] == app_sample.counts(src)
    r = run(app, ["appstate", "copy", "--from", str(src), "--to", str(dst)])
    assert r.exit_code == 2 and "already holds app-state rows" in r.output and "Traceback" not in r.output
    r = run(app, ["appstate", "copy", "--from", str(src), "--to", str(dst), "--replace"])
    assert r.exit_code == 0 and "every table reconciles" in r.stdout and "users" in r.stdout
    r = run(app, ["appstate", "copy", "--from", str(tmp_path / "none.sqlite"), "--to", str(dst)])
    assert r.exit_code == 2 and "no such app-state file" in r.output


# --- PostgreSQL ---------------------------------------------------------------------------------

def test_sqlite_to_postgresql_then_new_rows_and_back(tmp_path, app_sample, pg_url):
    src = tmp_path / "app.sqlite"
    app_sample.fill(src)
    rep = copy_app_state(src, pg_url, batch_size=2)
    _assert_copied(src, pg_url, rep, app_sample)
    assert (rep["source_dialect"], rep["target_dialect"]) == ("sqlite", "postgresql")
    assert "***" in rep["target"] and "civicgrid_test_pw" not in json.dumps(rep)
    with session_scope(pg_url) as s:   # timestamps arrive as the same instants, with their zone
        assert s.get(Meeting, 1).data_as_of == app_sample.T0
        assert s.get(User, 2).locked_until == datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
    copied = app_sample.dump(pg_url)
    ids = _new_rows(pg_url)   # the sequences were moved past the copied ids
    assert ids == {t: max(r["id"] for r in copied[t]) + 1 for t in TABLES}
    assert ids["link_decisions"] == 4
    back = tmp_path / "back.sqlite"
    rep = copy_app_state(pg_url, back)
    assert rep["tables"] == {t: len(copied[t]) + 1 for t in TABLES}
    assert app_sample.dump(back) == app_sample.dump(pg_url)


def test_postgresql_to_sqlite_stores_utc_whatever_the_session_zone(tmp_path, app_sample, pg_url):
    u = make_url(pg_url)
    chicago = u.update_query_dict({"options": u.query["options"] + " -ctimezone=America/Chicago"}).render_as_string(
        hide_password=False)
    try:
        with session_scope(chicago) as s0:
            assert s0.execute(text("SHOW timezone")).scalar() == "America/Chicago"
        app_sample.fill(chicago)
        dst = tmp_path / "copy.sqlite"
        rep = copy_app_state(chicago, dst)
        _assert_copied(chicago, dst, rep, app_sample)
        assert _sqlite_raw(dst, "SELECT data_as_of FROM meetings WHERE id = 1") == [("2026-03-02 14:30:15.123456",)]
    finally:
        dispose(chicago)


def test_postgresql_target_refused_replaced_and_not_itself(tmp_path, app_sample, pg_url):
    src = tmp_path / "app.sqlite"
    app_sample.fill(src)
    copy_app_state(src, pg_url)
    with session_scope(pg_url) as s:
        s.add(User(username="dee", password_hash="$argon2id$y", role="hr"))
    with pytest.raises(TransferError, match=r"already holds app-state rows \(.*users 4,.*--replace"):
        copy_app_state(src, pg_url)
    assert app_sample.counts(pg_url)["users"] == 4
    rep = copy_app_state(src, pg_url, replace=True)
    assert rep["deleted"]["users"] == 4 and app_sample.dump(pg_url) == app_sample.dump(src)
    assert _new_rows(pg_url)["users"] == 4
    # the same database under another spelling of its address is still itself
    same = make_url(pg_url).set(host="localhost").render_as_string(hide_password=False)
    try:
        with pytest.raises(TransferError, match="same PostgreSQL database and schema"):
            copy_app_state(pg_url, same, replace=True)
    finally:
        dispose(same)
    assert app_sample.counts(pg_url)["users"] == 4


def test_a_postgresql_source_must_be_migrated_first(tmp_path, pg_url):
    upgrade(pg_url)
    downgrade(pg_url, "0002_users_audit")
    r = CliRunner().invoke(app, ["appstate", "copy", "--from", pg_url, "--to", str(tmp_path / "c.sqlite")])
    assert r.exit_code == 2 and "civicgrid appstate migrate --app-db" in r.output
    assert "civicgrid_test_pw" not in r.output
    r = CliRunner().invoke(app, ["appstate", "migrate", "--app-db", pg_url])
    assert r.exit_code == 0 and head_revision() in r.stdout
    r = CliRunner().invoke(app, ["appstate", "copy", "--from", pg_url, "--to", str(tmp_path / "c.sqlite"), "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["rows"] == 0


def test_a_target_in_a_missing_folder_or_empty_is_refused(tmp_path):
    from civicgrid.appstate.migrate import upgrade
    from civicgrid.appstate.transfer import TransferError, copy_app_state

    src = tmp_path / "src.sqlite"
    upgrade(src)
    with pytest.raises(TransferError, match="no such folder"):
        copy_app_state(src, tmp_path / "typo" / "dst.sqlite")
    assert not (tmp_path / "typo").exists()
    with pytest.raises(TransferError, match="target is empty"):
        copy_app_state(src, "")
