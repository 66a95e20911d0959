"""Tests for civicgrid.addresses: every address form seen in the real exports in ../shared/data.

Strings are read from the real files where they occur there (``real(...)`` asserts they do);
the few forms named in issue 3 that none of the files contain (Detroit's ``"09100 PETOSKEY"``,
``"0 BLK OF STATE ST"``, ``"MAIN ST & 3RD ST"``, PO boxes) are written out literally.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
import usaddress
from hypothesis import given, settings
from hypothesis import strategies as st

from civicgrid.addresses import (
    KINDS,
    SUFFIX_SOURCE,
    AddressNormalizer,
    NormalizedAddress,
    block_key,
    normalize_address,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

#: the files and columns the 97 % coverage target is measured on (issue 3)
COVERAGE_COLUMNS = (
    ("pittsburgh/property_tax_delinquency.csv", "address"),
    ("pittsburgh/city_owned_property.csv", "address"),
    ("pittsburgh/police_non_traffic_citations.csv", "INCIDENTLOCATION"),
    ("pittsburgh/fire_incidents.csv", "address"),
)
#: every file and column a test string is taken from
SOURCES = {
    "tax": ("pittsburgh/property_tax_delinquency.csv", "address"),
    "owned": ("pittsburgh/city_owned_property.csv", "address"),
    "citations": ("pittsburgh/police_non_traffic_citations.csv", "INCIDENTLOCATION"),
    "fire": ("pittsburgh/fire_incidents.csv", "address"),
    "condemned": ("pittsburgh/pli_condemned_deadend_properties.csv", "address"),
    "licenses": ("pittsburgh/pli_business_licenses.csv", "address"),
    "blotter": ("pittsburgh/police_incident_blotter_2023_jan_jul.csv", "INCIDENTLOCATION"),
    "sacramento": ("sacramento/sacramento_police_dispatch_2019-01.csv", "Location"),
    "los_angeles": ("los_angeles/MyLA311_Service_Request_Data_2017_Subset.csv", "Address"),
}


@lru_cache(maxsize=None)
def column(path: str, name: str) -> frozenset[str]:
    """Distinct values of one column of a real file (skips the test when the data is absent)."""
    if not DATA.is_dir():
        pytest.skip("../shared/data not present")
    with (DATA / path).open(newline="", encoding="utf-8-sig") as fh:
        return frozenset(row[name] for row in csv.DictReader(fh))


def real(source: str, text: str) -> str:
    """Return ``text`` after checking that it occurs verbatim in the named real file."""
    path, name = SOURCES[source]
    assert text in column(path, name), f"{text!r} not found in {path}:{name}"
    return text


def n(text):
    return normalize_address(text)


# --- hundred blocks ----------------------------------------------------------------------------
@pytest.mark.realdata
def test_police_block_without_comma_after_street_and_trailing_space():
    a = n(real("citations", "200 Block N DITHRIDGE ST PITTSBURGH, PA "))
    assert a.kind == "block"
    assert (a.house_number, a.predir, a.street_name, a.street_type) == ("200", "N", "DITHRIDGE",
                                                                       "ST")
    assert (a.city, a.state, a.zip) == ("PITTSBURGH", "PA", None)
    assert a.block_key == "200 N DITHRIDGE ST"
    assert a.address_key is None and a.unit_key is None


@pytest.mark.realdata
def test_fire_block_with_city_state_zip_after_comma():
    a = n(real("fire", "800 BLOCK CENTER ST, WILKINSBURG PA 15221"))
    assert a.kind == "block"
    assert a.block_key == "800 CENTER ST"
    assert (a.city, a.state, a.zip) == ("WILKINSBURG", "PA", "15221")


@pytest.mark.realdata
def test_zero_block_and_police_abbreviations():
    assert n(real("fire", "00 BLOCK S 11TH ST, PITTSBURGH PA 15203")).block_key == "0 S 11TH ST"
    bl = n(real("citations", "800 Block SAW MILL RUN BL PITTSBURGH, PA "))
    assert (bl.street_name, bl.street_type, bl.city) == ("SAW MILL RUN", "BLVD", "PITTSBURGH")
    assert bl.block_key == "800 SAW MILL RUN BLVD"


def test_detroit_zero_padded_block_and_blk_of():
    a = n("09100 PETOSKEY")
    assert (a.kind, a.house_number, a.block_key) == ("block", "9100", "9100 PETOSKEY")
    b = n("0 BLK OF STATE ST")
    assert (b.kind, b.house_number, b.block_key) == ("block", "0", "0 STATE ST")
    # the rule is configurable, and never applies to a street with a suffix or to 00000
    assert AddressNormalizer(zero_padded_blocks=False).normalize("09100 PETOSKEY").kind == "address"


@pytest.mark.realdata
def test_pittsburgh_zero_padded_lot_numbers_are_not_blocks():
    a = n(real("owned", "00000  NEVILLE ST N"))
    assert (a.kind, a.house_number, a.street_key) == ("address", "0", "NEVILLE ST N")


@pytest.mark.realdata
def test_city_after_street_is_split_at_the_suffix():
    a = n(real("blotter", "100 Block Sherman ST Mt. Oliver, PA 15210"))
    assert (a.block_key, a.city) == ("100 SHERMAN ST", "MT OLIVER")
    b = AddressNormalizer(cities=["Pittsburgh"]).normalize("1200 Block Voskamp ST Pittsburgh")
    assert (b.block_key, b.city) == ("1200 VOSKAMP ST", "PITTSBURGH")


# --- intersections -----------------------------------------------------------------------------
@pytest.mark.realdata
def test_sacramento_slash_intersection():
    a = n(real("sacramento", "15TH ST / X ST"))
    assert a.kind == "intersection"
    assert (a.street_key, a.cross_street) == ("15TH ST", "X ST")
    assert a.intersection_key == "15TH ST & X ST"


def test_numbered_cross_street_is_kept():
    a = n("MAIN ST & 3RD ST")  # scourgify drops "3RD" here
    assert (a.kind, a.cross_street, a.intersection_key) == ("intersection", "3RD ST",
                                                            "3RD ST & MAIN ST")
    assert n("3RD ST & MAIN ST").intersection_key == a.intersection_key


@pytest.mark.realdata
def test_intersection_with_city_state_zip():
    a = n(real("blotter", "Shetland ST & Winfield ST Pittsburgh, PA 15206"))
    assert a.intersection_key == "SHETLAND ST & WINFIELD ST"
    assert (a.city, a.state, a.zip) == ("PITTSBURGH", "PA", "15206")
    b = n(real("citations", "IROQUIS WY & COLTART ST PITTSBURGH, PA "))
    assert b.intersection_key == "COLTART ST & IROQUIS WAY" and b.city == "PITTSBURGH"
    c = n(real("citations", "MEYRAN AV & 5TH AV PITTSBURGH, PA "))
    assert c.intersection_key == "5TH AVE & MEYRAN AVE"


def test_and_intersection_with_zero_number():
    a = n("00 PLYMOUTH AND MANSFIELD")
    assert (a.kind, a.house_number, a.intersection_key) == ("intersection", None,
                                                            "MANSFIELD & PLYMOUTH")


@pytest.mark.realdata
def test_fire_block_word_inside_intersection_and_missing_cross_street():
    a = n(real("fire", "5TH BLOCK AVE & MEYRAN AVE, PITTSBURGH PA 15213"))
    assert a.intersection_key == "5TH AVE & MEYRAN AVE"
    b = n(real("citations", "ELBA ST &  PITTSBURGH, PA "))
    assert (b.kind, b.street_key, b.city, b.house_number) == ("address", "ELBA ST", "PITTSBURGH",
                                                              None)


# --- ranges, fractions, numbers ----------------------------------------------------------------
@pytest.mark.realdata
def test_space_range():
    a = n(real("owned", "1249 51 VOSKAMP ST"))
    assert (a.kind, a.house_number, a.house_number_high) == ("range", "1249", "1251")
    assert a.address_key == "1249 VOSKAMP ST"
    assert a.address_keys == ("1249 VOSKAMP ST", "1251 VOSKAMP ST")
    assert a.block_key == "1200 VOSKAMP ST"


def test_leading_zero_range_and_hyphen_range():
    a = n("0628 32 REEDSDALE ST")
    assert (a.kind, a.house_number, a.house_number_high, a.street_key) == (
        "range", "628", "632", "REEDSDALE ST")
    assert a.address_keys == ("628 REEDSDALE ST", "630 REEDSDALE ST", "632 REEDSDALE ST")
    b = n("13120-13130 Ilene Street")
    assert (b.kind, b.house_number, b.house_number_high, b.street_key) == (
        "range", "13120", "13130", "ILENE ST")


def test_not_a_range():
    assert n("1200 12 ST").street_key == "12TH ST"  # a numbered street, not 1200-1212
    assert n("5211 2ND AVE").kind == "address"


@pytest.mark.realdata
def test_fractions():
    a = n("123 1/2 MAIN ST")
    assert (a.house_number, a.number_suffix, a.address_key) == ("123", "1/2", "123 1/2 MAIN ST")
    b = n(real("condemned", "58 1/2 CRAIGHEAD ST, Pittsburgh, 15211"))
    assert (b.address_key, b.city, b.state, b.zip) == ("58 1/2 CRAIGHEAD ST", "PITTSBURGH", None,
                                                       "15211")


def test_house_number_suffix_gives_distinct_keys():
    a, c = n("14A MAIN ST APT 2"), n("14C MAIN ST APT 2")
    assert (a.house_number, a.number_suffix) == ("14", "A")
    assert a.address_key == "14A MAIN ST" and c.address_key == "14C MAIN ST"
    assert a.unit_key != c.unit_key
    assert a.block_key == c.block_key == "0 MAIN ST"


@pytest.mark.realdata
def test_zero_house_number_is_an_address_flagged_ambiguous():
    a = n(real("owned", "0 GROTTO ST"))
    assert (a.kind, a.house_number, a.address_key) == ("address", "0", "0 GROTTO ST")
    assert "ambiguous" in a.reason


@pytest.mark.realdata
def test_repeated_spaces_and_leading_zeros():
    a = n(real("owned", "408  N MATHILDA ST"))
    assert a.address_key == "408 N MATHILDA ST"
    assert n("0628 REEDSDALE ST").house_number == "628"


# --- units -------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, unit_type, unit", [
    ("123 MAIN ST APT 4", "APT", "4"),
    ("123 MAIN ST #4", "#", "4"),
    ("123 MAIN ST STE 300", "STE", "300"),
    ("123 MAIN ST, APT 4, PITTSBURGH, PA 15222", "APT", "4"),
])
def test_unit_forms(text, unit_type, unit):
    a = n(text)
    assert (a.unit_type, a.unit, a.address_key, a.unit_key) == (unit_type, unit, "123 MAIN ST",
                                                                f"123 MAIN ST #{unit}")


@pytest.mark.realdata
def test_real_units():
    a = n(real("tax", "320 FORT DUQUESNE BLVD STE 300"))
    assert (a.street_key, a.unit_type, a.unit) == ("FORT DUQUESNE BLVD", "STE", "300")
    assert a.unit_key == "320 FORT DUQUESNE BLVD #300"
    assert n(real("condemned", "2810 SHELLY ST #1, Pittsburgh, PA 15203")).unit_key == \
        "2810 SHELLY ST #1"
    assert n(real("tax", "5708 WALNUT ST APT G2")).unit_key == "5708 WALNUT ST #G2"
    assert n(real("tax", "128 N CRAIG ST UNIT 504-A")).unit_key == "128 N CRAIG ST #504A"
    rear = n(real("owned", "3305  GASS AVE REAR"))
    assert (rear.unit_type, rear.unit, rear.address_key) == ("REAR", None, "3305 GASS AVE")


def test_floor_and_room_where_usaddress_raises():
    with pytest.raises(usaddress.RepeatedLabelError):
        usaddress.tag("3rd Floor #308")
    a = n("320 FORT DUQUESNE BLVD 3rd Floor #308")
    assert (a.street_key, a.unit_type, a.unit) == ("FORT DUQUESNE BLVD", "#", "308")
    assert "3 FL" in a.reason or "FL 3" in a.reason
    alone = n("3rd Floor #308")
    assert alone.kind == "unparsed" and alone.raw == "3rd Floor #308" and alone.reason


def test_usaddress_errors_fall_back_to_rules(monkeypatch):
    from civicgrid.addresses import usaddress_tags

    def boom(text):
        raise usaddress.RepeatedLabelError(text, [("x", "AddressNumber")], "AddressNumber")

    monkeypatch.setattr(usaddress_tags._usaddress, "tag", boom)
    assert n("ACME CORP 123 MAIN ST").kind == "address"  # would ask usaddress; it raises
    assert n("FRANKSTOWN & N HOMEWOOD PITTSBURGH, PA ").intersection_key == \
        "FRANKSTOWN & N HOMEWOOD"
    assert n("R/W BRIGHTON RD").kind == "unparsed"


# --- Saint vs Street, Pub 28 ------------------------------------------------------------------
@pytest.mark.realdata
def test_saint_vs_street():
    # usaddress 0.5.16 does not raise here (GUIDE §4 says it does) but leaves "ST LOUIS" as the
    # name; the rules spell the Saint out so that "ST LOUIS" and "SAINT LOUIS" give one key
    a = n("S ST LOUIS ST")
    assert (a.predir, a.street_name, a.street_type) == ("S", "SAINT LOUIS", "ST")
    b = n(real("los_angeles", "700 S ST LOUIS ST, 90023"))
    assert (b.address_key, b.zip) == ("700 S SAINT LOUIS ST", "90023")
    assert n("942 SAINT MARTIN ST").street_key == n("942 ST MARTIN ST").street_key
    assert n(real("sacramento", "1810 S ST")).street_key == "S ST"  # a lettered street


@pytest.mark.parametrize("text, key", [
    ("420 N AIKEN AV", "420 N AIKEN AVE"),
    ("3600 ALLIES BL", "3600 ALLIES BLVD"),
    ("12 FELICIA WY", "12 FELICIA WAY"),
    ("12 Felicia Way", "12 FELICIA WAY"),
    ("100 MAIN STREET", "100 MAIN ST"),
    ("100 N. MAIN AVENUE", "100 N MAIN AVE"),
    ("100 FIFTH AV", "100 5TH AVE"),
    ("100 S 12 ST", "100 S 12TH ST"),
    ("100 BOULEVARD OF THE ALLIES", "100 BLVD OF THE ALLIES"),
])
def test_pub28_suffixes(text, key):
    assert n(text).address_key == key


@pytest.mark.realdata
def test_city_owned_directional_after_name():
    assert n(real("owned", "1289  CHARLES N ST")).address_key == "1289 N CHARLES ST"
    assert n(real("owned", "0000  CARSON, W ST")).address_key == "0 W CARSON ST"
    assert n(real("owned", "0 S 18TH ST EXT")).street_key == "S 18TH ST EXT"


def test_suffix_table_comes_from_scourgify():
    assert "Pub 28" in SUFFIX_SOURCE and "scourgify" in SUFFIX_SOURCE


def test_compact_suffix_table_without_scourgify(monkeypatch):
    import importlib.util
    import sys

    from civicgrid.addresses import pub28

    monkeypatch.setitem(sys.modules, "scourgify.address_constants", None)  # import fails
    spec = importlib.util.spec_from_file_location("pub28_without_scourgify", pub28.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.SUFFIX_SOURCE.startswith("civicgrid compact table")
    for spelling, abbreviation in {"AVENUE": "AVE", "AV": "AVE", "BL": "BLVD", "WY": "WAY",
                                   "STREET": "ST", "TERRACE": "TER", "EXTENSION": "EXT"}.items():
        assert module.suffix_abbreviation(spelling) == abbreviation
    assert module.STATES["MICHIGAN"] == "MI"


# --- tails -------------------------------------------------------------------------------------
@pytest.mark.realdata
def test_city_state_zip_tails():
    a = n(real("licenses", "1522 5TH AVE, Pittsburgh, PA 15219-"))
    assert (a.address_key, a.city, a.state, a.zip) == ("1522 5TH AVE", "PITTSBURGH", "PA",
                                                       "15219")
    b = n(real("condemned", "916 FAIRDALE ST, Pittsburgh, 15204"))
    assert (b.city, b.state, b.zip) == ("PITTSBURGH", None, "15204")
    c = n("13120-13130 Ilene Street, Detroit, Michigan, USA")
    assert (c.kind, c.city, c.state, c.zip) == ("range", "DETROIT", "MI", None)
    d = n("1 MARKET SQ PITTSBURGH PA 15222")  # all caps, no commas
    assert (d.address_key, d.city, d.state, d.zip) == ("1 MARKET SQ", "PITTSBURGH", "PA", "15222")
    e = n("1522 5TH AVE, Pittsburgh, PA 15219-1234")
    assert e.zip == "15219"


def test_state_codes_that_are_also_suffixes_are_not_taken_bare():
    assert n("100 PINE CT").street_key == "PINE CT"
    assert n("100 PINE WY").street_key == "PINE WAY"
    assert n("100 PINE ST, HARTFORD, CT 06103").state == "CT"


# --- placeholders, PO boxes, empty -------------------------------------------------------------
@pytest.mark.realdata
def test_placeholder():
    a = n(real("condemned", "No primary address specified"))
    assert (a.kind, a.raw) == ("placeholder", "No primary address specified")
    assert a.address_key is None and a.block_key is None
    custom = AddressNormalizer(placeholders=["Address on file"])
    assert custom.normalize("ADDRESS ON FILE").kind == "placeholder"
    assert custom.normalize("No primary address specified").kind != "placeholder"
    assert n("CONFIDENTIAL Pittsburgh, PA ").kind == "placeholder"


@pytest.mark.parametrize("text", ["PO BOX 123", "P.O. Box 123, Pittsburgh, PA 15222",
                                  "POST OFFICE BOX 123"])
def test_po_box(text):
    a = n(text)
    assert (a.kind, a.unit_type, a.unit, a.address_key) == ("po_box", "PO BOX", "123",
                                                            "PO BOX 123")


@pytest.mark.parametrize("text", [None, "", "   ", float("nan")])
def test_empty(text):
    a = n(text)
    assert a.kind == "empty" and a.address_key is None and a.reason


def test_unparsed_keeps_raw_text_and_reason():
    for text in ("0", "144501", "R/W BRIGHTON RD", ", PITTSBURGH PA 15226"):
        a = n(text)
        assert a.kind == "unparsed" and a.raw == text and a.reason.endswith(".")
        assert a.address_key is None and a.block_key is None


# --- block_key, caching, API -------------------------------------------------------------------
def test_block_key_function():
    assert block_key(214, "N DITHRIDGE ST") == "200 N DITHRIDGE ST"
    assert block_key("0628", "REEDSDALE ST") == "600 REEDSDALE ST"
    assert block_key("100.0", "MARKET ST") == "100 MARKET ST"
    assert block_key(99, "MARKET ST") == "0 MARKET ST"
    for bad in ("12A", "-5", ""):
        with pytest.raises(ValueError):
            block_key(bad, "MARKET ST")
    with pytest.raises(ValueError):
        block_key(100, " ")


def test_normalizer_caches_each_distinct_string_once():
    norm = AddressNormalizer()
    texts = ["0 GROTTO ST", "0 GROTTO ST", None, "1 MARKET ST", None, "0 GROTTO ST"]
    out = norm.normalize_many(texts)
    assert [a.raw for a in out] == texts
    assert (norm.misses, norm.hits, len(norm)) == (3, 3, 3)
    assert out[0] is out[1]
    norm.clear()
    assert (norm.misses, norm.hits, len(norm)) == (0, 0, 0)


def test_record_is_frozen_and_serializable():
    a = n("2810 SHELLY ST #1, Pittsburgh, PA 15203")
    with pytest.raises(AttributeError):
        a.kind = "x"  # type: ignore[misc]
    d = a.as_dict()
    assert d["unit_key"] == "2810 SHELLY ST #1" and d["raw"] == a.raw
    assert isinstance(a, NormalizedAddress) and a.kind in KINDS


# --- never raises ------------------------------------------------------------------------------
ADDRESSISH = st.text(alphabet=st.sampled_from(list("0123456789 ABCNSEW#&/-,.()'STAVEBLK1/2")),
                     max_size=60)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=80), ADDRESSISH))
def test_never_raises(text):
    a = normalize_address(text)
    assert a.kind in KINDS
    assert a.raw == text or (text is not None and isinstance(text, float) and math.isnan(text))
    for key in (a.street_key, a.address_key, a.unit_key, a.block_key, a.intersection_key):
        assert key is None or isinstance(key, str)
    if a.kind in ("unparsed", "placeholder", "empty"):
        assert a.reason


# --- coverage on the real files ---------------------------------------------------------------
@pytest.mark.realdata
def test_kind_coverage_on_real_pittsburgh_files(capsys):
    texts = sorted({v for path, name in COVERAGE_COLUMNS for v in column(path, name)})
    norm = AddressNormalizer()
    results = norm.normalize_many(texts)
    kinds = Counter(a.kind for a in results)
    unparsed = [a for a in results if a.kind == "unparsed"]
    share = 1 - len(unparsed) / len(results)
    street_only = sum(a.kind == "address" and a.house_number is None for a in results)
    with capsys.disabled():
        print(f"\n{len(texts)} distinct strings; parsed {share:.4%}; "
              + ", ".join(f"{k} {v}" for k, v in kinds.most_common())
              + f"; street-only addresses (no number) {street_only}")
        for a in unparsed:
            print(f"  unparsed {a.raw!r}: {a.reason}")
    assert share >= 0.998  # measured 99.93 % (23 of 34,797 unparsed); issue 3 asks for >= 97 %
    assert street_only / len(results) < 0.02
