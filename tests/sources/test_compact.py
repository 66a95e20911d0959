"""Packing pulled files (issue 8): the warehouse is the same before and after, and a crash at any
step loses no row and duplicates none.

The pull files here are written by hand to hit every rule of the ingest that depends on file
boundaries: a record changing in one file and changing back in a later one (the later FILE
wins, whatever its ``updated_at``), versions inside one file (``updated_at`` decides), exact
duplicates inside a file and across files, rows without a record id (``<hash>#<n>``, n counted
per file), and rows that are quarantined. Concatenating the files would change all of these;
reading an archive member by member must not.
"""

from __future__ import annotations

import json
import shutil
import zipfile

import pytest
import yaml
from typer.testing import CliRunner

from civicgrid.config import load_config
from civicgrid.refresh.cli import EXIT_LOCKED, refresh_app
from civicgrid.refresh.lock import RefreshLock
from civicgrid.sources import compact as compact_mod
from civicgrid.sources.archive import ARCHIVE_SUFFIX, read_members
from civicgrid.sources.compact import compact_all, compact_source
from civicgrid.warehouse.build import build_warehouse
from civicgrid.warehouse.db import open_readonly

SR = {"name": "requests", "department": "customer_service", "kind": "service_request", "record_id": ["id"],
      "columns": {"category": "type", "status": "status", "opened_at": "opened", "updated_at": "updated",
                  "address": "address"},
      "connector": {"type": "ckan", "url": "http://127.0.0.1:9", "dataset": "r", "compact_after": 3}}
FIRE = {"name": "fires", "department": "fire", "kind": "fire_incident",  # no record id: content-hash ids
        "columns": {"opened_at": "alarm", "address": "address", "type_code": "code"},
        "connector": {"type": "ckan", "url": "http://127.0.0.1:9", "dataset": "f", "compact_after": 3}}


def _sr(i, status, updated, opened="2024-01-02T08:00:00", address="100 MAIN ST"):
    return {"id": f"R{i}", "type": "pothole", "status": status, "opened": opened, "updated": updated, "address": address}


def _fire(code, alarm="2024-01-03T10:00:00", address="5 ELM ST"):
    return {"alarm": alarm, "address": address, "code": code}


# one list of rows per pull, oldest first
PULLS_SR = [
    [_sr(1, "open", "2024-01-02T09:00:00"), _sr(2, "open", "2024-01-02T09:00:00"),
     _sr(2, "open", "2024-01-02T09:00:00"), _sr(3, "open", "not a date")],                  # dup in file, quarantine
    [_sr(1, "assigned", "2024-01-03T09:00:00"), _sr(4, "open", "2024-01-03T10:00:00")],      # R1 v2
    [_sr(1, "open", "2024-01-02T09:00:00")],                                                  # R1 back to v1 (older updated_at)
    [_sr(2, "open", "2024-01-02T09:00:00")],                                                  # dup across files
    [_sr(5, "closed", "2024-01-05T09:00:00"), _sr(5, "open", "2024-01-04T09:00:00")],         # in-file versions, reversed
    [_sr(4, "closed", "2024-01-06T09:00:00"), _sr(6, "open", "2024-01-06T09:00:00", opened="2090-01-01T00:00:00")],
    [],                                                                                       # empty pull file
    [_sr(1, "closed", "2024-01-07T09:00:00")],
]
PULLS_FIRE = [
    [_fire("111"), _fire("111"), _fire("322")],  # two identical rows: ids #1 and #2
    [_fire("111"), _fire("745", alarm="garbage")],  # the same row again: a duplicate of #1, not a new #3
    [_fire("111"), _fire("111"), _fire("111")],  # #1, #2 known; #3 new
    [_fire("322")],
    [_fire("611")],
    [_fire("111", address="6 ELM ST")],
    [_fire("745")],
    [_fire("322"), _fire("111")],
]


def _write_pulls(folder, pulls, start=0, broken_line_at=None):
    folder.mkdir(parents=True, exist_ok=True)
    for n, rows in enumerate(pulls, start=start):
        lines = [json.dumps(r) for r in rows]
        if broken_line_at == n:
            lines.insert(1, '{"id": "R9", "type": "cut off')  # a line that is not JSON: quarantined
        (folder / f"20240101T{n:06d}.000000Z.jsonl").write_text("".join(x + "\n" for x in lines))


@pytest.fixture
def site(tmp_path):
    """A city with two connector sources whose pulled folders hold 8 hand-written pull files each."""
    def make(name: str):
        root = tmp_path / name
        root.mkdir()
        (root / "city.yaml").write_text(yaml.safe_dump({"city": {"name": "T", "timezone": "America/Chicago"},
                                                        "sources": [SR, FIRE]}))
        _write_pulls(root / "_pulled" / "requests", PULLS_SR, broken_line_at=3)
        _write_pulls(root / "_pulled" / "fires", PULLS_FIRE)
        return root
    return make


def _snapshot(db) -> dict:
    """Every table that holds records or their bookkeeping, fully, in a fixed order."""
    con = open_readonly(db)
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        out = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
               for t in tables if t not in ("builds", "ingest_runs")}
        out["ingest_runs"] = con.execute(
            "SELECT run_id, source, file, sha256, config_fingerprint, rows_read, rows_loaded, rows_quarantined, "
            "rows_duplicate, rows_new, rows_changed, status, message, invariant_ok FROM ingest_runs "
            "WHERE status <> 'unchanged' ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def _build(root, db):
    rep = build_warehouse(load_config(root / "city.yaml"), db)
    assert all(f.invariant_ok for f in rep.files)
    return rep


def _folder(root, source="requests"):
    return root / "_pulled" / source


def test_the_fixture_exercises_the_file_boundary_rules(site, tmp_path):
    root = site("loose")
    _build(root, tmp_path / "w.duckdb")
    snap = _snapshot(tmp_path / "w.duckdb")
    con = open_readonly(tmp_path / "w.duckdb")
    try:
        cur = dict(con.execute("SELECT record_id, status FROM events WHERE source = 'requests'").fetchall())
        hist = con.execute("SELECT count(*) FROM events_history WHERE source = 'requests'").fetchone()[0]
        fires = sorted(r for (r,) in con.execute("SELECT record_id FROM events WHERE source = 'fires'").fetchall())
    finally:
        con.close()
    assert cur["R1"] == "closed" and cur["R5"] == "closed" and cur["R4"] == "closed" and "R3" not in cur
    assert hist >= 4  # R1 ×3, R4, R5 in-file
    assert sum(r.endswith("#3") for r in fires) == 1  # the third identical fire row of pull 3
    assert len(snap["quarantine"]) == 3  # a bad date, a cut-off JSON line, a bad alarm time


def test_packing_changes_nothing_in_the_warehouse(site, tmp_path):
    loose, packed = site("loose"), site("packed")
    _build(loose, tmp_path / "loose.duckdb")
    reps = compact_all(load_config(packed / "city.yaml"))
    assert [(r.source, r.status, r.files_packed, r.loose) for r in reps] == [("requests", "packed", 7, 1),
                                                                            ("fires", "packed", 7, 1)]
    (arch,) = _folder(packed).glob("*" + ARCHIVE_SUFFIX)
    assert arch.name == "20240101T000000.000000Z--20240101T000006.000000Z.jsonl.zip"
    assert [p.name for p in _folder(packed).glob("*.jsonl")] == ["20240101T000007.000000Z.jsonl"]
    # the members are the original files, byte for byte
    with zipfile.ZipFile(arch) as z:
        for i, m in enumerate(read_members(arch)):
            assert z.read(m.name) == (_folder(loose) / m.name).read_bytes(), i
    # from scratch: the same tables, to the file name and line of every row
    _build(packed, tmp_path / "packed.duckdb")
    assert _snapshot(tmp_path / "packed.duckdb") == _snapshot(tmp_path / "loose.duckdb")


def test_packing_after_a_build_reads_nothing_again(site, tmp_path):
    root = site("inc")
    db = tmp_path / "inc.duckdb"
    _build(root, db)
    before = _snapshot(db)
    compact_all(load_config(root / "city.yaml"))
    rep = _build(root, db)
    assert {f.status for f in rep.files} == {"unchanged"} and len(rep.files) == 16  # 8 files per source, by name
    assert _snapshot(db) == before
    # new pulls after packing load as before; a second packing merges them into the same archive
    _write_pulls(_folder(root), [[_sr(7, "open", "2024-01-08T09:00:00")]] * 1 + [[_sr(1, "reopened", "2024-01-09T09:00:00")]] * 4,
                 start=8)
    rep = _build(root, db)
    assert [f.file for f in rep.files if f.status == "ok" and f.source == "requests"] == \
        [f"20240101T{n:06d}.000000Z.jsonl" for n in (8, 9)]  # 10–12 equal 9 byte for byte: unchanged
    after_new = _snapshot(db)
    (r,) = compact_all(load_config(root / "city.yaml"), only=["requests"])
    assert r.status == "packed" and r.files_packed == 5 and r.members == 12 and r.loose == 1
    assert len(list(_folder(root).glob("*" + ARCHIVE_SUFFIX))) == 1
    assert {f.status for f in _build(root, db).files} == {"unchanged"}
    assert _snapshot(db) == after_new
    # and from scratch, the twice-packed folder gives what the loose files give
    loose = site("loose2")
    _write_pulls(_folder(loose), [[_sr(7, "open", "2024-01-08T09:00:00")]] + [[_sr(1, "reopened", "2024-01-09T09:00:00")]] * 4,
                 start=8)
    _build(loose, tmp_path / "l.duckdb")
    _build(root, tmp_path / "p.duckdb")
    assert _snapshot(tmp_path / "p.duckdb") == _snapshot(tmp_path / "l.duckdb")


def test_a_crash_after_the_rename_duplicates_nothing_and_is_finished_next_time(site, tmp_path, monkeypatch):
    loose, root = site("loose"), site("crash")
    compact_source(_folder(root), "requests", 3)  # a first archive …
    more = [[_sr(10 + i, "open", f"2024-01-1{i}T09:00:00")] for i in range(4)]
    _write_pulls(_folder(root), more, start=8)
    _write_pulls(_folder(loose), more, start=8)
    read_loose = [(f.file, f.status, f.rows_read) for f in _build(loose, tmp_path / "loose.duckdb").files
                  if f.status != "unchanged"]

    def killed(*a, **kw):
        raise KeyboardInterrupt  # the process dies between the rename and the deletes
    monkeypatch.setattr(compact_mod, "_remove_packed", killed)
    with pytest.raises(KeyboardInterrupt):
        compact_source(_folder(root), "requests", 3)
    monkeypatch.undo()
    archives = sorted(p.name for p in _folder(root).glob("*" + ARCHIVE_SUFFIX))
    assert len(archives) == 2 and len(list(_folder(root).glob("*.jsonl"))) == 5  # everything twice
    rep = _build(root, tmp_path / "crash.duckdb")  # a build in this state: every row once
    assert _snapshot(tmp_path / "crash.duckdb") == _snapshot(tmp_path / "loose.duckdb")
    # each file read once, in the same order; its second copy is `unchanged` (same name, same hash)
    assert [(f.file, f.status, f.rows_read) for f in rep.files if f.status != "unchanged"] == read_loose
    assert sum(f.status == "unchanged" for f in rep.files) == 7 + 4
    r = compact_source(_folder(root), "requests", 3)  # the next compaction finishes the job
    assert sorted(r.cleaned) == sorted([archives[0]] + [f"20240101T{n:06d}.000000Z.jsonl" for n in (7, 8, 9, 10)])
    assert r.status == "nothing_to_do" and r.members == 11 and r.loose == 1
    _build(root, tmp_path / "after.duckdb")
    assert _snapshot(tmp_path / "after.duckdb") == _snapshot(tmp_path / "loose.duckdb")


def test_a_crash_while_writing_leaves_the_files_as_they_were(site, tmp_path, monkeypatch):
    root = site("w")
    before = {p.name: p.read_bytes() for p in _folder(root).iterdir()}

    def disk_full(*a, **kw):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(compact_mod.os, "replace", disk_full)
    (r, _fires) = compact_all(load_config(root / "city.yaml"))
    monkeypatch.undo()
    assert r.status == "failed" and r.message == ("requests: compaction stopped (No space left on device); "
                                                  "no pulled row was lost, the next run tries again.")
    assert {p.name: p.read_bytes() for p in _folder(root).iterdir()} == before  # the .part was removed too
    # a process killed mid-write leaves its hidden .part: never read, removed by the next compaction
    (_folder(root) / f".dead{ARCHIVE_SUFFIX}.part").write_bytes(b"PK\x03\x04half")
    assert not any(p.name.endswith(".part") for p in load_config(root / "city.yaml").files_for(
        load_config(root / "city.yaml").sources[0]))
    r = compact_source(_folder(root), "requests", 3)
    assert f".dead{ARCHIVE_SUFFIX}.part" in r.cleaned and r.status == "packed"


def test_a_damaged_archive_fails_its_source_and_removes_nothing(site, tmp_path):
    root = site("bad")
    compact_source(_folder(root), "requests", 3)
    (arch,) = _folder(root).glob("*" + ARCHIVE_SUFFIX)
    arch.write_bytes(arch.read_bytes()[:200])  # cut off
    rep = build_warehouse(load_config(root / "city.yaml"), tmp_path / "bad.duckdb")
    (bad,) = [f for f in rep.files if f.status == "failed"]
    assert bad.file == arch.name and "damaged, restore it from a backup" in bad.message
    _write_pulls(_folder(root), [[_sr(9, "open", "2024-01-11T09:00:00")]] * 4, start=8)
    (r,) = compact_all(load_config(root / "city.yaml"), only=["requests"])
    assert r.status == "failed" and "damaged" in r.message
    assert len(list(_folder(root).glob("*.jsonl"))) == 5 and arch.exists()


def test_compact_command(site, tmp_path):
    root = site("cli")
    db = tmp_path / "cli.duckdb"
    runner = CliRunner()
    res = runner.invoke(refresh_app, ["compact", str(root / "city.yaml"), "--db", str(db), "--after", "10", "--json"])
    assert res.exit_code == 0, res.output
    assert [r["status"] for r in json.loads(res.stdout)] == ["nothing_to_do", "nothing_to_do"]
    res = runner.invoke(refresh_app, ["compact", str(root / "city.yaml"), "--db", str(db), "--source", "fires"])
    assert res.exit_code == 0, res.output
    assert "packed 7 pull file(s)" in " ".join(res.stdout.split())
    assert len(list(_folder(root, "fires").glob("*.jsonl"))) == 1 and len(list(_folder(root).glob("*.jsonl"))) == 8
    with RefreshLock(db):
        res = runner.invoke(refresh_app, ["compact", str(root / "city.yaml"), "--db", str(db)])
    assert res.exit_code == EXIT_LOCKED and "another refresh pid" in res.output
    res = runner.invoke(refresh_app, ["compact", str(root / "city.yaml"), "--db", str(db), "--source", "nope"])
    assert res.exit_code == 2 and "no connector source named 'nope'" in res.output


def test_copying_a_pulled_folder_keeps_its_archive(site, tmp_path):
    """`_pulled/` stays self-contained: a copy (a backup) rebuilds the same warehouse."""
    root = site("orig")
    compact_all(load_config(root / "city.yaml"))
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    _build(root, tmp_path / "a.duckdb")
    _build(copy, tmp_path / "b.duckdb")
    assert _snapshot(tmp_path / "a.duckdb") == _snapshot(tmp_path / "b.duckdb")
