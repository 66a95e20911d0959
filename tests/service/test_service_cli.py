"""``civicgrid service …`` commands (typer): JSON and text output, tables written, one-sentence errors.

The commands are mounted on a local ``typer.Typer()`` exactly as the main CLI mounts them
(``app.add_typer(service_app, name="service")``).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import typer
import yaml
from typer.testing import CliRunner

from civicgrid.config import load_config
from civicgrid.service.cli import service_app
from civicgrid.service.tables import TABLES
from civicgrid.warehouse import build_warehouse

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
SAC_CSV = DATA / "sacramento" / "sacramento_police_dispatch_2019-01.csv"
SAC_CONFIG = ROOT / "examples" / "sacramento" / "city.yaml"
DOCS = ROOT / "docs" / "metrics.md"

app = typer.Typer()
app.add_typer(service_app, name="service")
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["service", *args])


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _one_sentence_error(result, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    msg = result.output.strip()
    assert msg.startswith("error:") and "Traceback" not in msg and msg.count("\n") == 0, msg
    return msg


@pytest.fixture(scope="module")
def sac_db(tmp_path_factory) -> Path:
    for p in (SAC_CSV, SAC_CONFIG):
        if not p.exists():
            pytest.skip(f"{p} is not present (real data sits in ../shared/data; configs in examples/)")
    db = tmp_path_factory.mktemp("sac_cli") / "sac.duckdb"
    build_warehouse(load_config(SAC_CONFIG, DATA / "sacramento"), db)
    return db


@pytest.fixture(scope="module")
def small_crm(tmp_path_factory) -> Path:
    """32 weeks of synthetic weekday contacts with handle times (one category): a back-test with 26 training weeks."""
    tmp = tmp_path_factory.mktemp("crm_cli")
    rng = np.random.default_rng(11)
    rows = []
    for d in range(32 * 7):
        day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=d)  # a Monday
        if day.weekday() >= 5:
            continue
        for k in range(int(rng.poisson(20))):
            t = day + pd.Timedelta(hours=int(rng.integers(9, 17)), minutes=int(rng.integers(0, 60)))
            rows.append({"id": f"{d}-{k}", "opened": t.strftime("%Y-%m-%d %H:%M:%S"), "category": "inquiry",
                         "handle": f"{rng.lognormal(np.log(200), 0.3):.0f}"})
    csv = tmp / "crm.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    doc = {"city": {"name": "Synthetic", "timezone": "America/Chicago", "synthetic": True},
           "sources": [{"name": "crm", "department": "customer_service", "kind": "interaction", "path": csv.name,
                        "record_id": ["id"], "date_formats": ["%Y-%m-%d %H:%M:%S"],
                        "columns": {"opened_at": "opened", "category": "category", "handle_time_s": "handle"}}]}
    (tmp / "city.yaml").write_text(yaml.safe_dump(doc))
    db = tmp / "crm.duckdb"
    build_warehouse(load_config(tmp / "city.yaml"), db)
    return db


# --------------------------------------------------------------------------------------------- staffing

def test_staffing_reproduces_the_guide_reference_case():
    res = _json(run("staffing", "--calls", "100", "--interval-minutes", "30", "--aht-seconds", "180",
                    "--target", "0.8", "--answer-seconds", "20", "--shrinkage", "0.3", "--json"))
    assert (res["agents"], res["scheduled_staff"]) == (14, 20)
    assert round(res["service_level"], 6) == 0.888350
    assert round(res["probability_wait"], 7) == 0.1741319
    assert round(res["asa_seconds"], 3) == 7.836
    assert round(res["occupancy"], 7) == 0.7142857
    thirteen = next(x for x in res["nearby"] if x["agents"] == 13)
    assert round(thirteen["service_level"], 4) == 0.7956 and thirteen["meets_target"] is False
    text = run("staffing", "--calls", "100", "--shrinkage", "0.3")
    assert text.exit_code == 0
    for s in ("agents N = 14", "service level 0.888350", "Pw 0.1741319", "ASA 7.836 s", "occupancy 0.7142857",
              "= 20"):
        assert s in text.stdout, s


@pytest.mark.parametrize("args, words", [
    (["--calls", "100", "--shrinkage", "1.2"], "shrinkage"),
    (["--calls", "-5"], "calls"),
    (["--calls", "100", "--target", "80"], "target_service_level"),
    (["--calls", "100", "--interval-minutes", "0"], "--interval-minutes"),
])
def test_staffing_bad_input_is_one_sentence(args, words):
    assert words in _one_sentence_error(run("staffing", *args))


# --------------------------------------------------------------------------------------------- report

@pytest.mark.realdata
def test_report_json_on_los_angeles_has_hours_in_the_keys(la_db, la_raw):
    rep = _json(run("report", "--db", str(la_db), "--json", "--no-classifier-cv"))
    ok = la_raw[la_raw["closed"].notna() & (la_raw["hours"] >= 0)]
    assert rep["time_to_close"]["median_hours_to_close"] == pytest.approx(ok["hours"].median())
    assert rep["time_to_close"]["p90_hours_to_close"] == pytest.approx(ok["hours"].quantile(0.9))
    assert rep["backlog"]["median_age_hours"] == pytest.approx(rep["backlog"]["median_age_days"] * 24)
    assert rep["meta"]["unit_of_time"] == "hours"
    assert rep["cad"]["available"] is False and "police_call" in rep["cad"]["reason"]
    # every number that is a duration names its unit in its key
    def pairs(x):
        if isinstance(x, dict):
            for k, v in x.items():
                yield k, v
                yield from pairs(v)
        elif isinstance(x, list):
            for v in x:
                yield from pairs(v)
    durations = {k for k, v in pairs(rep) if isinstance(v, (int, float)) and not isinstance(v, bool)
                 and re.search(r"time_to_close|_age|asa|wait|response", k)}
    assert durations and all(re.search(r"hours|days|seconds", k) for k in durations), durations


@pytest.mark.realdata
def test_report_window_and_text(la_db):
    rep = _json(run("report", "--db", str(la_db), "--from", "2017-12-30", "--to", "2017-12-30", "--json",
                    "--no-classifier-cv"))
    assert rep["meta"]["window"]["start"].startswith("2017-12-30")
    w = rep["meta"]["window"]  # the local day 2017-12-30 in Los Angeles = 08:00 UTC to 08:00 UTC
    assert "2017-12-30T08:00" <= w["first_opened_at"] and w["last_opened_at"] < "2017-12-31T08:00"
    text = run("report", "--db", str(la_db), "--no-classifier-cv")
    assert text.exit_code == 0 and "time to close: median" in text.stdout and "Bulky Items" in text.stdout


@pytest.mark.realdata
def test_report_and_cad_on_sacramento_and_tables_written(sac_db, tmp_path):
    db = tmp_path / "sac.duckdb"
    shutil.copy(sac_db, db)
    rep = _json(run("report", "--db", str(db), "--json", "--write-tables"))
    assert rep["available"] is False  # no 311 rows in a CAD-only warehouse: said, not invented
    cad = rep["cad"]
    assert cad["available"] and cad["time_resolution"]["resolution"] == "day"
    assert cad["never_dispatched"]["count"] == 6672
    assert list(rep["tables_written"]) == ["cad_response_times"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = "
                                          "'cad_response_times' ORDER BY ordinal_position").fetchall()]
        assert cols == list(TABLES["cad_response_times"])
        row = con.execute("SELECT n, median_hours, share_same_day FROM cad_response_times WHERE level = 'overall' "
                          "AND interval = 'received_to_dispatched'").fetchone()
        rows = con.execute("SELECT count(*) FROM cad_response_times").fetchone()[0]
    finally:
        con.close()
    assert rows == rep["tables_written"]["cad_response_times"]
    assert row[0] == cad["intervals"]["received_to_dispatched"]["n"] and row[1] == 0.0
    assert row[2] == pytest.approx(cad["intervals"]["received_to_dispatched"]["share_same_day"])
    text = run("cad", "--db", str(db))
    assert text.exit_code == 0 and "calendar date" in text.stdout and "TRAFFIC STOP" in text.stdout
    same = _json(run("cad", "--db", str(db), "--json"))
    assert same["intervals"] == cad["intervals"]


@pytest.mark.realdata
def test_service_tables_from_los_angeles(la_db, tmp_path):
    db = tmp_path / "la.duckdb"
    shutil.copy(la_db, db)
    rep = _json(run("report", "--db", str(db), "--json", "--write-tables", "--no-classifier-cv"))
    con = duckdb.connect(str(db), read_only=True)
    try:
        for name in rep["tables_written"]:
            cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                              "ORDER BY ordinal_position", [name]).fetchall()]
            assert cols == list(TABLES[name]), name
        overall = con.execute("SELECT n_closed, median_hours_to_close FROM service_time_to_close "
                              "WHERE level = 'overall'").fetchone()
        bulky = con.execute("SELECT p90_hours_to_close FROM service_time_to_close WHERE level = 'request_type' "
                            "AND group_name = 'Bulky Items'").fetchone()[0]
        flags = dict(con.execute("SELECT flag, count FROM service_quality_flags WHERE source = 'all'").fetchall())
        suppressed = con.execute("SELECT count(*) FROM service_staff_performance WHERE suppressed AND observed IS NOT NULL"
                                 ).fetchone()[0]
    finally:
        con.close()
    assert set(rep["tables_written"]) >= {"service_time_to_close", "service_on_time", "service_backlog",
                                          "service_volume", "service_volume_weekly", "service_quality_flags",
                                          "service_staff_performance"}
    assert overall == (rep["time_to_close"]["n_closed"], pytest.approx(rep["time_to_close"]["median_hours_to_close"]))
    by = {r["request_type"]: r for r in rep["time_to_close"]["by"]["request_type"]}
    assert bulky == pytest.approx(by["Bulky Items"]["p90_hours_to_close"])
    assert flags == {k: v["count"] for k, v in rep["data_quality"]["flags"].items()}
    assert suppressed == 0


def test_every_service_table_and_column_is_documented():
    if not DOCS.exists():
        pytest.fail("docs/metrics.md is missing")
    text = DOCS.read_text(encoding="utf-8")
    for table, cols in TABLES.items():
        assert f"### `{table}`" in text, table
        section = text.split(f"### `{table}`", 1)[1].split("\n### ", 1)[0]
        for col in cols:
            assert f"| `{col}` |" in section, f"{table}.{col} missing from docs/metrics.md"


# --------------------------------------------------------------------------------------------- forecast / plan

def test_forecast_and_plan_on_contacts_with_handle_times(small_crm, tmp_path):
    fc = _json(run("forecast", "--db", str(small_crm), "--horizon", "4", "--json"))
    # weekdays only: the data ends on a Friday, so its last week never reached Sunday and is not full
    assert fc["available"] and fc["history"]["full_weeks"] == 31
    models = {r["model"] for r in fc["forecast"]["backtest_summary"]}
    assert models == {"seasonal_naive", "moving_average", "ets"}
    assert len(fc["forecast"]["weekly"]) == 4
    db = tmp_path / "crm.duckdb"
    shutil.copy(small_crm, db)
    plan = _json(run("plan", "--db", str(db), "--horizon", "4", "--cost-per-contact", "3", "--hourly-rate", "40",
                     "--json", "--write-tables"))
    st = plan["staffing"]
    assert st["aht_source"] == "data" and 150 < st["aht_seconds"] < 260
    assert plan["budget"]["staff"]["cost"] == pytest.approx(sum(r["scheduled_staff"] for r in st["intervals"]) * 0.5 * 40)
    assert plan["tables_written"]["service_staffing_plan"] == len(st["intervals"])
    con = duckdb.connect(str(db), read_only=True)
    try:
        n = con.execute("SELECT count(*), sum(calls) FROM service_staffing_plan").fetchone()
        m = con.execute("SELECT count(*) FROM service_forecast_backtest").fetchone()[0]
    finally:
        con.close()
    assert n[0] == len(st["intervals"]) and n[1] == pytest.approx(sum(r["forecast"] for r in plan["forecast"]["weekly"]))
    assert m == 3
    text = run("plan", "--db", str(small_crm), "--horizon", "4", "--profile", "flat", "--weekdays", "Mon-Fri")
    assert text.exit_code == 0 and "Per week" in text.stdout and "service_level: not available" in text.stdout
    text = run("forecast", "--db", str(small_crm), "--horizon", "4")
    assert text.exit_code == 0 and "MASE" in text.stdout


# --------------------------------------------------------------------------------------------- errors

@pytest.mark.realdata
def test_errors_are_one_sentence(la_db, tmp_path):
    assert "no warehouse here" in _one_sentence_error(run("report", "--db", str(tmp_path / "none.duckdb")))
    assert "police_call" in _one_sentence_error(run("cad", "--db", str(la_db)))
    assert "not a date" in _one_sentence_error(run("report", "--db", str(la_db), "--from", "last tuesday"))
    assert "no full week" in _one_sentence_error(run("forecast", "--db", str(la_db)))
    assert "no full week" in _one_sentence_error(run("plan", "--db", str(la_db), "--aht-seconds", "180"))
    assert "horizon" in _one_sentence_error(run("forecast", "--db", str(la_db), "--horizon", "0"))
    assert "weekdays" in _one_sentence_error(run("plan", "--db", str(la_db), "--weekdays", "Funday"))


@pytest.mark.realdata
def test_tables_can_be_written_inside_a_build(tmp_path):
    """The after_ingest hook writes the report and CAD tables into the new file before the swap."""
    for p in (SAC_CSV, SAC_CONFIG):
        if not p.exists():
            pytest.skip(f"{p} is not present")
    from civicgrid.service.tables import after_ingest_hook

    db = tmp_path / "sac.duckdb"
    build_warehouse(load_config(SAC_CONFIG, DATA / "sacramento"), db, after_ingest=after_ingest_hook)
    con = duckdb.connect(str(db), read_only=True)
    try:
        n = con.execute("SELECT n FROM cad_response_times WHERE level = 'overall' "
                        "AND interval = 'received_to_cleared'").fetchone()[0]
    finally:
        con.close()
    assert n == 24_999


def test_reversed_date_range_is_an_error_not_an_empty_report(tmp_path):
    from typer.testing import CliRunner

    from civicgrid.cli import app

    res = CliRunner().invoke(app, ["service", "report", "--db", str(tmp_path / "none.duckdb"),
                                   "--from", "2018-06-01", "--to", "2018-01-01"])
    assert res.exit_code == 2 and "--to 2018-01-01 is before --from 2018-06-01" in res.output
