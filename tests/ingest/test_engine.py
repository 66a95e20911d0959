"""The ingest engine on bad input: every row loaded or quarantined, counts reconcile.

Inputs are cut from the real Pittsburgh files (into tmp, never into the repository) and
then broken the way real exports break: truncated, empty, wrong encoding, missing columns.
"""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest
import yaml

from civicgrid.config import ConfigError, load_config
from civicgrid.warehouse import build_warehouse

NOW = datetime(2026, 11, 30, tzinfo=timezone.utc)

FIRE_COLUMNS = {
    "type_code": "incident_type", "description": "type_description", "opened_at": "alarm_time",
    "address": "address", "lat": "latitude", "lon": "longitude",
}


def _config(tmp: Path, sources: list[dict], name: str = "city.yaml") -> Path:
    doc = {"city": {"name": "Test City", "timezone": "America/New_York"}, "sources": sources}
    p = tmp / name
    p.write_text(yaml.safe_dump(doc, sort_keys=False))
    return p


def _fire_source(path: str, **extra) -> dict:
    src = {"name": "fire", "department": "fire", "kind": "fire_incident", "path": path,
           "record_id": ["call_no"], "columns": dict(FIRE_COLUMNS),
           "field_missing_values": {"lat": ["0", "0.0"], "lon": ["0", "0.0"]}}
    src.update(extra)
    return src


def _head(src: Path, dst: Path, lines: int) -> list[bytes]:
    with open(src, "rb") as fh:
        data = [fh.readline() for _ in range(lines)]
    dst.write_bytes(b"".join(data))
    return data


def _build(cfg_path: Path, db: Path, **kw):
    return build_warehouse(load_config(cfg_path), db, now=NOW, **kw)


def _q(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def fire_csv(shared_data: Path) -> Path:
    return shared_data / "pittsburgh" / "fire_incidents.csv"


def test_counts_reconcile_and_values_typed(tmp_path, fire_csv):
    _head(fire_csv, tmp_path / "fire.csv", 501)
    rep = _build(_config(tmp_path, [_fire_source("fire.csv")]), tmp_path / "w.duckdb")
    (f,) = rep.files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_duplicate) == (500, 500, 0, 0)
    assert f.invariant_ok
    (row,) = _q(tmp_path / "w.duckdb", "SELECT opened_at, line, file FROM events WHERE record_id='F160029985'")
    # 2016-04-21T05:01:04 in America/New_York (EDT, UTC-4) is 09:01:04 UTC
    assert row[0] == datetime(2016, 4, 21, 9, 1, 4, tzinfo=timezone.utc)
    assert row[1:] == (2, "fire.csv")


def test_truncated_file_quarantines_the_cut_row(tmp_path, fire_csv):
    lines = _head(fire_csv, tmp_path / "fire.csv", 101)
    # cut the last record in the middle, as an interrupted download does
    data = b"".join(lines)
    (tmp_path / "fire.csv").write_bytes(data[: len(data) - len(lines[-1]) // 2])
    rep = _build(_config(tmp_path, [_fire_source("fire.csv")]), tmp_path / "w.duckdb")
    (f,) = rep.files
    assert f.rows_read == 100 and f.rows_loaded == 99 and f.rows_quarantined == 1 and f.invariant_ok
    (reason, line, raw), = _q(tmp_path / "w.duckdb", "SELECT reason, line, raw_text FROM quarantine")
    assert "fewer than the 18 in the header" in reason and line == 101
    assert raw and raw in lines[-1].decode()


def test_truncated_gzip_keeps_what_was_read_and_says_so(tmp_path, fire_csv):
    full = fire_csv.read_bytes()[:200_000]
    gz = gzip.compress(full)
    (tmp_path / "fire.csv.gz").write_bytes(gz[: len(gz) // 2])
    rep = _build(_config(tmp_path, [_fire_source("fire.csv.gz")]), tmp_path / "w.duckdb")
    (f,) = rep.files
    assert f.invariant_ok and f.rows_loaded > 100
    reasons = [r for (r,) in _q(tmp_path / "w.duckdb", "SELECT reason FROM quarantine")]
    assert any("truncated gzip" in r or "ends early" in r for r in reasons)


def test_empty_file_and_header_only_file(tmp_path, fire_csv):
    (tmp_path / "empty.csv").write_bytes(b"")
    _head(fire_csv, tmp_path / "header.csv", 1)
    cfg = _config(tmp_path, [_fire_source("empty.csv"), {**_fire_source("header.csv"), "name": "fire2"}])
    rep = _build(cfg, tmp_path / "w.duckdb")
    assert [f.status for f in rep.files] == ["empty", "empty"]
    assert rep.status == "ok" and all(f.rows_read == 0 and f.invariant_ok for f in rep.files)


def test_missing_mapped_column_fails_that_file_only(tmp_path, fire_csv):
    _head(fire_csv, tmp_path / "fire.csv", 51)
    bad = _fire_source("fire.csv", name="fire_bad")
    bad["columns"]["address"] = "adress"
    bad["columns"]["zip"] = "zip_code"
    cfg = _config(tmp_path, [bad, _fire_source("fire.csv")])
    rep = _build(cfg, tmp_path / "w.duckdb")
    assert rep.status == "partial"
    failed, ok = rep.files
    assert failed.status == "failed" and "'adress', 'zip_code'" in failed.message and "Nothing was loaded" in failed.message
    assert ok.status == "ok" and ok.rows_loaded == 50
    assert _q(tmp_path / "w.duckdb", "SELECT count(*) FROM events WHERE source='fire_bad'") == [(0,)]
    assert _q(tmp_path / "w.duckdb", "SELECT status FROM builds") == [("partial",)]


def test_invalid_bytes_quarantine_the_row_not_the_file(tmp_path, fire_csv):
    lines = _head(fire_csv, tmp_path / "fire.csv", 21)
    lines[5] = lines[5].replace(b"Building fire", b"Building \xe9\xff fire")
    (tmp_path / "fire.csv").write_bytes(b"".join(lines))
    rep = _build(_config(tmp_path, [_fire_source("fire.csv")]), tmp_path / "w.duckdb")
    (f,) = rep.files
    assert (f.rows_loaded, f.rows_quarantined) == (19, 1)
    (reason, line), = _q(tmp_path / "w.duckdb", "SELECT reason, line FROM quarantine")
    assert "not valid utf-8" in reason and line == 6
    # the same bytes are fine when the export is declared cp1252 ... except 0xff is 'ÿ' there: both load
    rep2 = _build(_config(tmp_path, [_fire_source("fire.csv", encoding="latin-1")], "c2.yaml"), tmp_path / "w2.duckdb")
    assert rep2.files[0].rows_loaded == 20


def test_embedded_newlines_and_bom_and_trailing_spaces(tmp_path):
    text = ("\ufeffcall_no,incident_type,type_description,address,alarm_time,latitude,longitude\r\n"
            'F1,111,"Building fire\nsecond line","100 MAIN ST  ",2020-01-01T10:00:00,0,0\r\n'
            "F2,113,Cooking fire,200 MAIN ST,2020-01-02T10:00:00,40.4,-79.9\r\n")
    (tmp_path / "f.csv").write_bytes(text.encode("utf-8"))
    rep = _build(_config(tmp_path, [_fire_source("f.csv")]), tmp_path / "w.duckdb")
    assert rep.files[0].rows_loaded == 2
    rows = _q(tmp_path / "w.duckdb", "SELECT record_id, description, address, lat, line FROM events ORDER BY record_id")
    assert rows[0] == ("F1", "Building fire\nsecond line", "100 MAIN ST", None, 2)
    assert rows[1][4] == 4  # line numbers count physical lines


def test_bad_date_is_quarantined_and_implausible_dates_flagged(tmp_path):
    text = ("call_no,incident_type,type_description,address,alarm_time,latitude,longitude\n"
            "F1,111,x,1 A ST,2020-13-45T10:00:00,,\n"
            "F2,111,x,1 A ST,1899-12-31T10:00:00,,\n"
            "F3,111,x,1 A ST,2090-07-21T00:00:00,,\n"
            "F4,111,x,1 A ST,,,\n")
    (tmp_path / "f.csv").write_text(text)
    rep = _build(_config(tmp_path, [_fire_source("f.csv")]), tmp_path / "w.duckdb")
    f = rep.files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (4, 3, 1)
    (reason,), = _q(tmp_path / "w.duckdb", "SELECT reason FROM quarantine")
    assert "alarm_time" in reason and "2020-13-45" in reason
    flags = dict(_q(tmp_path / "w.duckdb", "SELECT record_id, dq_flags FROM events WHERE opened_at IS NULL"))
    assert "before 1901" in flags["F2"] and "after the run date" in flags["F3"] and flags["F4"] is None


def test_duplicates_versions_and_history(tmp_path):
    head = "call_no,incident_type,type_description,address,alarm_time,latitude,longitude\n"
    a = "F1,111,Building fire,1 A ST,2020-01-01T10:00:00,,\n"
    a2 = "F1,113,Cooking fire,1 A ST,2020-01-01T10:00:00,,\n"
    b = "F2,111,Building fire,2 A ST,2020-01-02T10:00:00,,\n"
    (tmp_path / "f.csv").write_text(head + a + a + b)
    cfg = _config(tmp_path, [_fire_source("f.csv")])
    db = tmp_path / "w.duckdb"
    r1 = _build(cfg, db).files[0]
    assert (r1.rows_read, r1.rows_loaded, r1.rows_duplicate) == (3, 2, 1) and r1.invariant_ok
    # a newer export: F1 changed, F2 repeated, F3 new
    (tmp_path / "f.csv").write_text(head + a2 + b + "F3,111,x,3 A ST,2020-01-03T10:00:00,,\n")
    r2 = _build(cfg, db).files[0]
    assert (r2.rows_read, r2.rows_loaded, r2.rows_duplicate, r2.rows_new, r2.rows_changed) == (3, 2, 1, 1, 1)
    assert _q(db, "SELECT record_id, type_code FROM events ORDER BY 1") == [("F1", "113"), ("F2", "111"), ("F3", "111")]
    assert _q(db, "SELECT record_id, type_code FROM events_history") == [("F1", "111")]


def test_rerun_is_unchanged_and_identical(tmp_path, fire_csv):
    _head(fire_csv, tmp_path / "fire.csv", 301)
    cfg = _config(tmp_path, [_fire_source("fire.csv")])
    db = tmp_path / "w.duckdb"
    _build(cfg, db)
    before = _q(db, "SELECT md5(string_agg(e::VARCHAR, '|' ORDER BY record_id)) FROM events e")
    rep = _build(cfg, db)
    assert rep.files[0].status == "unchanged"
    assert _q(db, "SELECT md5(string_agg(e::VARCHAR, '|' ORDER BY record_id)) FROM events e") == before
    # a fresh warehouse from the same input has the same rows too
    _build(cfg, tmp_path / "w2.duckdb")
    assert _q(tmp_path / "w2.duckdb", "SELECT md5(string_agg(e::VARCHAR, '|' ORDER BY record_id)) FROM events e") == before


def test_interrupted_build_leaves_previous_warehouse_intact(tmp_path, fire_csv):
    _head(fire_csv, tmp_path / "fire.csv", 201)
    cfg_path = _config(tmp_path, [_fire_source("fire.csv")])
    db = tmp_path / "w.duckdb"
    _build(cfg_path, db)
    shutil.copy(fire_csv, tmp_path / "fire.csv")  # a bigger export arrives

    def crash(con, cfg, report):
        raise KeyboardInterrupt  # Ctrl-C after loading, before the swap

    with pytest.raises(KeyboardInterrupt):
        _build(cfg_path, db, after_ingest=crash)
    assert _q(db, "SELECT count(*) FROM events") == [(200,)]
    assert not list(tmp_path.glob("w.duckdb.building*"))


def test_formats_json_jsonl_xlsx_tsv_gzip(tmp_path):
    recs = [{"call_no": f"F{i}", "incident_type": "111", "type_description": "Building fire",
             "address": f"{i} MAIN ST", "alarm_time": "2020-01-01T10:00:00", "latitude": 40.4, "longitude": -79.9}
            for i in range(5)]
    (tmp_path / "a.json").write_text(json.dumps({"result": {"records": recs}}))
    with gzip.open(tmp_path / "b.jsonl.gz", "wt") as fh:
        fh.write("\n".join(json.dumps(r) for r in recs) + "\n{not json}\n")
    keys = list(recs[0])
    (tmp_path / "c.tsv").write_text("\t".join(keys) + "\n" + "".join("\t".join(str(r[k]) for k in keys) + "\n" for r in recs))
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(keys)
    for r in recs:
        ws.append([r[k] for k in keys])
    wb.save(tmp_path / "d.xlsx")
    sources = [
        _fire_source("a.json", name="a", json_records="result.records"),
        _fire_source("b.jsonl.gz", name="b"),
        _fire_source("c.tsv", name="c"),
        _fire_source("d.xlsx", name="d"),
    ]
    rep = _build(_config(tmp_path, sources), tmp_path / "w.duckdb")
    got = {f.source: (f.rows_read, f.rows_loaded, f.rows_quarantined) for f in rep.files}
    assert got == {"a": (5, 5, 0), "b": (6, 5, 1), "c": (5, 5, 0), "d": (5, 5, 0)}
    assert _q(tmp_path / "w.duckdb", "SELECT DISTINCT lat FROM events") == [(40.4,)]


def test_config_typo_names_file_key_and_suggestion(tmp_path):
    p = tmp_path / "city.yaml"
    p.write_text(yaml.safe_dump({"city": {"name": "X", "timezone": "America/Chicago"},
                                 "sources": [{**_fire_source("f.csv"), "delimeter": ","}]}))
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    msg = str(exc.value)
    assert str(p) in msg and "sources[0] (fire)" in msg and "'delimeter'" in msg and "did you mean 'delimiter'" in msg


def test_config_unknown_canonical_field_and_bad_values(tmp_path):
    src = _fire_source("f.csv")
    src["columns"]["adress"] = "address"
    p = _config(tmp_path, [src])
    with pytest.raises(ConfigError, match="'adress' is not a canonical field.*did you mean 'address'"):
        load_config(p)
    p = _config(tmp_path, [_fire_source("f.csv", kind="fire_incidnet")], "b.yaml")
    with pytest.raises(ConfigError, match=r"sources\[0\] \(fire\)\.kind"):
        load_config(p)
    p = tmp_path / "c.yaml"
    p.write_text("city: {name: X, timezone: Mars/Olympus}\nsources: []\n")
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        load_config(p)
    p.write_text("city: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(p)


def test_template_string_hash_exclude_and_field_timezone(tmp_path):
    text = ("_id,call_no,num,street,alarm_time\n"
            "1,F1,100.0,MAIN ST,2020-01-01T10:00:00\n"
            "2,F1,100.0,MAIN ST,2020-01-01T10:00:00\n")  # republished with a new datastore _id only
    (tmp_path / "f.csv").write_text(text)
    src = {"name": "fire", "department": "fire", "kind": "fire_incident", "path": "f.csv",
           "record_id": ["call_no"], "hash_exclude": ["_id"],
           "columns": {"address": "{num|int} {street}", "opened_at": {"column": "alarm_time", "timezone": "UTC"}}}
    rep = _build(_config(tmp_path, [src]), tmp_path / "w.duckdb")
    f = rep.files[0]
    assert (f.rows_loaded, f.rows_duplicate) == (1, 1)
    assert _q(tmp_path / "w.duckdb", "SELECT address, opened_at FROM events") == [
        ("100 MAIN ST", datetime(2020, 1, 1, 10, tzinfo=timezone.utc))]
    src["columns"]["opened_at"]["timezone"] = "Mars/Olympus"
    with pytest.raises(ConfigError, match=r"columns\.opened_at.*unknown time zone 'Mars/Olympus'"):
        load_config(_config(tmp_path, [src], "bad.yaml"))
