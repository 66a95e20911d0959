"""`civicgrid linkage link` swaps the warehouse, so it takes the lock a refresh takes (issue 8):
a link and a refresh (or backup) never interleave, and neither swap undoes the other's."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from civicgrid.cli import app
from civicgrid.config import load_config
from civicgrid.linkage.link import relink
from civicgrid.refresh.lock import EXIT_LOCKED, LockBusy, RefreshLock
from civicgrid.refresh.run import run_refresh
from civicgrid.warehouse.build import build_warehouse
from civicgrid.warehouse.db import WarehouseError, open_readonly
from civicgrid.warehouse.lock import WarehouseLock, build_lock

LINKAGE_SRC = Path(__file__).resolve().parents[2] / "src" / "civicgrid" / "linkage"


@pytest.fixture
def fire(tmp_path, shared_data):
    """A warehouse of 300 real Pittsburgh fire incidents (linked to blocks by the build)."""
    with open(shared_data / "pittsburgh" / "fire_incidents.csv", "rb") as fh:
        (tmp_path / "fire.csv").write_bytes(b"".join(fh.readline() for _ in range(301)))
    doc = {"city": {"name": "Pittsburgh, PA", "timezone": "America/New_York"},
           "sources": [{"name": "fire_incidents", "department": "fire", "kind": "fire_incident", "path": "fire.csv",
                        "record_id": ["call_no"], "columns": {"opened_at": "alarm_time", "address": "address",
                                                              "lat": "latitude", "lon": "longitude"}}]}
    (tmp_path / "city.yaml").write_text(yaml.safe_dump(doc))
    cfg, db = load_config(tmp_path / "city.yaml"), tmp_path / "civicgrid.duckdb"
    assert build_warehouse(cfg, db).status == "ok"
    return cfg, db, tmp_path / "app.sqlite"


def _linked(db) -> int:
    con = open_readonly(db)
    try:
        return con.execute("SELECT count(*) FROM event_links").fetchone()[0]
    finally:
        con.close()


def test_link_while_a_refresh_runs_exits_with_the_refresh_message(fire):
    cfg, db, app_db = fire
    with RefreshLock(db):
        res = CliRunner().invoke(app, ["linkage", "link", str(cfg.path), "--db", str(db), "--app-db", str(app_db)])
        with pytest.raises(LockBusy, match=r"^another refresh pid \d+ since .* is working on this warehouse"):
            relink(cfg, db, app_db=app_db)
    assert res.exit_code == EXIT_LOCKED, res.output
    text = " ".join(res.output.split())
    assert text.startswith("error: another refresh pid") and text.endswith("try again then.")
    assert "Traceback" not in text
    assert not list(db.parent.glob("*.linking-*"))  # refused before copying anything


def test_link_waits_for_the_lock_when_asked(fire):
    cfg, db, app_db = fire
    lock = RefreshLock(db).__enter__()
    released = []

    def release():
        time.sleep(0.6)
        released.append(time.monotonic())
        lock.__exit__(None, None, None)
    t = threading.Thread(target=release)
    t.start()
    rep = relink(cfg, db, app_db=app_db, lock_wait=30)
    finished = time.monotonic()
    t.join()
    assert released and finished >= released[0]  # it ran only after the refresh let go
    assert rep.rates() and _linked(db) == 300
    res = CliRunner().invoke(app, ["linkage", "link", str(cfg.path), "--db", str(db), "--app-db", str(app_db),
                                   "--wait", "5", "--json"])
    assert res.exit_code == 0, res.output


def test_a_refresh_while_a_link_runs_is_refused_naming_the_link(fire):
    cfg, db, _app_db = fire
    with WarehouseLock(db, purpose="link"):
        with pytest.raises(LockBusy, match=r"^another link pid \d+"):
            run_refresh(cfg, db)


def test_link_while_a_plain_build_writes_is_refused(fire):
    cfg, db, app_db = fire
    held = build_lock(db)
    try:
        with pytest.raises(WarehouseError, match="another build is writing this warehouse"):
            relink(cfg, db, app_db=app_db)
    finally:
        held.close()
    relink(cfg, db, app_db=app_db)  # and the warehouse lock was given back on the way out
    with RefreshLock(db):
        pass


def test_linkage_does_not_import_the_refresh_stage():
    """Data flows sources → ingest → addresses → linkage → … → refresh; the lock lives below linkage."""
    offenders = [p.name for p in LINKAGE_SRC.glob("*.py") if "civicgrid.refresh" in p.read_text()]
    assert not offenders
