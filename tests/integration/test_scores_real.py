"""Activity, overlap and scores on the real Pittsburgh build: windows count back from the data's
as-of date, every score equals the sum of its stored components."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicgrid.integration.api import ranked_list, score_detail
from civicgrid.integration.scores import compute_scores

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def stored(pgh):
    con = pgh.con()
    try:
        return {t: con.execute(f"SELECT * FROM {t}").df() for t in
                ("property_scores", "property_score_components", "location_activity", "early_warnings", "area_rollups")}
    finally:
        con.close()


def test_as_of_is_the_datas_not_the_wall_clock(stored, pgh_prep):
    # the last department to report (fire, 2022-11-26) bounds the windows: every scoring department covers them
    as_of = pd.Timestamp(stored["property_scores"]["as_of"].iloc[0])
    assert as_of == pgh_prep.as_of
    assert as_of.date().isoformat() == "2022-11-26"
    assert stored["property_scores"]["as_of"].nunique() == 1
    comp = stored["property_score_components"]
    assert (pd.to_datetime(comp["last_at"].dropna(), utc=True) <= as_of).all()


def test_score_is_the_sum_of_its_components(stored):
    sc = stored["property_scores"].set_index(["level", "location_key"])["score"]
    comp = stored["property_score_components"].groupby(["level", "location_key"])["points"].sum()
    both = sc[sc > 0]
    assert np.allclose(both.to_numpy(), comp.reindex(both.index).to_numpy(), atol=0.01)
    assert set(stored["property_scores"]["level"]) == {"parcel", "block"}


def test_windows_nest_and_activity_adds_up(stored):
    sc = stored["property_scores"]
    assert (sc["n_events_30"] <= sc["n_events_90"]).all() and (sc["n_events_90"] <= sc["n_events_365"]).all()
    act = stored["location_activity"]
    for w in (30, 90, 365):
        tot = act[act["window_days"] == w].groupby(["level", "location_key"])["n_events"].sum()
        mine = sc.set_index(["level", "location_key"])[f"n_events_{w}"]
        mine = mine[mine > 0]
        assert (tot.reindex(mine.index) == mine).all()


def test_overlap_definition(stored, pgh):
    s = pgh.cfg.integration
    p = stored["property_scores"][stored["property_scores"]["level"] == "parcel"]
    expect = (p["n_departments"] >= s.min_departments) & (p["n_departments_at_address"] >= 1)
    assert (p["overlap"] == expect).all()
    assert (p["over_threshold"] == (p["overlap"] & (p["score"] >= s.score_threshold))).all()
    assert p["overlap"].sum() > 50  # tax-delinquent + condemned + police/fire on the block


def test_block_context_never_lists_a_parcel_alone(stored):
    p = stored["property_scores"][stored["property_scores"]["level"] == "parcel"]
    assert (p.loc[p["points_block"] > 0, "points_address"] > 0).all()


def test_windows_follow_an_earlier_as_of(pgh_prep):
    prep = pgh_prep.with_as_of("2020-12-31")
    t = compute_scores(prep, "block")
    assert t.as_of.date().isoformat() == "2020-12-31"
    assert (pd.to_datetime(t.components["last_at"].dropna(), utc=True) <= t.as_of).all()
    # 2020 has the arrests file: many more police components than at the default as-of
    assert (t.components["department"] == "police").sum() > 500


def test_ranked_list_and_detail_api(pgh):
    r = ranked_list(pgh.db, "parcel", 25)
    assert len(r["rows"]) == 25 and r["as_of"].startswith("2022-11-26")
    assert [x["rank"] for x in r["rows"]] == sorted(x["rank"] for x in r["rows"])
    assert r["stale_departments"] == []  # every department reports past 2022-11-26
    top = r["rows"][0]
    d = score_detail(pgh.db, top["location_key"])
    assert abs(sum(c["points"] for c in d["components"]) - d["score"]) < 0.01
    assert "contest" in d and d["components"][0]["department"]
