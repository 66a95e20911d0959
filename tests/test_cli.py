"""The command line as a user meets it: build, status, quarantine, demo; errors are one sentence."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from civicgrid.cli import app

runner = CliRunner()


def _json(res) -> dict:
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _fire_config(tmp_path, shared_data, lines: int = 200) -> str:
    src = shared_data / "pittsburgh" / "fire_incidents.csv"
    with open(src, "rb") as fh:
        data = [fh.readline() for _ in range(lines + 1)]
    data[7] = data[7][:40] + b"\n"  # cut inside a quoted field: the open quote swallows the next line
    (tmp_path / "fire.csv").write_bytes(b"".join(data))
    cfg = {"city": {"name": "Pittsburgh, PA", "timezone": "America/New_York"},
           "sources": [{"name": "fire_incidents", "department": "fire", "kind": "fire_incident",
                        "path": "fire.csv", "record_id": ["call_no"],
                        "columns": {"opened_at": "alarm_time", "type_code": "incident_type",
                                    "address": "address", "lat": "latitude", "lon": "longitude"}}]}
    p = tmp_path / "city.yaml"
    p.write_text(yaml.safe_dump(cfg))
    return str(p)


def test_build_status_quarantine_json(tmp_path, shared_data):
    cfg = _fire_config(tmp_path, shared_data)
    db = str(tmp_path / "w.duckdb")
    rep = _json(runner.invoke(app, ["build", cfg, "--db", db, "--json"]))
    # lines 8-9 become one malformed record: quarantined whole (both lines' text kept), never merged
    assert rep["totals"] == {"rows_read": 199, "rows_loaded": 198, "rows_quarantined": 1, "rows_duplicate": 0}
    assert rep["invariant_ok"] is True
    st = _json(runner.invoke(app, ["status", "--db", db, "--json"]))
    (src,) = st["sources"]
    assert src["rows_current"] == 198 and src["rows_quarantined_total"] == 1 and src["as_of"].startswith("20")
    assert st["quarantine_by_reason"][0]["rows"] == 1 and st["invariant_ok"]
    # every build links: fire publishes hundred-block addresses, which link to blocks, never to parcels
    assert src["match_rates"].get("block", 0) + src["match_rates"].get("intersection", 0) == 1.0
    assert "parcel_id" not in src["match_rates"]
    ql = _json(runner.invoke(app, ["quarantine", "list", "--db", db, "--json"]))
    assert ql["total"] == 1 and ql["rows"][0]["line"] == 8
    qs = _json(runner.invoke(app, ["quarantine", "show", "1", "--db", db, "--json"]))
    assert "malformed CSV record" in qs["reason"]
    assert "F180022495" in qs["raw_text"] and "F180022546" in qs["raw_text"]
    text = runner.invoke(app, ["status", "--db", db])
    assert text.exit_code == 0 and "fire_incidents" in text.stdout


def test_errors_are_one_sentence_with_exit_code(tmp_path):
    res = runner.invoke(app, ["status", "--db", str(tmp_path / "none.duckdb")])
    assert res.exit_code == 2 and "run `civicgrid build CONFIG" in res.output and "Traceback" not in res.output
    bad = tmp_path / "city.yaml"
    bad.write_text("city: {name: X}\nsources:\n  - name: a\n    departmnt: fire\n")
    res = runner.invoke(app, ["build", str(bad), "--db", str(tmp_path / "w.duckdb")])
    assert res.exit_code == 2 and "departmnt" in res.output and "did you mean 'department'" in res.output
    res = runner.invoke(app, ["quarantine", "show", "99", "--db", str(tmp_path / "w.duckdb")])
    assert res.exit_code != 0 and "Traceback" not in res.output


def test_partial_build_exits_nonzero(tmp_path, shared_data):
    cfg = _fire_config(tmp_path, shared_data)
    doc = yaml.safe_load(open(cfg))
    doc["sources"].append({**doc["sources"][0], "name": "missing_file", "path": "nope.csv"})
    open(cfg, "w").write(yaml.safe_dump(doc))
    res = runner.invoke(app, ["build", cfg, "--db", str(tmp_path / "w.duckdb"), "--json"])
    assert res.exit_code == 3
    rep = json.loads(res.stdout)
    assert rep["status"] == "partial"
    assert any(f["status"] == "failed" and "not found" in f["message"] for f in rep["files"])


def test_demo_command_small(tmp_path):
    res = runner.invoke(app, ["demo", "--dir", str(tmp_path / "demo"), "--scale", "0.05", "--json"])
    rep = _json(res)
    assert rep["status"] == "ok" and rep["invariant_ok"]
    assert rep["totals"]["rows_loaded"] > 1000
    st = _json(runner.invoke(app, ["status", "--db", str(tmp_path / "demo" / "civicgrid.duckdb"), "--json"]))
    assert st["last_build"]["synthetic"] is True


def test_hr_only_config_builds_and_links_nothing(tmp_path, shared_data):
    res = runner.invoke(app, ["build", "examples/cincinnati/city.yaml", "--data-dir", str(shared_data / "cincinnati"),
                              "--db", str(tmp_path / "w.duckdb"), "--json"])
    rep = _json(res)
    assert rep["status"] == "ok" and rep["totals"]["rows_loaded"] == 6304 + 77


def test_guards_one_city_per_warehouse_one_build_at_a_time_and_bad_paths(tmp_path, shared_data):
    import fcntl

    cfg = _fire_config(tmp_path, shared_data, lines=20)
    db = tmp_path / "w.duckdb"
    assert runner.invoke(app, ["build", cfg, "--db", str(db), "--json"]).exit_code == 0
    # another city's config into this warehouse would mix their sources
    other = tmp_path / "other.yaml"
    doc = yaml.safe_load(open(cfg))
    doc["city"]["name"] = "Sacramento, CA"
    other.write_text(yaml.safe_dump(doc))
    res = runner.invoke(app, ["build", str(other), "--db", str(db)])
    assert res.exit_code == 2 and "holds Pittsburgh, PA, not Sacramento, CA" in res.output
    # a second build while one holds the lock stops with one sentence
    with open(str(db) + ".build.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        res = runner.invoke(app, ["build", cfg, "--db", str(db)])
    assert res.exit_code == 2 and "another build is writing" in res.output
    # a CSV is not a warehouse; a folder is not a config
    res = runner.invoke(app, ["status", "--db", str(tmp_path / "fire.csv")])
    assert res.exit_code == 2 and "is not a civicgrid warehouse" in res.output
    res = runner.invoke(app, ["build", str(tmp_path)])
    assert res.exit_code == 2 and "is a folder" in res.output


def test_demo_can_finish_by_serving_with_a_first_admin_account(tmp_path, monkeypatch):
    """`civicgrid demo --serve`: builds, makes `admin` with a printed one-time password when there are no
    accounts (that password signs in), then serves the demo warehouse on 127.0.0.1."""
    import re

    import civicgrid.web.server as server
    from civicgrid.web import users

    served = {}
    monkeypatch.setattr(server, "serve", lambda db, app_db, host, port: served.update(db=db, app=app_db, host=host,
                                                                                       port=port))
    monkeypatch.setenv("CIVICGRID_APP_DB", str(tmp_path / "app.sqlite"))
    res = runner.invoke(app, ["demo", "--dir", str(tmp_path / "demo"), "--scale", "0.05", "--serve", "--port", "8765"])
    assert res.exit_code == 0, res.output
    assert served["host"] == "127.0.0.1" and served["port"] == 8765
    assert served["db"] == tmp_path / "demo" / "civicgrid.duckdb"
    password = re.search(r"account admin with password (\S+)", res.output).group(1)
    acc, why = users.authenticate(served["app"], "admin", password)
    assert why == "ok" and acc.role == "admin"
    again = runner.invoke(app, ["demo", "--dir", str(tmp_path / "demo2"), "--scale", "0.05", "--serve"])
    assert again.exit_code == 0 and "existing account" in again.output and "password" not in again.output
