"""Refreshes pack old pulled files (issue 8) and the warehouse stays exactly the same.

Real rows on the loopback CKAN, Socrata, ArcGIS and Open311 servers: four refreshes publish
40 %, 60 %, 80 % and all of each dataset; Open311 re-reads 30 days each time (rows pulled again
are duplicates in later files) and some Socrata requests change status in the last run (new
versions: the old ones move to ``events_history``). Then the files are packed (by `civicgrid
compact`, and by a refresh), and every table — record tables, history, quarantine — is the same,
incrementally and from scratch.
"""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from typer.testing import CliRunner

from civicgrid.config import load_config
from civicgrid.refresh.cli import refresh_app
from civicgrid.refresh.run import run_refresh
from civicgrid.refresh.runlog import read_runs
from civicgrid.sources.archive import ARCHIVE_SUFFIX, read_members
from civicgrid.warehouse.build import build_warehouse
from civicgrid.warehouse.db import open_readonly

SOURCES = ("fire_incidents", "myla311_socrata", "police_dispatch", "requests_open311")
RECORD_TABLES = ("events", "events_history", "quarantine")


@pytest.fixture(scope="module")
def world(fakeapi, tmp_path_factory):
    root = tmp_path_factory.mktemp("compact")
    apis = fakeapi.FakeApis(max_rows=3000).start()
    doc = fakeapi.connector_city(apis.url, timeout=10)
    for s in doc["sources"]:
        s["connector"]["compact_after"] = 0  # no packing until the test asks for it
    doc["sources"][3]["connector"]["lookback_days"] = 30
    (root / "city.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    yield {"apis": apis, "root": root, "cfg": lambda data=None: load_config(root / "city.yaml", data),
           "db": root / "civicgrid.duckdb"}
    apis.stop()


def _snapshot(db, tables=RECORD_TABLES) -> dict:
    con = open_readonly(db)
    try:
        out = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
        out["ingest_runs"] = con.execute(
            "SELECT run_id, source, file, sha256, rows_read, rows_loaded, rows_quarantined, rows_duplicate, "
            "rows_new, rows_changed, status FROM ingest_runs WHERE status <> 'unchanged' ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def _new_versions(apis, n: int) -> None:
    """n published Socrata requests are closed, updated after every other row (so pulled again)."""
    ds = apis.socrata
    last = max(r["updateddate"] for r in ds.rows)
    for i in range(n):
        row = dict(ds.rows[i * 7])
        row["status"] = "Closed"
        row["updateddate"] = last[:-3] + f"{i + 1:03d}"  # milliseconds after the newest row
        ds.rows[i * 7] = row


def test_refreshes_then_packing_change_nothing(world):
    apis, db, root = world["apis"], world["db"], world["root"]
    for share in (0.4, 0.6, 0.8, 1.0):
        apis.publish(share)
        if share == 1.0:
            _new_versions(apis, 25)
        rep = run_refresh(world["cfg"](), db)
        assert rep.status == "ok", rep.message
        assert all(c.status == "off" for c in rep.compactions)
    con = open_readonly(db)
    try:
        hist = con.execute("SELECT count(*) FROM events_history WHERE source = 'myla311_socrata'").fetchone()[0]
        dups = con.execute("SELECT sum(rows_duplicate) FROM ingest_runs WHERE source = 'requests_open311'").fetchone()[0]
    finally:
        con.close()
    assert hist == 25 and dups > 0  # the run exercised versions and cross-file duplicates
    pulled = root / "_pulled"
    assert all(len(list((pulled / s).glob("*.jsonl"))) == 4 for s in SOURCES)
    shutil.copytree(root, root.parent / "loose_copy", ignore=shutil.ignore_patterns("*.duckdb*"))

    # `civicgrid compact` packs 3 of the 4 files of each source
    res = CliRunner().invoke(refresh_app, ["compact", str(root / "city.yaml"), "--db", str(db), "--after", "2", "--json"])
    assert res.exit_code == 0, res.output
    assert [(c["source"], c["status"], c["files_packed"], c["members"], c["loose"]) for c in json.loads(res.stdout)] == \
        [(s, "packed", 3, 3, 1) for s in SOURCES]
    for s in SOURCES:
        (arch,) = (pulled / s).glob("*" + ARCHIVE_SUFFIX)
        assert [m.name for m in read_members(arch)] == sorted(
            p.name for p in (root.parent / "loose_copy" / "_pulled" / s).glob("*.jsonl"))[:3]

    # from scratch: the packed folder builds exactly what the loose files build, file by file
    packed = build_warehouse(world["cfg"](), root / "packed.duckdb")
    loose = build_warehouse(world["cfg"](root.parent / "loose_copy"), root / "loose.duckdb")
    assert packed.status == loose.status == "ok"
    assert [(f.file, f.status, f.rows_read, f.rows_loaded, f.rows_duplicate) for f in packed.files] == \
        [(f.file, f.status, f.rows_read, f.rows_loaded, f.rows_duplicate) for f in loose.files]
    assert _snapshot(root / "packed.duckdb") == _snapshot(root / "loose.duckdb")
    assert _records(root / "packed.duckdb") == _records(db)  # and what four incremental refreshes built

    # the next refresh reads the archives' members as the files they were: nothing again (Open311's
    # 30-day lookback pulls a 5th file, all duplicates); a refresh then packs again, merging into the archive
    rep = run_refresh(world["cfg"](), db, compact_after=0)
    assert {f.status for f in rep.build.files if f.source != "requests_open311"} == {"unchanged"}
    (o311,) = [f for f in rep.build.files if f.status == "ok"]
    assert o311.source == "requests_open311" and o311.rows_duplicate == o311.rows_read > 0
    assert _records(db) == _records(root / "loose.duckdb")
    (pull,) = [p for p in rep.pulls if p.rows]
    rep = run_refresh(world["cfg"](), db, compact_after=1)  # pulls a 6th Open311 file, packs the 4th and 5th
    assert rep.status == "ok", rep.message
    assert [(c.source, c.status, c.files_packed, c.members, c.loose) for c in rep.compactions] == \
        [(s, "nothing_to_do", 0, 3, 1) for s in SOURCES[:3]] + [("requests_open311", "packed", 2, 5, 1)]
    assert pull.file in [m.name for m in read_members(next((pulled / "requests_open311").glob("*" + ARCHIVE_SUFFIX)))]
    assert [c["source"] for c in read_runs(db)[-1]["compacted"]] == ["requests_open311"]
    assert _records(db) == _records(root / "loose.duckdb")
    rep = run_refresh(world["cfg"](), db)
    assert all(f.status == "unchanged" for f in rep.build.files if f.file != rep.pulls[3].file)
    assert _records(db) == _records(root / "loose.duckdb")


def _records(db) -> dict:
    return {k: v for k, v in _snapshot(db).items() if k != "ingest_runs"}
