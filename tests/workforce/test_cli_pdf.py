"""`civicgrid workforce report` on the real Cincinnati roster: JSON, text and the PDF summary."""

import json

from typer.testing import CliRunner

from civicgrid.cli import app

runner = CliRunner()


def test_workforce_report_json_and_pdf(cincinnati_db, tmp_path):
    pdf = tmp_path / "workforce.pdf"
    res = runner.invoke(app, ["workforce", "report", "--db", str(cincinnati_db), "--json", "--pdf", str(pdf)])
    assert res.exit_code == 0, res.output
    body = res.stdout[res.stdout.index("{"):]
    report = json.loads(body)
    assert report["representation"]["status"] == "ok"
    assert "EMP-" not in body
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5_000


def test_workforce_report_text(baltimore_db):
    res = runner.invoke(app, ["workforce", "report", "--db", str(baltimore_db)])
    assert res.exit_code == 0, res.output
    assert "turnover" in res.stdout and "EMP-" not in res.stdout


def test_workforce_report_missing_db_is_one_sentence(tmp_path):
    res = runner.invoke(app, ["workforce", "report", "--db", str(tmp_path / "none.duckdb")])
    assert res.exit_code == 2
    assert "no warehouse here yet" in res.output and "Traceback" not in res.output
