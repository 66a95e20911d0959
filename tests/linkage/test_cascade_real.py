"""Match cascade on the real Pittsburgh files: labels, blocks, ambiguity, ranges, units."""

from __future__ import annotations

import pandas as pd
import pytest

from civicgrid.linkage import matchtypes as mt
from civicgrid.linkage.assemble import link_records
from civicgrid.linkage.keys import AddressBook
from civicgrid.linkage.records import RECORD_COLUMNS, load_records, spine_sources
from civicgrid.linkage.spine import build_spine

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def spine_env(pgh):
    con = pgh.con()
    try:
        names = spine_sources(pgh.cfg)
        rec = load_records(con, pgh.cfg, names)
    finally:
        con.close()
    book = AddressBook(pgh.cfg.linkage)
    return build_spine(rec, book, pgh.cfg.linkage, names), book, rec


def _records(*rows) -> pd.DataFrame:
    base = dict(source="test", department="code_enforcement", kind="code_case", parcel_raw=None,
                lat=float("nan"), lon=float("nan"), zip=None, neighborhood=None)
    return pd.DataFrame([{**base, "record_id": str(i), **r} for i, r in enumerate(rows)])[RECORD_COLUMNS]


def test_every_event_is_linked_once(pgh):
    con = pgh.con()
    try:
        n_events = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
        n_links, n_keys = con.execute(
            "SELECT count(*), count(DISTINCT (source, record_id)) FROM event_links").fetchall()[0]
        missing = con.execute("""SELECT count(*) FROM events e ANTI JOIN event_links l
                                 USING (source, record_id)""").fetchall()[0][0]
    finally:
        con.close()
    assert n_links == n_keys == n_events and missing == 0


def test_police_and_fire_link_to_blocks_never_parcels(pgh):
    con = pgh.con()
    try:
        on_parcel = con.execute("""SELECT count(*) FROM event_links
                                   WHERE department IN ('police', 'fire') AND parcel_id IS NOT NULL""").fetchall()[0][0]
        row = con.execute("""SELECT l.match_type, l.block_key, l.address_kind, l.score FROM event_links l
                             JOIN events e USING (source, record_id)
                             WHERE e.source = 'police_blotter_2020'
                               AND e.address = '100 Block Hazlett St Pittsburgh, PA 15214'""").fetchall()
        kinds = dict(con.execute("""SELECT match_type, count(*) FROM event_links
                                    WHERE department = 'fire' GROUP BY 1""").fetchall())
        reviewed = con.execute("""SELECT count(*) FROM event_links
                                  WHERE department IN ('police', 'fire') AND needs_review""").fetchall()[0][0]
    finally:
        con.close()
    assert on_parcel == 0 and reviewed == 0
    assert row and all(r == (mt.BLOCK, "100 HAZLETT ST", "block", 1.0) for r in row)
    assert kinds[mt.BLOCK] > 7000 and kinds[mt.INTERSECTION] > 1000   # 8,945 fire incidents


def test_zero_number_lot_is_ambiguous_never_a_random_parcel(pgh, spine_env):
    spine, book, rec = spine_env
    con = pgh.con()
    try:
        shared = con.execute("""SELECT max(n_parcels_sharing) FROM parcel_addresses
                                WHERE address_key = '0 WEBSTER AVE'""").fetchall()[0][0]
    finally:
        con.close()
    assert shared == 57                       # GUIDE §8: "0 WEBSTER AVE" (57 parcels)
    tax = rec[(rec["source"] == "tax_delinquency") & (rec["address"] == "0 WEBSTER AVE")]
    links = link_records(tax, spine, book, pgh.cfg.linkage, use_parcel_id=False)
    assert len(links) > 20
    assert (links["match_type"] == mt.AMBIGUOUS).all() and links["parcel_id"].isna().all()
    assert links["needs_review"].all()
    assert "57 parcels" in links["explanation"].iloc[0]


def test_shared_numbered_address_is_ambiguous(pgh, spine_env):
    spine, book, _ = spine_env
    con = pgh.con()
    try:
        key, n = con.execute("""SELECT address_key, max(n_parcels_sharing) FROM parcel_addresses
                                WHERE n_parcels_sharing > 1 AND house_number <> '0' AND unit_key IS NULL
                                  AND NOT from_range GROUP BY 1 ORDER BY 1 LIMIT 1""").fetchall()[0]
    finally:
        con.close()
    links = link_records(_records({"address": key}), spine, book, pgh.cfg.linkage)
    assert links.at[0, "match_type"] == mt.AMBIGUOUS and links.at[0, "parcel_id"] is None
    assert f"{n} parcels" in links.at[0, "explanation"]


def test_range_in_spine_matches_a_number_inside(pgh, spine_env):
    spine, book, _ = spine_env
    links = link_records(_records({"address": "1251 VOSKAMP ST, Pittsburgh, PA 15212"},
                                  {"address": "1249 VOSKAMP ST"}, {"address": "1250 VOSKAMP ST"}),
                         spine, book, pgh.cfg.linkage)
    # city_owned_property publishes "1249 51 VOSKAMP ST" for parcel 0024G00060000000
    assert links.at[0, "parcel_id"] == "0024G00060000000" and links.at[0, "match_type"] == mt.RANGE
    assert links.at[1, "parcel_id"] == "0024G00060000000"
    assert links.at[2, "parcel_id"] is None          # the other side of the street is not in the range
    assert links.at[0, "needs_review"]               # a range link is reviewed (score < review_below)


def test_real_record_links_exactly_and_fills_its_block(pgh, spine_env):
    spine, book, rec = spine_env
    one = rec[(rec["source"] == "pli_condemned") & rec["address"].notna()].head(200)
    links = link_records(one, spine, book, pgh.cfg.linkage)
    assert (links["match_type"] == mt.PARCEL_ID).all() and links["block_key"].notna().mean() > 0.95
    hidden = link_records(one, spine, book, pgh.cfg.linkage, use_parcel_id=False)
    exact = hidden["match_type"].isin([mt.ADDRESS, mt.ADDRESS_NO_UNIT, mt.ADDRESS_UNIT, mt.RANGE])
    assert exact.mean() > 0.9
    assert (hidden.loc[exact, "parcel_id"] == links.loc[exact, "parcel_id"]).mean() > 0.99


def test_each_distinct_address_is_normalized_once(pgh):
    rep = pgh.build_report.linkage
    con = pgh.con()
    try:
        distinct = con.execute("""SELECT count(DISTINCT address) FROM
                                  (SELECT address FROM events UNION ALL SELECT address FROM parcels)""").fetchall()[0][0]
        cached = con.execute("SELECT count(*), count(DISTINCT raw) FROM normalized_addresses").fetchall()[0]
    finally:
        con.close()
    assert rep.addresses_parsed + rep.addresses_reused == distinct
    assert cached == (distinct, distinct)


def test_blocks_count_events_by_department(pgh):
    con = pgh.con()
    try:
        total, by_dept = con.execute("SELECT sum(n_events), sum(n_police + n_fire) FROM blocks").fetchall()[0]
        linked = con.execute("SELECT count(*) FROM event_links WHERE block_key IS NOT NULL").fetchall()[0][0]
        police = con.execute("""SELECT count(*) FROM event_links
                                WHERE block_key IS NOT NULL AND department IN ('police', 'fire')""").fetchall()[0][0]
        multi = con.execute("SELECT count(*) FROM blocks WHERE n_departments >= 3").fetchall()[0][0]
    finally:
        con.close()
    assert total == linked and by_dept == police and multi > 100


def test_link_summary_matches_event_links(pgh):
    con = pgh.con()
    try:
        diff = con.execute("""SELECT count(*) FROM link_summary s FULL JOIN
                              (SELECT source, match_type, count(*) n FROM event_links GROUP BY 1, 2) l
                              USING (source, match_type) WHERE s.records IS DISTINCT FROM l.n""").fetchall()[0][0]
    finally:
        con.close()
    assert diff == 0
