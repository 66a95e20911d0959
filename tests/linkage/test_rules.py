"""Cascade rules on constructed records: suffixes, units, lots, fuzzy streets, ids, decisions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from civicgrid.config import LinkageSettings, ParcelIdRule
from civicgrid.linkage import matchtypes as mt
from civicgrid.linkage.assemble import link_records
from civicgrid.linkage.decisions import apply_decisions
from civicgrid.linkage.ids import normalize_parcel_id
from civicgrid.linkage.keys import AddressBook
from civicgrid.linkage.records import RECORD_COLUMNS
from civicgrid.linkage.spine import build_spine

S = LinkageSettings()


def frame(*rows, source="test", department="code_enforcement") -> pd.DataFrame:
    base = dict(source=source, department=department, kind="code_case", parcel_raw=None,
                lat=np.nan, lon=np.nan, zip=None, neighborhood=None, address=None)
    return pd.DataFrame([{**base, "record_id": str(i), **r} for i, r in enumerate(rows)])[RECORD_COLUMNS]


def link(spine_rows, rows, settings=S, **kw):
    book = AddressBook(settings)
    spine = build_spine(frame(*spine_rows, source="parcels"), book, settings)
    return link_records(frame(*rows, **kw), spine, book, settings), spine


def test_house_number_suffix_mismatch_is_a_non_match():
    links, _ = link([{"parcel_raw": "A", "address": "14A MAIN ST"}, {"parcel_raw": "B", "address": "14 MAIN ST"}],
                    [{"address": "14C MAIN ST"}, {"address": "14A MAIN ST"}, {"address": "14 MAIN ST"}])
    assert links["parcel_id"].tolist() == [None, "A", "B"]
    assert links.at[0, "match_type"] == mt.UNMATCHED and links.at[0, "needs_review"]


def test_unit_mismatch_is_a_non_match_and_unit_match_links():
    spine = [{"parcel_raw": "U14A", "address": "100 MAIN ST APT 14A"},
             {"parcel_raw": "U14C", "address": "100 MAIN ST APT 14C"}]
    links, _ = link(spine, [{"address": "100 MAIN ST #14A"}, {"address": "100 MAIN ST UNIT 14B"},
                            {"address": "100 MAIN ST"}])
    assert links.at[0, "parcel_id"] == "U14A" and links.at[0, "match_type"] == mt.ADDRESS_UNIT
    assert links.at[1, "parcel_id"] is None and "not among the spine's units" in links.at[1, "explanation"]
    assert links.at[2, "match_type"] == mt.AMBIGUOUS          # the building address is on two unit parcels


def test_unit_dropped_only_when_the_spine_has_no_units_there():
    links, _ = link([{"parcel_raw": "H", "address": "2810 SHELLY ST"}], [{"address": "2810 SHELLY ST #1"}])
    assert links.at[0, "parcel_id"] == "H" and links.at[0, "match_type"] == mt.ADDRESS_NO_UNIT


def test_rear_lot_never_matches_the_front_parcel():
    spine = [{"parcel_raw": "FRONT", "address": "1310 WOODLAND AVE"},
             {"parcel_raw": "BACK", "address": "1312 WOODLAND AVE REAR"}]
    links, _ = link(spine, [{"address": "1310  WOODLAND (REAR) AV"}, {"address": "1312 WOODLAND AVE"},
                            {"address": "1312 WOODLAND AVE REAR"}])
    assert links["parcel_id"].tolist() == [None, None, "BACK"]


def test_ranges_both_ways():
    links, _ = link([{"parcel_raw": "R", "address": "1249 51 VOSKAMP ST"}, {"parcel_raw": "X", "address": "1300 VOSKAMP ST"}],
                    [{"address": "1251 VOSKAMP ST"}, {"address": "1300-1302 VOSKAMP ST"}, {"address": "1253 VOSKAMP ST"}])
    assert links["parcel_id"].tolist() == ["R", "X", None]
    assert links["match_type"].tolist()[:2] == [mt.RANGE, mt.RANGE]


def test_wide_ranges_link_only_the_same_written_range():
    spine = [{"parcel_raw": "W", "address": "6901-17 FRANKSTOWN AVE"}]
    links, _ = link(spine, [{"address": "6907 FRANKSTOWN AVE"}, {"address": "6901-17  FRANKSTOWN AV"},
                            {"address": "6901-6905 FRANKSTOWN AVE"}])
    assert links["parcel_id"].tolist() == [None, "W", None]     # a part of a wide range: no link
    narrow = LinkageSettings(max_range_numbers=9)
    links, _ = link(spine, [{"address": "6907 FRANKSTOWN AVE"}], settings=narrow)
    assert links.at[0, "parcel_id"] == "W"


def test_fuzzy_street_needs_same_number_and_area_and_an_unknown_street():
    spine = [{"parcel_raw": "B", "address": "2516 BROWNSVILLE RD, Pittsburgh, PA 15210"},
             {"parcel_raw": "F", "address": "12 FAIRLAND ST, Pittsburgh, PA 15210"},
             {"parcel_raw": "W", "address": "40 FAIRLAWN ST, Pittsburgh, PA 15210"},
             {"parcel_raw": "N", "address": "420 N AIKEN AVE, Pittsburgh, PA 15206"}]
    links, _ = link(spine, [{"address": "2516 BROWNSVILE RD, Pittsburgh, PA 15210"},   # typo: linked
                            {"address": "2516 BROWNSVILE RD, Pittsburgh, PA 15207"},   # other ZIP
                            {"address": "2518 BROWNSVILE RD, Pittsburgh, PA 15210"},   # other number
                            {"address": "12 FAIRLAWN ST, Pittsburgh, PA 15210"},       # FAIRLAWN exists
                            {"address": "420 S AIKEN AVE, Pittsburgh, PA 15206"}])     # other direction
    assert links["parcel_id"].tolist() == ["B", None, None, None, None]
    assert links.at[0, "match_type"] == mt.FUZZY_STREET and links.at[0, "score"] < S.review_below


def test_zip_or_distance_conflict_refuses_an_address_link():
    spine = [{"parcel_raw": "P", "address": "218 HALLOCK ST, Pittsburgh, PA 15211", "lat": 40.43, "lon": -80.01}]
    links, _ = link(spine, [{"address": "218 HALLOCK ST, Pittsburgh, PA 15210"},
                            {"address": "218 HALLOCK ST", "lat": 40.45, "lon": -80.01},
                            {"address": "218 HALLOCK ST", "lat": 40.43001, "lon": -80.01}])
    assert links["parcel_id"].tolist() == [None, None, "P"]
    assert "ZIP 15210" in links.at[0, "explanation"] and "m from the parcel" in links.at[1, "explanation"]


def test_parcel_id_first_and_id_normalization():
    rule = ParcelIdRule(pattern=r"[0-9]{4}[A-Z][0-9]{5}[0-9A-Z]{6}")
    assert normalize_parcel_id("0011-E-00031-0000-00", rule) == "0011E00031000000"
    assert normalize_parcel_id("invalid input", rule) is None
    assert normalize_parcel_id("11e31", ParcelIdRule(length=8, pad="left")) == "00011E31"
    settings = LinkageSettings(parcel_id=rule)
    links, _ = link([{"parcel_raw": "0011E00031000000", "address": "5 A ST"}],
                    [{"parcel_raw": "0011-E-00031-0000-00", "address": "9 OTHER ST"}], settings=settings)
    assert links.at[0, "parcel_id"] == "0011E00031000000" and links.at[0, "match_type"] == mt.PARCEL_ID


def test_block_departments_and_intersections():
    links, _ = link([{"parcel_raw": "P", "address": "214 N DITHRIDGE ST"}],
                    [{"address": "214 N DITHRIDGE ST"}, {"address": "200 Block N DITHRIDGE ST PITTSBURGH, PA"},
                     {"address": "MAIN ST & 3RD ST"}], department="police")
    assert links["parcel_id"].isna().all()
    assert links["match_type"].tolist() == [mt.BLOCK, mt.BLOCK, mt.INTERSECTION]
    assert links["block_key"].tolist()[:2] == ["200 N DITHRIDGE ST"] * 2
    assert links.at[2, "intersection_key"] == "3RD ST & MAIN ST" and not links["needs_review"].any()


def test_centroid_only_for_coordinate_records_and_ambiguous_when_close():
    spine = [{"parcel_raw": "A", "address": "1 A ST", "lat": 40.4400, "lon": -80.0000},
             {"parcel_raw": "B", "address": "3 A ST", "lat": 40.4401, "lon": -80.0000},   # 11 m north
             {"parcel_raw": "C", "address": "9 C ST", "lat": 40.4500, "lon": -80.0000}]
    links, _ = link(spine, [{"lat": 40.45002, "lon": -80.0000},              # 2 m from C
                            {"lat": 40.44005, "lon": -80.0000},              # between A and B
                            {"lat": 40.4600, "lon": -80.0000},               # far from all
                            {"address": "77 Z ST", "lat": 40.45002, "lon": -80.0}])  # has an address
    assert links["parcel_id"].tolist() == ["C", None, None, None]
    assert links["match_type"].tolist()[:3] == [mt.CENTROID, mt.AMBIGUOUS, mt.UNMATCHED]
    assert links.at[0, "needs_review"]


def _decisions(*rows):
    cols = ["id", "source", "record_id", "address_key", "decision", "parcel_id", "decided_by", "decided_at", "note"]
    return pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols)


def test_decisions_record_beats_address_latest_wins_and_stale_confirm_returns_to_review():
    links, spine = link([{"parcel_raw": "A", "address": "5 ELM ST"}, {"parcel_raw": "B", "address": "5 ELM ST"},
                         {"parcel_raw": "C", "address": "7 ELM ST"}],
                        [{"address": "5 ELM ST"}, {"address": "5 ELM ST"}, {"address": "7 ELM ST"},
                         {"address": "7 ELM ST"}])
    assert links["match_type"].tolist() == [mt.AMBIGUOUS, mt.AMBIGUOUS, mt.ADDRESS, mt.ADDRESS]
    dec = _decisions(
        (1, None, None, "5 ELM ST", "reassign", "B", "ana", "2026-01-01T10:00:00Z", None),
        (2, None, None, "5 ELM ST", "reassign", "A", "ana", "2026-01-02T10:00:00Z", "deed checked"),
        (3, "test", "1", None, "reject", None, "bo", "2026-01-01T09:00:00Z", None),
        (4, "test", "2", None, "confirm", "C", "bo", "2026-01-03T09:00:00Z", None),
        (5, "test", "3", None, "confirm", "Z", "bo", "2026-01-03T09:00:00Z", None))
    out, n = apply_decisions(links, dec, spine.parcel_ids, ["police"])
    assert out["parcel_id"].tolist() == ["A", None, "C", "C"]
    assert out["match_type"].tolist() == [mt.REVIEW_REASSIGNED, mt.REVIEW_REJECTED, mt.REVIEW_CONFIRMED, mt.ADDRESS]
    assert out["needs_review"].tolist() == [False, False, False, True]
    assert "deed checked" in out.at[0, "explanation"] and "stale confirm" in out.at[3, "explanation"]
    assert n == 3
