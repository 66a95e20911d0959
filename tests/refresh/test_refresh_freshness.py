"""Freshness has two ages (issue 8): since rows were last *loaded*, and since the newest record's
*own date*. A source that loads every day but whose newest record is years old must show it.

Real rows: the first 200 Pittsburgh fire incidents (alarm times 2013 – 2018-04-09).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from civicgrid.cli import app
from civicgrid.config import load_config
from civicgrid.refresh.freshness import source_freshness
from civicgrid.refresh.run import run_refresh
from civicgrid.warehouse.db import open_readonly

NEWEST = datetime(2018, 4, 9, 16, 30, 35, tzinfo=timezone(timedelta(hours=-4)))  # America/New_York, EDT


@pytest.fixture
def fire(tmp_path, shared_data):
    with open(shared_data / "pittsburgh" / "fire_incidents.csv", "rb") as fh:
        (tmp_path / "fire.csv").write_bytes(b"".join(fh.readline() for _ in range(201)))

    def make(**extra):
        src = {"name": "fire_incidents", "department": "fire", "kind": "fire_incident", "path": "fire.csv",
               "record_id": ["call_no"], "columns": {"opened_at": "alarm_time", "address": "address"}, **extra}
        doc = {"city": {"name": "Pittsburgh, PA", "timezone": "America/New_York"}, "sources": [src]}
        (tmp_path / "city.yaml").write_text(yaml.safe_dump(doc))
        return load_config(tmp_path / "city.yaml"), tmp_path / "civicgrid.duckdb"
    return make


def test_a_daily_source_with_old_records_is_fresh_by_load_and_old_by_data(fire):
    cfg, db = fire(expected_cadence_days=1, max_data_age_days=90)
    now = datetime(2018, 8, 1, tzinfo=timezone.utc)
    rep = run_refresh(cfg, db, now=now)
    fr = rep.freshness["fire_incidents"]
    assert fr["state"] == "fresh" and fr["age_days"] < 1  # loaded just now …
    assert datetime.fromisoformat(fr["data_as_of"]) == NEWEST  # … but its newest alarm is from April
    age = round((now - NEWEST).total_seconds() / 86400, 2)
    assert fr["data_age_days"] == age == 113.15
    assert fr["max_data_age_days"] == 90 and fr["data_old"] is True
    (alert,) = rep.alerts
    assert alert.kind == "data_old" and alert.source == "fire_incidents"
    assert alert.message == (f"fire_incidents: newest record dated 2018-04-09, {age:.1f} days old, more than its "
                             "max_data_age_days 90 (counted from the records' own dates); check that the export "
                             "or API dataset is still the current one.")
    # within the limit: no alert; without a limit: data_old is None, the age is still shown
    early = run_refresh(cfg, db, now=NEWEST + timedelta(days=30))
    assert early.freshness["fire_incidents"]["data_old"] is False and not early.alerts
    cfg2, _ = fire(expected_cadence_days=1)
    assert cfg2.sources[0].fingerprint() == cfg.sources[0].fingerprint()  # a limit never forces a re-read
    rep2 = run_refresh(cfg2, db, now=now)
    fr2 = rep2.freshness["fire_incidents"]
    assert fr2["data_old"] is None and fr2["data_age_days"] == age and not rep2.alerts
    assert all(f.status == "unchanged" for f in rep2.build.files)


def test_stale_by_load_time_says_so_and_shows_the_data_age(fire):
    cfg, db = fire(expected_cadence_days=1)
    run_refresh(cfg, db)
    later = run_refresh(cfg, db, now=datetime.now(timezone.utc) + timedelta(days=3))
    (alert,) = later.alerts
    assert alert.kind == "stale"
    assert "expected every 1 day(s) (counted from load time; newest record dated 2018-04-09, " in alert.message


def test_status_shows_data_as_of_and_both_ages(fire):
    cfg, db = fire(expected_cadence_days=1, max_data_age_days=365)
    run_refresh(cfg, db)
    runner = CliRunner()
    res = runner.invoke(app, ["status", "--db", str(db), "--json"])
    assert res.exit_code == 0, res.output
    (src,) = json.loads(res.stdout)["sources"]
    fr = src["freshness"]
    assert datetime.fromisoformat(fr["data_as_of"]) == NEWEST == datetime.fromisoformat(src["as_of"])
    assert fr["data_age_days"] > 2500 and fr["data_old"] is True and fr["max_data_age_days"] == 365
    assert fr["state"] == "fresh" and fr["age_days"] < 1
    res = runner.invoke(app, ["status", "--db", str(db)], env={"COLUMNS": "200"})
    text = " ".join(res.stdout.split())
    assert res.exit_code == 0 and "as of (age)" in text and "fresh (loaded)" in text
    assert f"2018-04-09 ({fr['data_age_days']:,.0f} d)" in text and "fresh (0.0 d)" in text
    assert f"fire_incidents: newest record dated 2018-04-09, {fr['data_age_days']:.0f} days old" in " ".join(res.output.split())


def test_freshness_reads_a_warehouse_built_before_the_limit_column(fire):
    cfg, db = fire(expected_cadence_days=1, max_data_age_days=30)
    run_refresh(cfg, db)
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE sources DROP COLUMN max_data_age_days")
    con.close()
    con = open_readonly(db)
    try:
        fr = source_freshness(con, db)["fire_incidents"]
    finally:
        con.close()
    assert fr["max_data_age_days"] is None and fr["data_old"] is None and fr["data_as_of"]
    rep = run_refresh(cfg, db)  # the next build adds the column back and fills it
    assert rep.freshness["fire_incidents"]["max_data_age_days"] == 30
