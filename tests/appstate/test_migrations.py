"""App-state database: Alembic migrations run programmatically on SQLite."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from civicgrid.appstate import (LinkDecision, app_url, current_revision, engine_for, head_revision,
                                session_scope, upgrade)
from civicgrid.appstate.db import dispose
from civicgrid.appstate.migrate import downgrade


def test_upgrade_creates_link_decisions_and_is_idempotent(tmp_path):
    path = tmp_path / "sub" / "civicgrid_app.sqlite"
    url = upgrade(path)
    assert path.exists() and url == f"sqlite:///{path.resolve()}"
    assert current_revision(url) == head_revision() == "0003_meetings"
    cols = {c["name"] for c in inspect(engine_for(url)).get_columns("link_decisions")}
    assert cols == {"id", "source", "record_id", "address_key", "decision", "parcel_id", "decided_by",
                    "decided_at", "note"}
    assert upgrade(path) == url and current_revision(url) == head_revision()
    dispose(url)


def test_decisions_round_trip_and_constraints(tmp_path):
    url = upgrade(tmp_path / "app.sqlite")
    with session_scope(url) as s:
        s.add(LinkDecision(source="pli_condemned", record_id="17", decision="reassign",
                           parcel_id="0011E00031000000", decided_by="ana", note="deed"))
        s.add(LinkDecision(address_key="0 WEBSTER AVE", decision="reject", decided_by="bo",
                           decided_at=datetime(2026, 1, 2, tzinfo=timezone.utc)))
    with session_scope(url) as s:
        rows = [d.as_dict() for d in s.scalars(select(LinkDecision).order_by(LinkDecision.id))]
    assert [r["decision"] for r in rows] == ["reassign", "reject"] and rows[0]["decided_at"] is not None
    for bad in (dict(source="a", record_id="1", decision="maybe", decided_by="x"),
                dict(decision="reject", decided_by="x"),                                 # no target
                dict(source="a", record_id="1", decision="reassign", decided_by="x")):    # no parcel
        with pytest.raises(IntegrityError):
            with session_scope(url) as s:
                s.add(LinkDecision(**bad))
    dispose(url)


def test_downgrade_to_base_and_back(tmp_path):
    url = upgrade(tmp_path / "app.sqlite")
    downgrade(url, "base")
    assert current_revision(url) is None
    with engine_for(url).connect() as c:
        names = {r[0] for r in c.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))}
    assert "link_decisions" not in names
    upgrade(url)
    assert current_revision(url) == head_revision()
    dispose(url)


def test_app_url_paths_urls_and_environment(tmp_path, monkeypatch):
    assert app_url("postgresql+psycopg://u@h/civicgrid") == "postgresql+psycopg://u@h/civicgrid"
    assert app_url(tmp_path / "x.sqlite") == f"sqlite:///{(tmp_path / 'x.sqlite').resolve()}"
    monkeypatch.setenv("CIVICGRID_APP_DB", str(tmp_path / "env.sqlite"))
    assert app_url() == f"sqlite:///{(tmp_path / 'env.sqlite').resolve()}"
    monkeypatch.delenv("CIVICGRID_APP_DB")
    monkeypatch.chdir(tmp_path)
    assert app_url().endswith("/civicgrid_app.sqlite")


def test_load_decisions_never_creates_the_database(tmp_path):
    from civicgrid.linkage.decisions import load_decisions

    missing = tmp_path / "none.sqlite"
    assert load_decisions(missing).empty and not missing.exists()


def test_users_and_audit_log_tables(tmp_path):
    from civicgrid.appstate import AuditEntry, User

    url = upgrade(tmp_path / "app.sqlite")
    with session_scope(url) as s:
        s.add(User(username="ana", password_hash="$argon2id$x", role="integration"))
        s.add(AuditEntry(username="ana", action="property.view", object_type="parcel", object_id="0001C00228000100"))
    with session_scope(url) as s:
        u = s.scalars(select(User)).one()
        assert (u.active, u.failed_logins) == (True, 0)
        assert s.scalars(select(AuditEntry)).one().at is not None
    with pytest.raises(IntegrityError):
        with session_scope(url) as s:
            s.add(User(username="bo", password_hash="x", role="mayor"))
    dispose(url)


def test_a_new_sqlite_app_state_is_readable_by_its_owner_only(tmp_path):
    """It holds password hashes and the audit log (docs/deploy.md: 0600)."""
    import stat

    from civicgrid.appstate.migrate import upgrade
    from civicgrid.web import users

    url = upgrade(tmp_path / "app.sqlite")
    users.add_user(url, "ana", "a long enough password", "admin")  # writes: -wal/-shm appear
    for f in tmp_path.glob("app.sqlite*"):
        if f.suffix != ".secret":
            assert stat.S_IMODE(f.stat().st_mode) & 0o077 == 0, f
