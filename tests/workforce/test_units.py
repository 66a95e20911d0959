"""Edge cases on small synthetic frames: transfers, censoring, four-fifths, suppression, hiring."""

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

from civicgrid.workforce import PrivacyError, WorkforceSettings, load_settings, workforce_report
from civicgrid.workforce.hiring import time_to_fill, vacancy_rate
from civicgrid.workforce.load import ROSTER_COLUMNS
from civicgrid.workforce.privacy import assert_no_personal_data, complementary, suppress
from civicgrid.workforce.representation import four_fifths, resident_hire_rate
from civicgrid.workforce.retention import kaplan_meier, logrank_test_entry, retention_input
from civicgrid.workforce.settings import DepartmentRule
from civicgrid.workforce.spells import department_map, flows, normalize_label, prepare_roster
from civicgrid.workforce.turnover import turnover_raw, turnover_table

S = WorkforceSettings()


def roster(rows):
    """rows: (year, token, department, hire date) → a frame shaped like load_roster()."""
    df = pd.DataFrame(rows, columns=["snapshot_year", "person_token", "department", "hire_date"])
    for c in ROSTER_COLUMNS:
        if c not in df:
            df[c] = None
    df["snapshot_year"] = df["snapshot_year"].astype("Int64")
    df["snapshot_date"] = pd.to_datetime(df["snapshot_year"].astype(str) + "-06-30")
    df["hire_date"] = pd.to_datetime(df["hire_date"])
    df["job_title"] = "CLERK"
    df["annual_salary"] = 1.0
    return df[ROSTER_COLUMNS]


def flow_of(df, group_col="department"):
    fl = flows(df, group_col)
    return sorted(zip(fl["year"], fl["group"], fl["flow"]))


def test_transfer_is_not_a_separation():
    df, _ = prepare_roster(roster([
        (2012, "A", "Fire", "2000-01-01"), (2013, "A", "Police", "2000-01-01"),   # moves
        (2012, "B", "Fire", "2001-01-01"),                                          # leaves
        (2013, "C", "Fire", "2013-01-01"),                                          # hired
    ]), S)
    assert flow_of(df) == [(2013, "Fire", "hire"), (2013, "Fire", "separation"),
                           (2013, "Fire", "transfer_out"), (2013, "Police", "transfer_in")]
    assert flow_of(df, None) == [(2013, "All departments", "hire"), (2013, "All departments", "separation")]


def test_second_job_ending_is_not_a_separation():
    df, _ = prepare_roster(roster([
        (2012, "A", "Fire", "2000-01-01"), (2012, "A", "Library", "2000-01-01"),
        (2013, "A", "Fire", "2000-01-01"),
    ]), S)
    assert flow_of(df) == [(2013, "Library", "transfer_out")]


def test_same_token_different_hire_dates_are_two_people():
    """Tokens come from names: two people with one name share a token, their hire dates differ."""
    df, _ = prepare_roster(roster([
        (2012, "A", "Fire", "1990-01-01"), (2012, "A", "Fire", "2005-01-01"),
        (2013, "A", "Fire", "2005-01-01"),
    ]), S)
    raw = turnover_raw(df, "department")
    r = raw[raw["year"] == 2013].iloc[0]
    assert (r["headcount_start"], r["headcount_end"], r["separations"], r["hires"]) == (2, 1, 1, 0)


def test_employee_id_wins_over_token():
    df = roster([(2012, "A", "Fire", "2000-01-01"), (2013, "A-renamed", "Fire", "2000-01-01")])
    df["employee_id"] = "E1"
    prepared, _ = prepare_roster(df, S)
    assert flow_of(prepared) == []


def test_turnover_arithmetic_and_first_year():
    rows = [(2012, f"p{i}", "Fire", "2000-01-01") for i in range(10)]
    rows += [(2013, f"p{i}", "Fire", "2000-01-01") for i in range(8)]          # 2 leave
    rows += [(2013, f"n{i}", "Fire", "2013-03-01") for i in range(6)]          # 6 new hires
    rows += [(2014, f"p{i}", "Fire", "2000-01-01") for i in range(8)]
    rows += [(2014, f"n{i}", "Fire", "2013-03-01") for i in range(3)]          # 3 of them stay
    df, _ = prepare_roster(roster(rows), S)
    t = turnover_table(df, "department", S).set_index("year")
    assert t.loc[2013, "separations"] == 2 and t.loc[2013, "hires"] == 6
    assert t.loc[2013, "turnover"] == pytest.approx(2 / ((10 + 14) / 2))
    assert t.loc[2013, "new_hires_by_hire_date"] == 6
    assert t.loc[2013, "first_year_turnover"] == pytest.approx(3 / 6)
    assert pd.isna(t.loc[2014, "first_year_separations"])  # no later roster
    assert pd.isna(t.loc[2012, "turnover"]) and not t.loc[2012, "suppressed"]


def test_department_rule():
    rule = DepartmentRule()
    assert normalize_label("OED-Employment Dev ", rule) == "OED-Employment Dev"
    assert normalize_label("OED-Employment Dev (031)", rule) == "OED-Employment Dev"
    assert normalize_label("Civil Rights & Wage Enforce (0", rule) == "Civil Rights & Wage Enforce"
    assert normalize_label("R&P-Recreation (part-time) (", rule) == "R&P-Recreation (part-time)"
    labels = pd.DataFrame({
        "department": ["COMP-Communication Services", "COMP-Communication Ser", "R&P-Recreation",
                       "R&P-Recreation", "R&P-Recreation (part-time)", "R&P-Recreation (part-ti"],
        "snapshot_year": [2013, 2014, 2013, 2014, 2013, 2014]})
    m = department_map(labels, rule)
    assert m["COMP-Communication Ser"] == "COMP-Communication Services"     # cut off in one year only
    assert m["R&P-Recreation (part-ti"] == "R&P-Recreation (part-time)"
    assert m["R&P-Recreation"] == "R&P-Recreation"                          # exists alongside: kept
    assert department_map(labels, DepartmentRule(merge_truncated=False))["COMP-Communication Ser"] == \
        "COMP-Communication Ser"


def test_censoring_and_left_truncation():
    df, _ = prepare_roster(roster([
        (2012, "stay", "Fire", "2010-06-30"), (2013, "stay", "Fire", "2010-06-30"),
        (2012, "left", "Fire", "2011-06-30"),
        (2013, "late", "Fire", "2013-06-30"),                 # only on the last roster: no information
    ]), S)
    subj, notes = retention_input(df, ["department"])
    assert notes["spells_only_on_last_roster"] == 1
    s = subj.set_index(subj["hire_date"].dt.year)
    assert not s.loc[2010, "event"] and s.loc[2010, "duration"] == pytest.approx(3.0, abs=0.01)   # censored
    assert s.loc[2010, "entry"] == pytest.approx(2.0, abs=0.01)                                   # truncated
    assert s.loc[2011, "event"] and s.loc[2011, "duration"] == pytest.approx(1.5, abs=0.01)       # midpoint


def test_kaplan_meier_matches_lifelines_and_hides_small_risk_sets():
    rng = np.random.default_rng(1)
    n = 200
    sub = pd.DataFrame({"entry": np.zeros(n), "duration": rng.exponential(5, n).round(2) + 0.01,
                        "event": rng.random(n) < 0.7})
    pts, med, _ = kaplan_meier(sub, [1, 2, 5, 50], 5)
    ref = KaplanMeierFitter().fit(sub["duration"], sub["event"])
    for p in pts.itertuples():
        assert p.survival == pytest.approx(ref.predict(p.t_years))
    assert 50 not in set(pts["t_years"])          # nobody (or < 5) at risk at 50 years
    assert med == pytest.approx(ref.median_survival_time_)


def test_logrank_with_entry_zero_equals_lifelines():
    rng = np.random.default_rng(2)
    d = pd.DataFrame({"g": rng.choice(["a", "b", "c"], 300), "t": rng.exponential(4, 300).round(1) + 0.1,
                      "e": rng.random(300) < 0.8})
    d.loc[d["g"] == "b", "t"] *= 1.5
    ours = logrank_test_entry(np.zeros(len(d)), d["t"], d["e"], d["g"])
    ref = multivariate_logrank_test(d["t"], d["g"], d["e"])
    assert ours["test_statistic"] == pytest.approx(ref.test_statistic, rel=1e-9)
    assert ours["p_value"] == pytest.approx(ref.p_value, rel=1e-6)


def test_four_fifths_rule():
    app = pd.DataFrame({"race": ["A"] * 100 + ["B"] * 100 + ["C"] * 3,
                        "hired": [True] * 50 + [False] * 50 + [True] * 30 + [False] * 70 + [True] * 3})
    t, summ = four_fifths(app, "race", S)
    t = t.set_index("group")
    assert t.loc["A", "selection_rate"] == 0.5 and t.loc["B", "impact_ratio"] == pytest.approx(0.6)
    assert bool(t.loc["B", "adverse_impact"]) and not bool(t.loc["A", "adverse_impact"])
    # C (3 applicants, 100 % hired) is suppressed and not the reference group
    assert t.loc["C", "suppressed"] and t.loc["C", "selection_rate"] is None
    assert summ["reference_rate"] == 0.5 and summ["groups_with_adverse_impact"] == ["B"]


def test_suppression_and_complementary():
    t = pd.DataFrame({"a": ["All", "x", "y", "z"], "b": ["All"] * 4, "people": [30, 3, 15, 12]})
    s = suppress(t, ["people"], ["people"], 5)
    assert s["suppressed"].tolist() == [False, True, False, False]
    c = complementary(s, "people", ["a", "b"], "All", [])
    assert c["suppressed"].tolist() == [False, True, False, True]   # 12 hidden too: 30-15-12 = 3
    assert c["people"].tolist()[:3] == [30, None, 15]
    zero = suppress(pd.DataFrame({"people": [0, 4, 5]}), ["people"], ["people"], 5)
    assert zero["people"].tolist() == [0, None, 5]


def test_privacy_guard():
    with pytest.raises(PrivacyError):
        assert_no_personal_data({"rows": [{"group": "EMP-1"}]}, {"EMP-1"})
    with pytest.raises(PrivacyError):
        assert_no_personal_data({"person_token": "x"}, set())
    assert_no_personal_data({"rows": [{"group": "Fire"}]}, {"EMP-1"})


def test_hiring_metrics():
    p = pd.DataFrame({"record_id": [str(i) for i in range(8)], "job_title": ["Clerk"] * 6 + ["Chief"] * 2,
                      "job_code": None, "opened_at": pd.to_datetime(["2020-01-01"] * 8),
                      "filled_at": pd.to_datetime(["2020-01-11", "2020-01-21", "2020-01-31", "2020-02-10",
                                                   "2020-02-20", "2019-12-01", "2020-03-01", "2020-04-01"])})
    t, summ = time_to_fill(p, S)
    t = t.set_index("job_class")
    assert summ["negative_durations_dropped"] == 1
    assert t.loc["CLERK", "median"] == 30 and t.loc["CLERK", "postings"] == 5
    assert t.loc["CHIEF", "suppressed"] and t.loc["CHIEF", "median"] is None
    assert t.loc["All job classes", "postings"] == 7
    df, _ = prepare_roster(roster([(2020, f"p{i}", "Fire", "2000-01-01") for i in range(8)]), S)
    v, _ = vacancy_rate(df, {"Fire": 10}, S)
    assert v.iloc[0]["vacancy_rate"] == pytest.approx(0.2)


def test_resident_hire_rate_is_a_voluntary_goal():
    hires = pd.DataFrame({"home_zip": ["53402", "53403-1234", "53402", "60601", "53405", "53177", None]})
    out = resident_hire_rate(hires, ["53402", "53403", "53404", "53405", "53406"], S)
    assert out["hires_with_zip"] == 6 and out["status"] == "ok"
    assert "voluntary goal" in out["note"] and "66.0502" in out["note"]
    # 2 non-residents: a group under five, so the split is suppressed
    assert out["rate"] is None and out["suppressed"]


def test_report_end_to_end_on_a_synthetic_warehouse(tmp_path):
    """Every section on a tiny warehouse that has rosters, postings and applicants."""
    from civicgrid.ingest.schema import ensure_schema

    con = duckdb.connect(":memory:")
    ensure_schema(con)
    rows = []
    for y in (2019, 2020):
        for i in range(40):
            if y == 2020 and i >= 34:
                continue
            rows.append(("s", "hr", "employee_roster", f"r{y}{i}", None, f"TOK-{i}", y, f"{y}-12-31",
                         "Clerk" if i % 2 else "Driver", "Public Works" if i < 20 else "Library",
                         "2015-01-01", "M" if i % 3 else "F", "WHITE" if i % 4 else "BLACK"))
    for r in rows:
        con.execute("""INSERT INTO roster_records (source, kind, record_id, employee_id, person_token,
                       snapshot_year, snapshot_date, job_title, department, hire_date, sex, race)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", [r[0], r[2], *r[3:]])
    for i in range(6):
        con.execute("INSERT INTO job_postings (source, record_id, job_title, opened_at, filled_at) VALUES "
                    "('p', ?, 'Driver', DATE '2020-01-01', DATE '2020-01-01' + ?::INTEGER)", [f"P{i}", 20 + i])
    for i in range(60):
        con.execute("INSERT INTO job_applicants (source, record_id, posting_id, person_token, applied_at, hired, "
                    "offer_accepted_at, sex) VALUES ('a', ?, ?, ?, DATE '2020-01-05', ?, ?, ?)",
                    [f"A{i}", f"P{i % 6}", f"APP-{i}", i < 6, "2020-01-25" if i < 6 else None,
                     "F" if i % 2 else "M"])
    settings = load_settings({"min_group": 5, "retention": {"group_by": ["department"]},
                              "representation": {"race_groups": {"WHITE": "White", "BLACK": "Black"}}})
    rep = workforce_report(con, settings, write_tables=True)
    text = json.dumps(rep)
    assert "TOK-" not in text and "APP-" not in text
    assert rep["turnover"]["city"][1]["separations"] == 6
    assert rep["hiring"]["time_to_fill"]["status"] == "ok"
    assert rep["hiring"]["time_to_hire"]["by_job_class"][0]["median"] == 20
    assert rep["representation"]["four_fifths"]["sex"]["status"] == "ok"
    assert rep["hard_to_fill"]["signals_used"][:1] == ["median_days_to_fill"]
    assert rep["retention"]["status"] == "ok"
    assert con.execute("SELECT count(*) FROM workforce_turnover").fetchone()[0] > 0
    con.close()
