"""Property profiles on real Pittsburgh parcels: facts as published, the owner's other parcels, one
timeline, and police detail only for callers who may see it (audited)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import select

from civicgrid.appstate import AuditEntry, session_scope
from civicgrid.integration.profile import property_profile

PGH = __import__("pathlib").Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pittsburgh"

pytestmark = pytest.mark.realdata
ALMEDA = "0057B00033000000"  # 0 ALMEDA ST: tax-delinquent, dead-end property, fires on its block


def test_profile_facts_match_the_published_files(pgh):
    p = property_profile(pgh.db, ALMEDA)
    raw = pd.read_csv(PGH / "property_tax_delinquency.csv", dtype=str).set_index("pin").loc[ALMEDA]
    f = p["facts"]
    assert f["tax_delinquency"]["amount"] == pytest.approx(float(raw["current_delq"]))
    assert f["tax_delinquency"]["prior_years"] == int(raw["prior_years"])
    assert f["property_class"] == "RESIDENTIAL" and f["owner"].startswith("OWNER-")
    assert p["address"] == "0 ALMEDA ST" and p["neighborhood"] == "Hazelwood"
    assert "0057B00076000000" in p["owner_other_parcels"]["by_owner"]
    json.dumps(p)  # JSON-ready


def test_one_timeline_across_departments(pgh):
    p = property_profile(pgh.db, ALMEDA)
    depts = {e["department"] for e in p["timeline"]}
    assert {"finance", "code_enforcement", "fire"} <= depts
    assert any(e["attribution"] == "block" for e in p["timeline"])
    dates = [e["date"] for e in p["timeline"] if e["date"]]
    assert dates == sorted(dates, reverse=True)
    assert p["score"]["score"] > 0 and p["score"]["components"]
    assert p["block"]["block_key"] == "0 ALMEDA ST" and p["block"]["activity"]


def _busy_block_parcel(pgh) -> tuple[str, set[str]]:
    """A parcel whose block has PFA-service police records, and those records' ids."""
    con = pgh.con()
    try:
        pid, block = con.execute("""
            SELECT s.parcel_id, s.block_key FROM parcel_spine s JOIN event_links l ON l.block_key = s.block_key
            JOIN events e USING (source, record_id)
            WHERE l.match_type = 'block' AND e.department = 'police' AND e.description LIKE '%PFA Service%'
            AND e.opened_at < TIMESTAMPTZ '2022-11-26'
            GROUP BY 1, 2 ORDER BY count(*) DESC, 1 LIMIT 1""").fetchone()
        ids = {r[0] for r in con.execute("""SELECT record_id FROM events JOIN event_links l USING (source, record_id)
                   WHERE l.block_key = ? AND l.match_type = 'block' AND description LIKE '%PFA Service%'
                   AND opened_at < TIMESTAMPTZ '2022-11-26'""",
                                         [block]).fetchall()}
    finally:
        con.close()
    return pid, ids


def test_police_detail_and_protected_calls_need_the_flag(pgh, tmp_path):
    pid, pfa = _busy_block_parcel(pgh)
    app = tmp_path / "app.sqlite"
    plain = property_profile(pgh.db, pid, app_db=app, username="viewer1", timeline_limit=5000)
    police = [e for e in plain["timeline"] if e["department"] == "police"]
    assert police and all("description" not in e and "status" not in e for e in police)
    assert pfa and not pfa & {e["record_id"] for e in plain["timeline"]}  # not shown, not even counted
    assert "PFA" not in json.dumps(plain)
    full = property_profile(pgh.db, pid, can_see_police_detail=True, app_db=app, username="officer1",
                            timeline_limit=5000)
    shown = [e for e in full["timeline"] if e["record_id"] in pfa]
    assert len(shown) == len(pfa) and all(e["points"] == 0 and e["excluded"] == "domestic" for e in shown)
    assert all("PFA" in e["description"] for e in shown)
    with session_scope(app) as s:
        rows = [(a.username, a.action, a.object_id, json.loads(a.detail)) for a in s.scalars(select(AuditEntry))]
    assert ("viewer1", "property.view", pid, {"police_detail": False}) in rows
    assert ("officer1", "property.view", pid, {"police_detail": True}) in rows


def test_city_owned_condemned_and_rental(pgh):
    con = pgh.con()
    try:
        pid = con.execute("""SELECT p.parcel_id FROM parcels p JOIN events e ON e.parcel_id = p.parcel_id
                             WHERE p.source = 'city_owned_property' AND e.source = 'pli_condemned'
                             AND e.category = 'Condemned Property' ORDER BY 1 LIMIT 1""").fetchone()[0]
        rental = con.execute("""SELECT parcel_id FROM events WHERE category = 'Rental registration'
                                AND parcel_id IN (SELECT parcel_id FROM parcel_spine) ORDER BY 1 LIMIT 1""").fetchone()[0]
    finally:
        con.close()
    p = property_profile(pgh.db, pid)
    assert p["facts"]["city_owned"] is True and p["facts"]["condemned"]["records"] >= 1
    assert p["facts"]["condemned"]["type"] == "Condemned Property"
    r = property_profile(pgh.db, rental)
    assert r["facts"]["rental_registration"] is True and r["facts"]["licenses"]


def test_unknown_parcel_is_a_clear_error(pgh):
    with pytest.raises(KeyError, match="not in the parcel spine"):
        property_profile(pgh.db, "9999X99999999999")


def test_profiles_read_through_the_lookup_tables_equal_the_full_scan(pgh, monkeypatch):
    """The sorted lookup tables change the speed of a profile, never its content: 60 real parcels (the top
    of the ranking, ALMEDA and a seeded sample), with and without police detail."""
    import random

    import civicgrid.integration.profile as prof_mod
    from civicgrid.integration.lookups import LOOKUP_TABLES, has_lookups

    with pgh.con() as con:
        assert has_lookups(con)
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in LOOKUP_TABLES}
        ranked = [r[0] for r in con.execute("SELECT location_key FROM property_scores WHERE level = 'parcel' "
                                            "ORDER BY rank, location_key").fetchall()]
        linked = con.execute("SELECT count(*) FROM event_links WHERE parcel_id IS NOT NULL "
                             "OR (match_type = 'block' AND block_key IS NOT NULL)").fetchone()[0]
    assert counts["profile_records"] == linked and counts["parcel_keys"] > 10_000 and counts["owner_index"] > 10_000
    sample = ranked[:30] + [ALMEDA] + random.Random(7).sample(ranked[30:], 29)
    fast = {(p, d): property_profile(pgh.db, p, can_see_police_detail=d) for p in sample for d in (False, True)}
    monkeypatch.setattr(prof_mod, "has_lookups", lambda con: False)
    for (p, d), got in fast.items():
        assert got == property_profile(pgh.db, p, can_see_police_detail=d), p
