"""Scheduling: intervals, generated cron / systemd units, and the in-process APScheduler loop."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import yaml
from typer.testing import CliRunner

from civicgrid.refresh.cli import refresh_app
from civicgrid.refresh.runlog import read_runs
from civicgrid.refresh.schedule import ScheduleError, cron_line, parse_every, run_schedule, systemd_units


def test_parse_every():
    assert parse_every("15m") == timedelta(minutes=15)
    assert parse_every("1h") == timedelta(hours=1) and parse_every("2d") == timedelta(days=2)
    for bad in ("", "1", "h", "0m", "1.5h", "1w"):
        with pytest.raises(ScheduleError, match="use a number and a unit"):
            parse_every(bad)


@pytest.mark.parametrize("every, spec", [("1m", "* * * * *"), ("15m", "*/15 * * * *"), ("1h", "17 * * * *"),
                                         ("6h", "17 */6 * * *"), ("1d", "17 3 * * *")])
def test_cron_lines(every, spec):
    assert cron_line(parse_every(every), "/usr/bin/civicgrid refresh /etc/c.yaml") == \
        f"{spec} /usr/bin/civicgrid refresh /etc/c.yaml 2>&1 | logger -t civicgrid-refresh"


@pytest.mark.parametrize("every", ["45m", "5h", "2d", "30s"])
def test_cron_refuses_what_it_cannot_express(every):
    with pytest.raises(ScheduleError, match="cron"):
        cron_line(parse_every(every), "x")


def test_systemd_units():
    units = systemd_units(parse_every("1h"), "/opt/civicgrid/bin/civicgrid refresh /etc/civicgrid/city.yaml",
                          user="civicgrid", workdir="/var/lib/civicgrid")
    svc, timer = units["civicgrid-refresh.service"], units["civicgrid-refresh.timer"]
    assert "Type=oneshot" in svc and "User=civicgrid" in svc and "ReadWritePaths=/var/lib/civicgrid" in svc
    assert "ExecStart=/opt/civicgrid/bin/civicgrid refresh /etc/civicgrid/city.yaml" in svc
    assert "OnUnitActiveSec=3600s" in timer and "Persistent=true" in timer and "WantedBy=timers.target" in timer


def test_in_process_schedule_runs_again_after_a_failing_run():
    calls: list[float] = []

    def job():
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise RuntimeError("portal down")

    logs: list[str] = []
    t0 = time.monotonic()
    assert run_schedule(job, timedelta(seconds=1), max_runs=2, log=logs.append) == 2
    assert len(calls) == 2 and calls[0] - t0 < 0.5 and 0.8 < calls[1] - calls[0] < 2.5
    assert any("refresh run 1 failed: RuntimeError: portal down" in m for m in logs)


def _file_city(tmp_path):
    (tmp_path / "works.csv").write_text("call_no,alarm_time,address\nF1,2020-01-02T10:00:00,100 MAIN ST\n")
    doc = {"city": {"name": "T"}, "sources": [{"name": "works", "department": "fire", "kind": "fire_incident",
                                               "path": "works.csv", "record_id": ["call_no"],
                                               "columns": {"opened_at": "alarm_time", "address": "address"}}]}
    (tmp_path / "city.yaml").write_text(yaml.safe_dump(doc))
    return tmp_path / "city.yaml"


def test_schedule_command_prints_cron_and_systemd(tmp_path):
    cfg = _file_city(tmp_path)
    db = tmp_path / "wh" / "civicgrid.duckdb"
    r = CliRunner().invoke(refresh_app, ["schedule", str(cfg), "--every", "15m", "--db", str(db), "--print-cron"])
    assert r.exit_code == 0, r.output
    line = " ".join(r.output.split())
    assert line.startswith("*/15 * * * * ") and f"refresh {cfg.resolve()} --db {db.resolve()}" in line
    r = CliRunner().invoke(refresh_app, ["schedule", str(cfg), "--every", "6h", "--db", str(db), "--print-systemd"])
    assert r.exit_code == 0 and "# /etc/systemd/system/civicgrid-refresh.timer" in r.output
    assert "OnUnitActiveSec=21600s" in r.output
    r = CliRunner().invoke(refresh_app, ["schedule", str(cfg), "--every", "45m", "--print-cron"])
    assert r.exit_code == 2 and "cron cannot run exactly every 45 minutes" in " ".join(r.output.split())


def test_schedule_command_runs_refreshes_in_process(tmp_path):
    cfg = _file_city(tmp_path)
    db = tmp_path / "civicgrid.duckdb"
    r = CliRunner().invoke(refresh_app, ["schedule", str(cfg), "--every", "1s", "--db", str(db), "--max-runs", "2"])
    assert r.exit_code == 0, r.output
    assert r.output.count(" ok: 0 row(s) pulled from 0 API source(s)") == 2
    runs = read_runs(db)
    assert len(runs) == 2 and "works" in runs[-1]["match_rates"]  # scheduled builds link, as `civicgrid build` does
