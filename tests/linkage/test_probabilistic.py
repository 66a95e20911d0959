"""The optional probabilistic step (Splink 5 on DuckDB): rules on small frames, then real data.

Skipped when splink is not installed (it is an optional dependency); the real-data test also
needs ../shared/data/pittsburgh (the ``pgh`` fixture skips without it).
"""

from __future__ import annotations

import pandas as pd
import pytest

from civicgrid.config import LinkageSettings
from civicgrid.linkage import evaluate
from civicgrid.linkage.keys import AddressBook
from civicgrid.linkage.probabilistic import (PROBABILISTIC, Query, probabilistic_match, query_for,
                                             splink_available, split_street)
from civicgrid.linkage.spine import Spine

needs_splink = pytest.mark.skipif(not splink_available(), reason="splink is not installed (pip install splink==5.0.0)")


def test_off_by_default_and_threshold_default():
    s = LinkageSettings()
    assert s.probabilistic is False and s.probabilistic_threshold == 0.95


def test_split_street():
    assert split_street("N MOUNT OLIVER ST") == ("MOUNT OLIVER", "ST", "N")
    assert split_street("FAIRLAWN ST") == ("FAIRLAWN", "ST", None)
    assert split_street("S 23RD ST") == ("23RD", "ST", "S")


def _spine(units_at=None, by_unit=None) -> Spine:
    s = Spine(parcels=pd.DataFrame(columns=["parcel_id"]), addresses=pd.DataFrame())
    s.units_at, s.by_unit = units_at or {}, by_unit or {}
    return s


def _cand(rows):
    cols = ["uid", "number", "street_name", "street_type", "dirs", "zip", "hood", "parcel_id"]
    return pd.DataFrame(rows, columns=cols)


def _query(raw, unit=None, zip5="15210", settings=LinkageSettings()):
    book = AddressBook(settings)
    q = query_for(book[raw], zip5, None, settings)
    return q if unit is None else Query(q.address, unit, q.zip5, q.hood)


@needs_splink
def test_links_a_street_type_variant_and_never_another_house_number():
    cand = _cand([("14C MAIN AVE", "14C", "MAIN", "AVE", None, "15210", None, "P14C"),
                  ("20 MAIN AVE", "20", "MAIN", "AVE", None, "15210", None, "P20")])
    s = LinkageSettings(probabilistic=True)
    q14a, q20 = _query("14A MAIN ST"), _query("20 MAIN ST")
    res = probabilistic_match([q14a, q20], _spine(), s, candidates=cand)
    assert q14a not in res or res[q14a].parcel_id is None          # 14A is never 14C
    assert res[q20].parcel_id == "P20" and res[q20].score >= 0.95
    assert "street name" in res[q20].explanation and "house number" in res[q20].explanation


@needs_splink
def test_unknown_unit_and_close_runner_up_go_to_review():
    cand = _cand([("20 MAIN AVE", "20", "MAIN", "AVE", None, "15210", None, "P20"),
                  ("20 MAINE AVE", "20", "MAINE", "AVE", None, "15210", None, "P20E")])
    s = LinkageSettings(probabilistic=True)
    q = _query("20 MAIN ST", unit="2")
    res = probabilistic_match([q], _spine(units_at={"20 MAIN AVE": frozenset({"1"})}), s,
                              candidates=cand[:1])
    assert res[q].parcel_id is None and "unit #2" in res[q].explanation and "review" in res[q].explanation
    q2 = _query("20 MAINN ST")
    res = probabilistic_match([q2], _spine(), s, candidates=cand)
    assert q2 not in res or res[q2].parcel_id is None


@needs_splink
@pytest.mark.realdata
def test_real_condemned_precision_holds_and_links_are_added(pgh):
    base = pgh.cfg
    on = base.model_copy(update={"linkage": base.linkage.model_copy(update={"probabilistic": True})})
    on._path, on._data_dir = base._path, base._data_dir
    con = pgh.con()
    try:
        before = evaluate(base, con, ["pli_condemned"])["sources"][0]
        after = evaluate(on, con, ["pli_condemned"])["sources"][0]
    finally:
        con.close()
    b, a = before["methods"]["cascade"], after["methods"]["cascade"]
    assert a["precision_in_spine"] >= 0.99, a
    assert a["precision_in_spine"] >= b["precision_in_spine"] - 0.001, (b, a)
    assert a["correct"] > b["correct"] and a["recall"] >= b["recall"], (b, a)
    prob = after["cascade_by_match_type"][PROBABILISTIC]
    assert prob["links"] >= 1 and prob["precision"] >= 0.99, prob
