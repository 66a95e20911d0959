"""The review queue and decisions: a decision is stored in app state and survives a rebuild."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from civicgrid.linkage import decide, review_queue
from civicgrid.linkage import matchtypes as mt
from civicgrid.linkage.cli import linkage_app

pytestmark = pytest.mark.realdata


def _cli():
    app = typer.Typer()
    app.add_typer(linkage_app, name="linkage")
    return app


def _link(pgh, source, record_id):
    con = pgh.con()
    try:
        return con.execute("""SELECT parcel_id, match_type, explanation, needs_review FROM event_links
                              WHERE source = ? AND record_id = ?""", [source, record_id]).fetchall()[0]
    finally:
        con.close()


def test_queue_is_grouped_by_address_most_records_first(pgh):
    q = review_queue(pgh.db, limit=None)
    assert len(q) > 10 and q["records"].is_monotonic_decreasing
    assert not q["sources"].str.contains("police|fire").any()
    lic = review_queue(pgh.db, source="pli_business_licenses")
    assert "2620 SMALLMAN ST" in set(lic["group_key"])          # a license address not in the spine


def test_decision_survives_a_rebuild(pgh):
    q = review_queue(pgh.db, match_type=mt.CENTROID, limit=1)
    src, rid, near = q.at[0, "example_source"], q.at[0, "example_record_id"], q.at[0, "parcel_id"]
    con = pgh.con()
    try:
        target = con.execute("SELECT min(parcel_id) FROM parcel_spine WHERE parcel_id <> ?", [near]).fetchall()[0][0]
    finally:
        con.close()
    decide(pgh.app_db, "reassign", decided_by="inspector1", source=src, record_id=rid, parcel_id=target,
           note="checked on site", db=pgh.db)
    decide(pgh.app_db, "reject", decided_by="inspector1", address_key="2620 SMALLMAN ST", db=pgh.db)
    assert _link(pgh, src, rid)[0] == near                   # nothing changes before a rebuild
    rep = pgh.rebuild()
    assert rep.linkage.decisions_applied >= 3
    parcel, kind, why, review = _link(pgh, src, rid)
    assert (parcel, kind, review) == (target, mt.REVIEW_REASSIGNED, False)
    assert "inspector1" in why and "checked on site" in why
    con = pgh.con()
    try:
        rejected = con.execute("""SELECT count(*), count(*) FILTER (WHERE match_type = 'review_rejected')
                                  FROM event_links WHERE address_key = '2620 SMALLMAN ST'""").fetchall()[0]
    finally:
        con.close()
    assert rejected[0] == rejected[1] >= 2
    assert "2620 SMALLMAN ST" not in set(review_queue(pgh.db, limit=None)["group_key"])
    rep2 = pgh.rebuild()                                   # and again: decisions are never lost
    assert _link(pgh, src, rid)[:2] == (target, mt.REVIEW_REASSIGNED)
    assert rep2.linkage.decisions_applied == rep.linkage.decisions_applied


def test_decide_refuses_unknown_targets(pgh, tmp_path):
    with pytest.raises(ValueError, match="not in event_links"):
        decide(tmp_path / "a.sqlite", "reject", decided_by="x", source="pli_condemned", record_id="nope", db=pgh.db)
    with pytest.raises(ValueError, match="reassign needs"):
        decide(tmp_path / "a.sqlite", "reassign", decided_by="x", address_key="1 A ST")
    with pytest.raises(ValueError, match="must be one of"):
        decide(tmp_path / "a.sqlite", "maybe", decided_by="x", address_key="1 A ST")


def test_cli_review_and_evaluate(pgh, tmp_path):
    r = CliRunner()
    res = r.invoke(_cli(), ["linkage", "review", "list", "--db", str(pgh.db), "--limit", "5", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert len(rows) == 5 and rows[0]["records"] >= rows[-1]["records"]
    res = r.invoke(_cli(), ["linkage", "review", "decide", "confirm", "--by", "ana", "--db", str(pgh.db),
                            "--app-db", str(tmp_path / "cli.sqlite"), "--source", rows[0]["example_source"],
                            "--record-id", str(rows[0]["example_record_id"]), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["decision"] == "confirm"
    res = r.invoke(_cli(), ["linkage", "review", "decide", "reassign", "--by", "ana", "--address-key", "1 A ST",
                            "--app-db", str(tmp_path / "cli.sqlite")])
    assert res.exit_code == 2 and "reassign needs" in res.output
    res = r.invoke(_cli(), ["linkage", "evaluate", str(pgh.cfg.path), "--data-dir", str(pgh.cfg.data_dir),
                            "--db", str(pgh.db), "--source", "pli_condemned", "--json"])
    assert res.exit_code == 0, res.output
    ev = json.loads(res.output)
    assert ev["sources"][0]["methods"]["cascade"]["precision_in_spine"] > 0.99
