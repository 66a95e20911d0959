"""The `civicgrid integration …` and `civicgrid meeting …` commands, mounted as the lead wires them."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from civicgrid.integration.cli import integration_app, meeting_app

app = typer.Typer()
app.add_typer(integration_app, name="integration")
app.add_typer(meeting_app, name="meeting")
runner = CliRunner()


def run(*args: str):
    r = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    return r.output


@pytest.mark.realdata
def test_done_when_on_the_real_pittsburgh_build(pgh, tmp_path):
    """Issue 4's bar: the ranked list, a profile and a meeting packet PDF, all from the CLI."""
    out = run("integration", "scores", "--db", pgh.db, "--limit", "10")
    assert "Ranked parcels" in out and "2022-11-26" in out
    ranked = json.loads(run("integration", "scores", "--db", pgh.db, "--json"))
    pid = ranked["rows"][0]["location_key"]
    prof = run("integration", "profile", pid, "--db", pgh.db, "--app-db", tmp_path / "app.sqlite", "--user", "ana")
    assert pid in prof and "score" in prof
    app_db = tmp_path / "app.sqlite"
    assert "meeting 1 on 2022-12-06" in run("meeting", "new", "--date", "2022-12-06", "--app-db", app_db)
    agenda = json.loads(run("meeting", "agenda", "1", "--db", pgh.db, "--app-db", app_db, "--json"))
    assert agenda["items"] and agenda["items"][0]["case"]["level"] == "parcel"
    run("meeting", "packet", "1", "--db", pgh.db, "--app-db", app_db, "--out", tmp_path / "packet.pdf")
    assert (tmp_path / "packet.pdf").read_bytes().startswith(b"%PDF")


def test_demo_commands(demo, tmp_path):
    db, app_db = demo.db, tmp_path / "app.sqlite"
    ew = json.loads(run("integration", "early-warning", "--db", db, "--json"))
    assert ew["rows"] and {r["flag"] for r in ew["rows"]} <= {"rate_spike", "first_crossing", "escalation"}
    areas = json.loads(run("integration", "areas", "--db", db, "--json"))
    assert areas["rows"]
    bt = json.loads(run("integration", "backtest", "--db", db, "--level", "parcel", "--start", "2026-05-01",
                        "--end", "2026-08-01", "--json"))
    assert bt["k"] == 25 and bt["methods"]["score"]["picks"] > 0
    assert "precision at the team's capacity" in run("integration", "backtest", "--db", db, "--start", "2026-05-01",
                                                     "--end", "2026-08-01")
    run("meeting", "new", "--date", "2026-11-03", "--app-db", app_db)
    out = run("meeting", "agenda", "1", "--db", db, "--app-db", app_db)
    assert "Agenda of meeting 1" in out
    assert "action 1 added to case 1" in run("meeting", "action", "add", "1", "--department", "code_enforcement",
                                             "--text", "inspect", "--due", "2026-11-10", "--app-db", app_db)
    assert "done" in run("meeting", "action", "close", "1", "--app-db", app_db)
    assert "case closed" in run("meeting", "decide", "1", "--decision", "close_resolved", "--app-db", app_db)
    run("meeting", "packet", "1", "--db", db, "--app-db", app_db, "--out", tmp_path / "p.csv")
    assert (tmp_path / "p.csv").read_text().startswith("position,reason")
    assert "contest 1 recorded" in run("integration", "contest", "X1", "--reason", "wrong owner", "--app-db", app_db)


def test_errors_are_one_sentence(demo, tmp_path):
    r = runner.invoke(app, ["integration", "profile", "NOPE", "--db", str(demo.db)])
    assert r.exit_code == 2 and "not in the parcel spine" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["meeting", "agenda", "9", "--db", str(demo.db), "--app-db", str(tmp_path / "a.sqlite")])
    assert r.exit_code == 2 and "no meeting 9" in r.output


def test_meeting_status_add_lead_and_contest_resolution(demo, tmp_path):
    """The commands the web's meeting page also offers, on the same audited functions."""
    app_db, db = str(tmp_path / "a.sqlite"), str(demo.db)
    con = demo.con()
    try:
        pid = con.execute("SELECT location_key FROM property_scores WHERE level = 'parcel' ORDER BY score LIMIT 1"
                          ).fetchone()[0]
    finally:
        con.close()
    run("meeting", "new", "--date", "2026-07-01", "--app-db", app_db)
    assert f"{pid} added to meeting 1 as item 1" in run("meeting", "add", "1", pid, "--db", db, "--app-db", app_db)
    assert "lead department police" in run("meeting", "lead", "1", "police", "--db", db, "--app-db", app_db)
    r = runner.invoke(app, ["meeting", "lead", "1", "parks", "--db", db, "--app-db", app_db])
    assert r.exit_code == 2 and "not one of this city's departments" in r.output
    r = runner.invoke(app, ["meeting", "status", "1", "held", "--app-db", app_db])
    assert r.exit_code == 2 and "Generate the agenda before marking the meeting held" in r.output
    run("meeting", "agenda", "1", "--db", db, "--app-db", app_db)
    assert "meeting 1 is now held" in run("meeting", "status", "1", "held", "--app-db", app_db, "--user", "chair")
    run("integration", "contest", pid, "--reason", "wrong owner", "--app-db", app_db)
    assert "contest 1 rejected" in run("integration", "resolve-contest", "1", "--status", "rejected", "--note",
                                       "verified", "--app-db", app_db)
    r = runner.invoke(app, ["integration", "resolve-contest", "1", "--status", "upheld", "--note", "x",
                            "--app-db", app_db])
    assert r.exit_code == 2 and "already resolved" in r.output
