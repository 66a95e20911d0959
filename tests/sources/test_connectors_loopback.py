"""Each connector against its loopback API serving REAL rows (tests/sources/fakeapi.py).

Incremental pulls bring exactly the rows published since the last pull (paging, watermark
ties, date windows), faults are retried, and a failing source fails alone and is marked stale.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone

import pytest

from civicgrid.sources.pull import pull_all, pull_source
from civicgrid.sources.store import load_state, source_dir

ID = {"fire_incidents": "call_no", "myla311_socrata": "srnumber", "police_dispatch": "Record_ID",
      "requests_open311": "service_request_id"}
API = {"fire_incidents": "ckan", "myla311_socrata": "socrata", "police_dispatch": "arcgis",
       "requests_open311": "open311"}


def _rows(cfg, name: str, file: str) -> list[dict]:
    with open(source_dir(cfg.data_dir, name) / file, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _src(cfg, name):
    return next(s for s in cfg.sources if s.name == name)


@pytest.mark.parametrize("name", list(ID))
def test_two_pulls_bring_every_row_once(apis, city, name):
    cfg = city()
    ds = getattr(apis, API[name])
    apis.publish(0.6)  # 60 % published: Sacramento's cut falls inside a day (watermark ties)
    first = pull_source(cfg, _src(cfg, name))
    assert first.status == "ok", first.message
    assert first.rows == ds.visible
    apis.publish(1.0)
    second = pull_source(cfg, _src(cfg, name))
    assert second.status == "ok", second.message
    assert second.rows == len(ds.rows) - first.rows  # only the new rows
    a, b = _rows(cfg, name, first.file), _rows(cfg, name, second.file)
    ids_a, ids_b = {str(r[ID[name]]) for r in a}, {str(r[ID[name]]) for r in b}
    assert not ids_a & ids_b and len(ids_a) + len(ids_b) == len(ds.rows)
    third = pull_source(cfg, _src(cfg, name))
    assert third.status == "ok" and third.rows == 0 and third.file is None
    state = load_state(source_dir(cfg.data_dir, name))
    assert state.failures == 0 and state.pulls == 3 and state.watermark == second.watermark_after


def test_ckan_pages_through_datastore_search_sql(apis, city):
    cfg = city()
    apis.publish(ckan=2500)
    rep = pull_source(cfg, _src(cfg, "fire_incidents"))
    assert rep.rows == 2500 and rep.requests == 3  # 1000 + 1000 + 500
    sqls = [q["sql"] for q in apis.requests("ckan")]
    assert sqls[0].startswith('SELECT * FROM "8d76ac6b-5ae8-4428-82a4-043130d17b02" ORDER BY "alarm_time", "_id" LIMIT 1000 OFFSET 0')
    apis.publish(ckan=2600)
    pull_source(cfg, _src(cfg, "fire_incidents"))
    assert "WHERE \"alarm_time\" >= '" in apis.requests("ckan")[-1]["sql"]
    row = _rows(cfg, "fire_incidents", rep.file)[0]
    assert isinstance(row["latitude"], float) and row["_id"] == 1  # typed as the datastore types it


def test_socrata_rows_carry_every_field_even_when_soda_leaves_nulls_out(apis, city, fakeapi):
    cfg = city()
    apis.publish(socrata=3000)
    rep = pull_source(cfg, _src(cfg, "myla311_socrata"))
    rows = _rows(cfg, "myla311_socrata", rep.file)
    assert all(list(r)[: len(fakeapi.SODA_FIELDS)] == fakeapi.SODA_FIELDS for r in rows)
    assert any(r["closeddate"] is None for r in rows) or any(r["mobileos"] is None for r in rows)
    q = apis.requests("socrata")[0]
    assert q["$order"] == "updateddate, :id" and q["$limit"] == "2000" and "$where" not in q


def test_socrata_changed_row_is_pulled_again(apis, city):
    cfg = city()
    pull_source(cfg, _src(cfg, "myla311_socrata"))
    old = apis.socrata.rows[10]
    apis.socrata.rows.append({**old, "status": "Closed", "updateddate": "2019-04-01T08:00:00.000"})
    apis.socrata.rows.pop(10)
    apis.publish(1.0)
    rep = pull_source(cfg, _src(cfg, "myla311_socrata"))
    assert rep.rows == 1
    (row,) = _rows(cfg, "myla311_socrata", rep.file)
    assert row["srnumber"] == old["srnumber"] and row["updateddate"] == "2019-04-01T08:00:00.000"


def test_arcgis_reads_the_layer_then_pages_features(apis, city):
    cfg = city()
    apis.publish(arcgis=5000)
    rep = pull_source(cfg, _src(cfg, "police_dispatch"))
    # 1 layer description + pages of 2000 (the layer's maxRecordCount) until exceededTransferLimit is false
    assert rep.rows == 5000 and rep.requests == 1 + math.ceil(5000 / 2000)
    q = apis.requests("arcgis")[1]
    assert q["orderByFields"] == "Received_Date ASC, OBJECTID ASC" and q["where"] == "1=1"
    first = _rows(cfg, "police_dispatch", rep.file)[0]
    # epoch milliseconds back to the export's text, the 1900 "did not happen" sentinel included
    assert first["Received_Date"] == "2019-01-01T00:00:00Z" and first["Dispatch_Date"] == "1900-01-01T00:00:00Z"
    apis.publish(1.0)
    pull_source(cfg, _src(cfg, "police_dispatch"))
    assert apis.requests("arcgis")[-1]["where"].startswith("Received_Date >= TIMESTAMP '2019-01-")


def test_open311_walks_date_windows_and_pages(apis, city):
    cfg = city(lambda d: d["sources"][3]["connector"].update(window_days=2, page_size=1000))
    rep = pull_source(cfg, _src(cfg, "requests_open311"), now=datetime(2018, 1, 10, tzinfo=timezone.utc))
    assert rep.status == "ok" and rep.rows == len(apis.open311.rows)
    qs = apis.requests("open311")
    windows = sorted({(q["start_date"], q["end_date"]) for q in qs})
    assert windows[0] == ("2017-12-01T00:00:00Z", "2017-12-02T23:59:59Z")  # no overlap: ends 1 s before the next
    assert all(w1[1] < w2[0] for w1, w2 in zip(windows, windows[1:]))
    assert max(int(q["page"]) for q in qs) > 1
    rows = _rows(cfg, "requests_open311", rep.file)
    assert len({r["service_request_id"] for r in rows}) == len(rows)


def test_faults_are_retried_without_losing_rows(apis, city):
    cfg = city()
    waits: list[float] = []
    apis.fault("ckan", "429", at=2)        # rate-limited: Retry-After 1
    apis.fault("socrata", "slow", at=2)    # answers after 1.5 s; the connector's timeout is 0.75 s
    apis.fault("arcgis", "malformed", at=3)  # a page cut off half-way
    apis.fault("open311", "500", at=4)
    reps = {r.source: r for r in pull_all(cfg, sleep=waits.append)}
    for name, r in reps.items():
        assert r.status == "ok", (name, r.message)
        assert r.rows == len(getattr(apis, API[name]).rows), name
        assert r.retries == 1, name
    assert 1.0 in waits  # Retry-After honoured


def test_a_failing_source_is_stale_and_blocks_no_other(apis, city):
    cfg = city()
    apis.fault("socrata", "broken", at=1)  # a 400: the query is wrong, retrying will not help
    reps = {r.source: r for r in pull_all(cfg, sleep=lambda s: None)}
    bad = reps.pop("myla311_socrata")
    assert bad.status == "failed" and "HTTP 400" in bad.message and "no such column" in bad.message
    assert bad.requests == 1  # a 400 is not retried
    assert all(r.status == "ok" and r.rows > 0 for r in reps.values())
    state = load_state(source_dir(cfg.data_dir, "myla311_socrata"))
    assert state.stale and state.failures == 1 and state.watermark is None and "HTTP 400" in state.last_error
    assert not list(source_dir(cfg.data_dir, "myla311_socrata").glob("*.jsonl"))
    ok = pull_source(cfg, _src(cfg, "myla311_socrata"))
    assert ok.status == "ok" and ok.rows == len(apis.socrata.rows)
    assert not load_state(source_dir(cfg.data_dir, "myla311_socrata")).stale


def test_sorted_pull_that_fails_half_way_keeps_its_complete_prefix(apis, city):
    cfg = city()
    for n in range(4, 8):  # 1 layer + 2 good pages, then page 3 is malformed on every attempt
        apis.fault("arcgis", "malformed", at=n)
    rep = pull_source(cfg, _src(cfg, "police_dispatch"), sleep=lambda s: None)
    assert rep.status == "failed" and rep.rows == 4000 and "kept" in rep.message
    again = pull_source(cfg, _src(cfg, "police_dispatch"))
    assert again.status == "ok"
    ids = {r["Record_ID"] for f in (rep.file, again.file) for r in _rows(cfg, "police_dispatch", f)}
    assert len(ids) == len(apis.arcgis.rows) == rep.rows + again.rows


def test_unsorted_pull_that_fails_is_discarded(apis, city):
    cfg = city(lambda d: d["sources"][3]["connector"].update(retries=0))
    apis.fault("open311", "500", at=3)
    rep = pull_source(cfg, _src(cfg, "requests_open311"))
    assert rep.status == "failed" and rep.rows == 0 and rep.file is None
    folder = source_dir(cfg.data_dir, "requests_open311")
    assert not list(folder.glob("*.jsonl")) and not list(folder.glob(".*.part"))
    assert load_state(folder).watermark is None


def test_missing_token_fails_the_source_only(apis, city, monkeypatch):
    monkeypatch.delenv("CG_TEST_TOKEN", raising=False)
    cfg = city(lambda d: d["sources"][1]["connector"].update(token_env="CG_TEST_TOKEN"))
    rep = pull_source(cfg, _src(cfg, "myla311_socrata"))
    assert rep.status == "failed" and "CG_TEST_TOKEN" in rep.message
    monkeypatch.setenv("CG_TEST_TOKEN", "abc")
    assert pull_source(cfg, _src(cfg, "myla311_socrata")).status == "ok"
