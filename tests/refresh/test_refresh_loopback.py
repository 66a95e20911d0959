"""Done-when of issue 8: refreshes against loopback CKAN, Socrata, ArcGIS and Open311 servers.

The servers replay the REAL files. Run 1 sees half of each dataset, run 2 a further 30 %,
a third refresh (killed in the middle of its build) the rest. Checked: nothing lost
(rows in = loaded + quarantined + duplicate; warehouse rows = rows published), only new rows
the second time, a killed refresh leaves the served warehouse intact, the lock keeps two
refreshes apart, and the rows equal what the same files give when loaded as exports.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import yaml
from typer.testing import CliRunner

from civicgrid.config import load_config
from civicgrid.refresh.cli import EXIT_LOCKED, refresh_app
from civicgrid.refresh.freshness import source_freshness
from civicgrid.refresh.lock import LockBusy, RefreshLock
from civicgrid.refresh.run import run_refresh
from civicgrid.refresh.runlog import read_runs
from civicgrid.warehouse.db import open_readonly

API = {"fire_incidents": "ckan", "myla311_socrata": "socrata", "police_dispatch": "arcgis",
       "requests_open311": "open311"}
TABLE = "events"


@pytest.fixture(scope="module")
def world(fakeapi, tmp_path_factory):
    root = tmp_path_factory.mktemp("refresh")
    apis = fakeapi.FakeApis().start()
    doc = fakeapi.connector_city(apis.url, timeout=10)  # full pages under a loaded CI machine
    doc["sources"][0]["expected_cadence_days"] = 7
    (root / "city.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    w = {"apis": apis, "root": root, "config": root / "city.yaml", "db": root / "wh" / "civicgrid.duckdb"}
    w["cfg"] = lambda: load_config(w["config"])
    yield w
    apis.stop()


def _current(db, source: str) -> int:
    con = open_readonly(db)
    try:
        return con.execute(f"SELECT count(*) FROM {TABLE} WHERE source = ?", [source]).fetchone()[0]
    finally:
        con.close()


def _check_lossless(rep, apis):
    """Every pulled row was read by the build, and read = loaded + quarantined + duplicate."""
    assert rep.build is not None and rep.build.status == "ok", rep.message
    new = {f.file: f for f in rep.build.files if f.status != "unchanged"}
    for p in rep.pulls:
        assert p.status == "ok", (p.source, p.message)
        if p.rows:
            f = new[p.file]
            assert f.rows_read == p.rows, p.source
            assert f.rows_read == f.rows_loaded + f.rows_quarantined + f.rows_duplicate
    for src, api in API.items():
        ds = getattr(apis, api)
        q = sum(f.rows_quarantined for f in rep.build.files if f.source == src)
        assert _current(rep.db, src) + q == ds.visible, src


def test_first_refresh_pulls_builds_and_swaps(world):
    apis = world["apis"]
    apis.publish(0.5)
    rep = run_refresh(world["cfg"](), world["db"])
    world["run1"] = rep
    assert rep.status == "ok", rep.message
    _check_lossless(rep, apis)
    assert {p.source: p.rows for p in rep.pulls} == {s: getattr(apis, a).visible for s, a in API.items()}
    assert world["db"].exists() and not list(world["db"].parent.glob("*.building-*"))


def test_second_refresh_brings_only_new_rows(world):
    apis = world["apis"]
    before = {s: getattr(apis, a).visible for s, a in API.items()}
    apis.publish(0.8)
    rep = run_refresh(world["cfg"](), world["db"])
    world["run2"] = rep
    assert rep.status == "ok", rep.message
    _check_lossless(rep, apis)
    for p in rep.pulls:
        assert p.rows == getattr(apis, API[p.source]).visible - before[p.source], p.source
    read = [f for f in rep.build.files if f.status == "ok"]
    assert len(read) == 4 and sum(f.rows_duplicate for f in read) == 0  # nothing pulled twice
    assert sum(f.status == "unchanged" for f in rep.build.files) == 4  # run 1's files are not re-read
    con = open_readonly(world["db"])
    try:
        pulls = con.execute("SELECT run_id, source, status, rows_pulled FROM source_pulls ORDER BY run_id, source").fetchall()
    finally:
        con.close()
    assert len(pulls) == 8 and {r[0] for r in pulls} == {world["run1"].run_id, rep.run_id}
    log = read_runs(world["db"])
    assert [r["run_id"] for r in log] == [world["run1"].run_id, rep.run_id]
    assert log[-1]["rows_pulled"] == sum(p.rows for p in rep.pulls) and log[-1]["build"]["invariant_ok"]


def test_a_second_refresh_exits_while_one_runs(world):
    with RefreshLock(world["db"]):
        res = CliRunner().invoke(refresh_app, ["refresh", str(world["config"]), "--db", str(world["db"])])
        with pytest.raises(LockBusy):
            run_refresh(world["cfg"](), world["db"])
    assert res.exit_code == EXIT_LOCKED
    text = " ".join(res.output.split())
    assert text.startswith("error: another refresh pid") and text.count(". ") == 0 and "Traceback" not in text
    assert len(read_runs(world["db"])) == 2  # the refused runs did nothing


def test_killed_refresh_leaves_the_served_warehouse_intact(world):
    apis, db = world["apis"], world["db"]
    served = {s: _current(db, s) for s in API}
    apis.publish(1.0)
    marker = world["root"] / "in-build"
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from civicgrid.config import load_config\n"
        "from civicgrid.refresh.run import run_refresh\n"
        "def hook(con, cfg, rep):\n"
        "    Path(sys.argv[3]).write_text('building')\n"
        "    time.sleep(120)\n"
        "run_refresh(load_config(sys.argv[1]), sys.argv[2], after_ingest=hook)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(world["config"]), str(db), str(marker)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the refresh subprocess never reached its build"
            time.sleep(0.05)
        assert list(db.parent.glob(f"{db.name}.building-{proc.pid}"))  # mid-build: the copy is being written
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        proc.stderr.close()
    # the served warehouse still opens and has exactly the rows it had
    assert {s: _current(db, s) for s in API} == served
    # the lock died with the process; the next refresh cleans up and loads what the killed one pulled
    rep = run_refresh(world["cfg"](), db)
    assert rep.status == "ok", rep.message
    assert f"{db.name}.building-{proc.pid}" in rep.cleaned
    assert sum(p.rows for p in rep.pulls) == 0  # the killed run's pulls were complete and kept
    for src, api in API.items():
        assert _current(db, src) == len(getattr(apis, api).rows), src
    assert not list(db.parent.glob("*.building-*"))


def test_refreshed_rows_equal_the_same_files_loaded_as_exports(world, tmp_path):
    """Nothing is lost or altered on the way through the APIs: CKAN, SODA and ArcGIS rows load
    to the same canonical values as the CSV exports of the same records."""
    from civicgrid.warehouse.build import build_warehouse

    fake = sys.modules["civicgrid_fakeapi"]
    srcs = []
    for city, name, rel in (("pittsburgh", "fire_incidents", "pittsburgh/fire_incidents.csv"),
                            ("los_angeles", "myla311_2017", "los_angeles/MyLA311_Service_Request_Data_2017_Subset.csv"),
                            ("sacramento", "police_dispatch", "sacramento/sacramento_police_dispatch_2019-01.csv")):
        doc = yaml.safe_load((fake.EXAMPLES / city / "city.yaml").read_text())
        s = next(x for x in doc["sources"] if x["name"] == name)
        s["path"] = str(fake.DATA / rel)
        srcs.append(s)
    (tmp_path / "csv.yaml").write_text(yaml.safe_dump({"city": {"name": "Loopback City", "timezone": "America/New_York"},
                                                       "sources": srcs}))
    build_warehouse(load_config(tmp_path / "csv.yaml"), tmp_path / "csv.duckdb")
    a, b = open_readonly(tmp_path / "csv.duckdb"), open_readonly(world["db"])
    try:
        cols = [c for c, in a.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'events' "
                                      "ORDER BY ordinal_position").fetchall()
                if c not in ("source", "attributes", "content_hash", "file", "line", "run_id")]
        sel = ", ".join(f"CAST({c} AS VARCHAR)" for c in cols)
        for csv_name, api_name in (("fire_incidents", "fire_incidents"), ("myla311_2017", "myla311_socrata"),
                                   ("police_dispatch", "police_dispatch")):
            q = f"SELECT {sel} FROM events WHERE source = ? ORDER BY record_id"
            ra, rb = a.execute(q, [csv_name]).fetchall(), b.execute(q, [api_name]).fetchall()
            assert len(ra) == len(rb) > 0, csv_name
            diff = [(x, y) for x, y in zip(ra, rb) if x != y]
            assert not diff, (csv_name, diff[:2])
    finally:
        a.close()
        b.close()


def test_status_shows_freshness_per_source(world):
    con = open_readonly(world["db"])
    try:
        fr = source_freshness(con, world["db"])
    finally:
        con.close()
    assert set(fr) == set(API)
    assert fr["fire_incidents"]["state"] == "fresh" and fr["fire_incidents"]["expected_cadence_days"] == 7
    assert fr["police_dispatch"]["state"] == "unknown" and fr["police_dispatch"]["last_pull_status"] == "ok"
    assert all(v["last_new_rows_at"] for v in fr.values())
