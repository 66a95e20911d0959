"""GUIDE §6 on real Pittsburgh records: victim, domestic-violence, medical/EMS and welfare-check
calls never add points. Offence codes and NFIRS types are the ones published in the real files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicgrid.integration.events import prepare
from civicgrid.integration.rules import classify
from civicgrid.integration.scores import compute_scores, score_matrix
from civicgrid.settings.integration import IntegrationSettings

pytestmark = pytest.mark.realdata

# (text as published in OFFENSES / INCIDENTHIERARCHYDESC, expected reason)
PROTECTED = [
    ("9994 PFA Service", "domestic"),
    ("9993 PFA Service with Weapons Supplement", "domestic"),
    ("9012 Non-Violent Domestic", "domestic"),
    ("4304(a)(1) Endangering Welfare of Children.", "domestic"),
    ("2718(a)(1) Strangulation", "domestic"),
    ("9497 Aided Case", "medical"),
    ("9496 Dead on Arrival (DOA)", "medical"),
    ("9998 Overdose Other", "medical"),
    ("9498 302 (Mental)", "welfare"),
    ("9016 Check on Elderly Person", "welfare"),
    ("2701 Simple Assault.", "victim"),
    ("2709(a)(1) Harassment by Physical Contact", "victim"),
    ("3502 Burglary.", "victim"),
    ("3929 Retail Theft.", "victim"),
]
COUNTED = ["5505 Public Drunkenness", "5503(a)(1) DISORDERLY CONDUCT", "13(a)(16) Possession of Controlled Substance",
           "3503 Criminal Trespass", "627.02(b)(i) Possessing a small amount of marijuana"]


def _match(ev: pd.DataFrame, text: str) -> pd.Series:
    blob = ev["category"].fillna("") + " | " + ev["description"].fillna("")
    return ev["department"].eq("police") & blob.str.contains(text, regex=False, case=False)


@pytest.mark.parametrize("text,reason", PROTECTED)
def test_real_protected_offences_add_zero_points(pgh_prep, text, reason):
    ev = pgh_prep.ev
    hit = ev[_match(ev, text)]
    assert len(hit) > 0, f"{text!r} should occur in the real Pittsburgh police files"
    assert (hit["points"] == 0).all()
    assert hit["excluded"].notna().all()
    # the first rule that matches names the reason; a record may match several (e.g. assault + domestic)
    assert (hit["excluded"] == reason).mean() > 0.5, hit["excluded"].value_counts().to_dict()


def test_real_public_order_offences_are_counted(pgh_prep):
    ev = pgh_prep.ev
    for text in COUNTED:
        hit = ev[_match(ev, text) & ev["excluded"].isna()]
        assert len(hit) > 10 and (hit["points"] > 0).all(), text


def test_real_exclusion_counts_by_reason(pgh_prep):
    ex = pgh_prep.ev.groupby("excluded").size()
    # measured on the real files (see docs/integration.md); every reason occurs
    assert set(ex.index) == {"victim", "domestic", "medical", "welfare"}
    assert ex["domestic"] >= 1500 and ex["medical"] >= 1000 and ex["welfare"] >= 300 and ex["victim"] >= 10000
    assert (pgh_prep.ev.loc[pgh_prep.ev["excluded"].notna(), "points"] == 0).all()


def test_removing_every_excluded_record_changes_no_score(pgh, pgh_prep):
    """The proof: scores with and without the protected records are identical, at every level."""
    keep = pgh_prep.ev["excluded"].isna()
    from civicgrid.integration.events import Prepared

    without = Prepared(pgh_prep.ev[keep].reset_index(drop=True), pgh_prep.spine, pgh_prep.settings,
                       pgh_prep.as_of, pgh_prep.coverage)
    for level in ("parcel", "block"):
        a = compute_scores(pgh_prep, level).scores.set_index("location_key")["score"]
        b = compute_scores(without, level).scores.set_index("location_key")["score"]
        a, b = a[a > 0].sort_index(), b[b > 0].sort_index()
        assert a.index.equals(b.index)
        assert np.allclose(a.to_numpy(), b.to_numpy())


def test_exclusions_matter_when_switched_off(pgh):
    """Counter-check: with exclusions disabled the same records would add points."""
    con = pgh.con()
    try:
        off = prepare(con, IntegrationSettings(exclusions={"enabled": False}))
    finally:
        con.close()
    ev = off.ev
    assert (ev.loc[_match(ev, "9994 PFA Service"), "points"] > 0).all()
    # (a few assault records also list a warrant or an accident, which add nothing either way)
    assert (ev.loc[_match(ev, "2701 Simple Assault."), "points"] > 0).mean() > 0.9


def test_nfirs_ems_types_add_zero_points(pgh, pgh_prep):
    """Pittsburgh's fire file holds fires only (NFIRS 100s): no 300s are published, so none are
    scored; the same real rows recoded as EMS (321, 311) or assist-invalid (554) add nothing."""
    fire = pgh_prep.ev[pgh_prep.ev["source"] == "fire_incidents"]
    codes = fire["type_code"].dropna().astype(str)
    assert len(fire) > 8000 and codes.str.match(r"^1\d\d$").all()
    assert not codes.str.startswith("3").any()
    assert fire["excluded"].isna().all() and (fire.loc[codes.index, "points"] > 0).all()
    sample = fire.head(300).copy()
    for code, desc in (("321", "EMS call, excluding vehicle accident with injury"), ("311", "Medical assist, assist EMS crew"),
                       ("554", "Assist invalid")):
        recoded = classify(sample.assign(type_code=code, category=code, description=desc).drop(
            columns=["excluded", "exclusion_rule", "points", "label", "serious"]), pgh.cfg.integration)
        assert (recoded["points"] == 0).all() and (recoded["excluded"] == "medical").all()


def test_protected_calls_appear_in_no_per_location_table(pgh):
    con = pgh.con()
    try:
        ex = con.execute("SELECT reason, sum(n_events) FROM score_exclusions GROUP BY 1").fetchall()
        cols = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_name = 'score_exclusions'").fetchall()}
        comp = con.execute("SELECT count(*) FROM property_score_components WHERE points <= 0").fetchone()[0]
    finally:
        con.close()
    assert dict(ex).keys() == {"victim", "domestic", "medical", "welfare"}
    assert not cols & {"location_key", "parcel_id", "block_key", "address"}
    assert comp == 0  # components hold only records that add points


def test_score_matrix_agrees_with_scores(pgh_prep):
    from civicgrid.integration.events import days

    sc = compute_scores(pgh_prep, "block").scores.set_index("location_key")["score"]
    m = score_matrix(pgh_prep, "block", [days(pgh_prep.as_of)], include_undated=True).iloc[:, 0]
    common = sc.index[sc > 0]
    assert np.allclose(sc[common].to_numpy(), m.reindex(common).to_numpy(), atol=1e-3)
