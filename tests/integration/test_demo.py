"""On the synthetic demo city: planted problem properties rank high; decoys whose only planted
records are victim / domestic / medical / welfare calls get zero points from those calls."""

from __future__ import annotations

import numpy as np
import pandas as pd

from civicgrid.integration.api import early_warning_list, ranked_list
from civicgrid.integration.events import Prepared, prepare
from civicgrid.integration.scores import compute_scores


def _ranks(demo) -> pd.DataFrame:
    r = ranked_list(demo.db, "parcel", None)
    return pd.DataFrame(r["rows"]).set_index("location_key")


def test_planted_problem_properties_rank_high(demo, answer_key):
    props, _ = answer_key
    sc = _ranks(demo)
    problems = props[props["pattern"] != "protected_calls_only"].assign(rank=lambda d: d["parcel_id"].map(sc["rank"]))
    assert problems["rank"].notna().all()
    top25 = set(sc.index[sc["rank"] <= 25])
    assert len(top25 & set(problems["parcel_id"])) >= 18          # of 25 places, ~2,500 parcels
    assert (problems["rank"] <= 75).all()                           # every one of the 40 in the top 3 %
    assert problems.loc[problems["pattern"] == "escalating", "rank"].median() <= 15
    assert sc.loc[list(top25 & set(problems["parcel_id"])), "over_threshold"].all()


def test_decoys_score_zero_from_their_protected_calls(demo, answer_key):
    props, recs = answer_key
    decoys = props[props["pattern"] == "protected_calls_only"]
    con = demo.con()
    try:
        prep = prepare(con, demo.cfg.integration)
    finally:
        con.close()
    ev = prep.ev
    planted = recs[recs["pattern"] == "protected_calls_only"].copy()
    # NFIRS records are keyed by incident and exposure number ("2600255|0")
    planted["record_id"] = np.where(planted["dept"] == "fire", planted["record_id"] + "|0", planted["record_id"])
    mine = ev[ev["record_id"].isin(planted["record_id"])]
    assert len(mine) == len(planted) > 50
    assert (mine["points"] == 0).all() and mine["excluded"].notna().all()
    assert set(mine["excluded"]) <= {"victim", "domestic", "medical", "welfare"}
    # and the proof: deleting them changes no decoy's score (what they have comes from other records)
    without = Prepared(ev[~ev["record_id"].isin(planted["record_id"])].reset_index(drop=True), prep.spine,
                       prep.settings, prep.as_of, prep.coverage)
    a = compute_scores(prep, "parcel").scores.set_index("location_key")["score"]
    b = compute_scores(without, "parcel").scores.set_index("location_key")["score"]
    ids = decoys["parcel_id"]
    assert np.allclose(a.reindex(ids).fillna(0).to_numpy(), b.reindex(ids).fillna(0).to_numpy())
    # NFIRS EMS runs (311, 321) and assist-invalid (554) among them
    fire = mine[mine["department"] == "fire"]
    assert set(fire["type_code"]) <= {"311", "321", "554"} and len(fire) > 0


def test_as_of_is_the_demo_data_end(demo):
    r = ranked_list(demo.db, "parcel", 5)
    assert r["as_of"].startswith("2026-10-")  # the demo window ends 2026-10-31, whatever today's date


def test_escalating_planted_properties_are_flagged(demo, answer_key):
    props, _ = answer_key
    fl = pd.DataFrame(early_warning_list(demo.db, "parcel")["rows"])
    esc = set(props.loc[props["pattern"] == "escalating", "parcel_id"])
    flagged = set(fl.loc[fl["flag"] == "escalation", "location_key"])
    assert len(esc & flagged) >= 0.8 * len(esc)
    assert not flagged & set(props.loc[props["pattern"] == "protected_calls_only", "parcel_id"])
