"""Backup and restore of the warehouse, the app state and the run log: a round trip with damage."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from civicgrid.config import load_config
from civicgrid.refresh.backup import BackupError, backup, restore
from civicgrid.refresh.cli import EXIT_LOCKED, refresh_app
from civicgrid.refresh.lock import LockBusy, RefreshLock
from civicgrid.refresh.run import run_refresh
from civicgrid.refresh.runlog import run_log_path
from civicgrid.warehouse.db import open_readonly


@pytest.fixture
def site(tmp_path):
    """A refreshed warehouse (one real export: the first 400 Pittsburgh fire incidents) and an app-state file."""
    real = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pittsburgh" / "fire_incidents.csv"
    if not real.exists():
        pytest.skip(f"real data {real} not found (it sits beside the repository in CI)")
    data = tmp_path / "data"
    data.mkdir()
    lines = real.read_text(encoding="utf-8").splitlines(keepends=True)[:401]
    (data / "fire_incidents.csv").write_text("".join(lines), encoding="utf-8")
    doc = yaml.safe_load((Path(__file__).resolve().parents[2] / "examples" / "pittsburgh" / "city.yaml").read_text())
    doc["sources"] = [s for s in doc["sources"] if s["name"] == "fire_incidents"]
    (data / "city.yaml").write_text(yaml.safe_dump(doc))
    db = tmp_path / "srv" / "civicgrid.duckdb"
    rep = run_refresh(load_config(data / "city.yaml"), db)
    assert rep.status == "ok", rep.message
    app = db.with_name("civicgrid_app.sqlite")
    con = sqlite3.connect(app)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, parcel TEXT, body TEXT)")
    con.executemany("INSERT INTO notes (parcel, body) VALUES (?, ?)",
                    [("0011E00031000000", "owner called back"), ("0027K00012000000", "board-up ordered")])
    con.commit()
    con.close()
    return {"db": db, "app": app, "tmp": tmp_path}


def _warehouse_rows(db):
    con = open_readonly(db)
    try:
        return con.execute("SELECT record_id, opened_at, address FROM events ORDER BY record_id").fetchall()
    finally:
        con.close()


def _notes(app):
    con = sqlite3.connect(app)
    try:
        return con.execute("SELECT * FROM notes ORDER BY id").fetchall()
    finally:
        con.close()


def test_round_trip_backup_damage_restore(site):
    db, app, tmp = site["db"], site["app"], site["tmp"]
    rows, notes, log = _warehouse_rows(db), _notes(app), run_log_path(db).read_text()
    assert len(rows) == 400 and len(notes) == 2
    m = backup(db, tmp / "backups")
    assert {v["role"] for v in m["files"].values()} == {"warehouse", "app_state", "run_log"}
    folder = tmp / "backups" / m["folder"].rsplit("/", 1)[-1]
    assert json.loads((folder / "manifest.json").read_text())["files"] == m["files"]
    # damage: the warehouse overwritten with junk, a note deleted, the run log truncated
    db.write_bytes(b"\0" * 4096)
    con = sqlite3.connect(app)
    con.execute("DELETE FROM notes WHERE id = 1")
    con.commit()
    con.close()
    run_log_path(db).write_text("")
    with pytest.raises(Exception):
        _warehouse_rows(db)
    r = restore(folder, db)
    assert set(r["restored"]) == {"warehouse", "app_state", "run_log"}
    assert _warehouse_rows(db) == rows and _notes(app) == notes and run_log_path(db).read_text() == log
    assert db.with_name(db.name + ".pre-restore").read_bytes() == b"\0" * 4096  # the damaged file is kept aside


def test_a_damaged_backup_is_refused(site):
    m = backup(site["db"], site["tmp"] / "backups")
    folder = site["tmp"] / "backups" / m["folder"].rsplit("/", 1)[-1]
    with open(folder / site["db"].name, "r+b") as fh:
        fh.seek(100)
        fh.write(b"XX")
    before = site["db"].read_bytes()
    with pytest.raises(BackupError, match="does not match its checksum"):
        restore(folder, site["db"])
    assert site["db"].read_bytes() == before
    with pytest.raises(BackupError, match="not a civicgrid backup"):
        restore(site["tmp"], site["db"])


def test_backup_waits_for_a_running_refresh_and_keeps_the_newest(site):
    with RefreshLock(site["db"]):
        with pytest.raises(LockBusy):
            backup(site["db"], site["tmp"] / "b", lock_wait=0.3)
    assert not list((site["tmp"] / "b").glob("*.partial"))
    for _ in range(3):
        m = backup(site["db"], site["tmp"] / "b", keep=2)
    assert len(m["pruned"]) == 1 and len(list((site["tmp"] / "b").glob("civicgrid-*"))) == 2


def test_backup_and_restore_commands(site):
    db, tmp = site["db"], site["tmp"]
    run = CliRunner().invoke
    r = run(refresh_app, ["backup", "--db", str(db), "--to", str(tmp / "bk"), "--json"])
    assert r.exit_code == 0, r.output
    folder = json.loads(r.output)["folder"]
    r = run(refresh_app, ["restore", folder, "--db", str(tmp / "elsewhere" / "civicgrid.duckdb")])
    assert r.exit_code == 0 and "restored warehouse" in r.output
    assert _warehouse_rows(tmp / "elsewhere" / "civicgrid.duckdb") == _warehouse_rows(db)
    assert _notes(tmp / "elsewhere" / "civicgrid_app.sqlite") == _notes(site["app"])
    r = run(refresh_app, ["backup", "--db", str(tmp / "missing.duckdb"), "--to", str(tmp / "bk")])
    assert r.exit_code == 2 and "no warehouse to back up" in r.output
    with RefreshLock(db):
        r = run(refresh_app, ["backup", "--db", str(db), "--to", str(tmp / "bk"), "--wait", "0"])
    assert r.exit_code == EXIT_LOCKED and "another refresh pid" in r.output


# --- an app state on PostgreSQL (fixtures pg_url and app_sample in tests/conftest.py) --------------

def test_round_trip_with_the_app_state_on_postgresql(site, pg_url, app_sample):
    from sqlalchemy import delete

    from civicgrid.appstate import AuditEntry, LinkDecision, User, session_scope
    from civicgrid.appstate.db import dispose

    db, tmp = site["db"], site["tmp"]
    counts = app_sample.fill(pg_url)
    before = app_sample.dump(pg_url)
    m = backup(db, tmp / "bk", app_db=pg_url)
    entry = m["files"]["civicgrid_app.sqlite"]
    assert {k: entry[k] for k in ("role", "format", "source_dialect", "rows")} == {
        "role": "app_state", "format": "sqlite", "source_dialect": "postgresql", "rows": counts}
    folder = Path(m["folder"])
    text = (folder / "manifest.json").read_text()
    assert "civicgrid_test_pw" not in text and json.loads(text)["source_app_db"].startswith("postgresql+psycopg://civicgrid_test:***@")
    look = tmp / "look.sqlite"   # opened through a copy: opening a backup's file must not change its checksum
    shutil.copy2(folder / "civicgrid_app.sqlite", look)
    assert app_sample.dump(look) == before   # a plain SQLite app state
    dispose(look)
    # damage: the audit log emptied, an account added
    with session_scope(pg_url) as s:
        s.execute(delete(AuditEntry))
        s.add(User(username="intruder", password_hash="$argon2id$z", role="admin"))
    with pytest.raises(BackupError, match="copied from postgresql; give --app-db"):
        restore(folder, db)          # never guesses which database to overwrite
    r = restore(folder, db, app_db=pg_url)
    assert r["restored"]["app_state"].startswith("postgresql+psycopg://civicgrid_test:***@")
    assert set(r["restored"]) == {"warehouse", "app_state", "run_log"} and r["app_state_rows"] == counts
    assert app_sample.dump(pg_url) == before
    pre = r["app_state_pre_restore"]
    assert [u["username"] for u in app_sample.dump(pre)["users"]][-1] == "intruder"   # the replaced state, kept
    assert app_sample.counts(pre)["audit_log"] == 0
    dispose(pre)
    with session_scope(pg_url) as s:   # sequences are past the restored ids
        d = LinkDecision(address_key="2 NEW ST", decision="reject", decided_by="ana")
        s.add(d)
        s.flush()
        assert d.id == 4


def test_a_damaged_postgresql_backup_is_refused_before_the_database_is_touched(site, pg_url, app_sample):
    app_sample.fill(pg_url)
    m = backup(site["db"], site["tmp"] / "bk", app_db=pg_url)
    copy = Path(m["folder"]) / "civicgrid_app.sqlite"
    with open(copy, "r+b") as fh:
        fh.seek(200)
        fh.write(b"XX")
    before = app_sample.dump(pg_url)
    with pytest.raises(BackupError, match="does not match its checksum"):
        restore(m["folder"], site["db"], app_db=pg_url)
    assert app_sample.dump(pg_url) == before


def test_an_older_sqlite_backup_loads_into_postgresql(site, pg_url):
    from civicgrid.appstate import User, session_scope, upgrade
    from civicgrid.appstate.db import dispose

    old = site["tmp"] / "old" / "civicgrid_app.sqlite"
    upgrade(old, "0002_users_audit")     # written by an older civicgrid
    with session_scope(old) as s:
        s.add(User(username="ana", password_hash="$argon2id$x", role="admin"))
    dispose(old)
    m = backup(site["db"], site["tmp"] / "bk", app_db=old)
    assert m["files"]["civicgrid_app.sqlite"]["source_dialect"] == "sqlite"
    r = restore(m["folder"], site["db"], app_db=pg_url)
    assert r["app_state_rows"]["users"] == 1
    with session_scope(pg_url) as s:
        assert [u.username for u in s.query(User)] == ["ana"]


def test_backup_and_restore_commands_with_postgresql(site, pg_url, app_sample, monkeypatch):
    db, tmp = site["db"], site["tmp"]
    run = CliRunner().invoke
    counts = app_sample.fill(pg_url)
    monkeypatch.setenv("CIVICGRID_APP_DB", pg_url)   # the service's environment names the app state
    r = run(refresh_app, ["backup", "--db", str(db), "--to", str(tmp / "bk"), "--json"])
    assert r.exit_code == 0, r.output
    m = json.loads(r.stdout)
    assert m["files"]["civicgrid_app.sqlite"]["rows"] == counts and "civicgrid_test_pw" not in r.stdout
    monkeypatch.delenv("CIVICGRID_APP_DB")
    r = run(refresh_app, ["restore", m["folder"], "--db", str(tmp / "elsewhere" / "civicgrid.duckdb")])
    assert r.exit_code == 2 and "give --app-db" in r.output
    r = run(refresh_app, ["restore", m["folder"], "--db", str(tmp / "elsewhere" / "civicgrid.duckdb"), "--app-db", pg_url])
    assert r.exit_code == 0, r.output
    assert "restored app_state: postgresql+psycopg://civicgrid_test:***@" in r.stdout and f"loaded {sum(counts.values())} app-state rows" in r.stdout
    assert app_sample.counts(pg_url) == counts
    r = run(refresh_app, ["backup", "--db", str(db), "--to", str(tmp / "bk"),
                          "--app-db", "postgresql+psycopg://civicgrid_test:wrong@127.0.0.1:1/none"])
    assert r.exit_code == 2 and "the app state was not backed up" in r.output and "cannot open the database" in r.output
    assert not list((tmp / "bk").glob("*.partial"))


def test_backup_finds_the_app_state_where_serve_puts_it_and_warns_when_there_is_none(tmp_path, monkeypatch):
    """`civicgrid serve`/`user add` default to civicgrid_app.sqlite in the working folder; a backup of a
    warehouse elsewhere must take that file, and say loudly when it finds no app state at all."""
    import duckdb

    from civicgrid.appstate.migrate import upgrade
    from civicgrid.refresh.backup import backup

    monkeypatch.delenv("CIVICGRID_APP_DB", raising=False)
    wh = tmp_path / "city" / "civicgrid.duckdb"
    wh.parent.mkdir()
    duckdb.connect(str(wh)).close()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    bare = backup(wh, tmp_path / "b1")
    assert bare["source_app_db"] is None and "warehouse only" in bare["warnings"][0]
    upgrade(work / "civicgrid_app.sqlite")  # what `civicgrid user add` does in this folder
    m = backup(wh, tmp_path / "b2")
    assert m["warnings"] == [] and m["source_app_db"] == str((work / "civicgrid_app.sqlite").resolve())
    assert any(meta["role"] == "app_state" for meta in m["files"].values())
