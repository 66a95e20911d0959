"""Cincinnati roster (Dec 2020) + ACS C23002 labour force (real files): representation, privacy.

Cell counts and benchmark shares are recomputed here from the raw CSV files with the standard
library only, and compared with the report.
"""

import csv
import json
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.realdata

CINCINNATI = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "cincinnati"
EEO = {"1": "Officials/Administrators", "2": "Professionals", "3": "Technicians", "4": "Protective Service",
       "5": "Paraprofessionals", "6": "Administrative Support", "7": "Skilled Craft", "8": "Service-Maintenance"}
RACE = {"WHITE": "White (not Hispanic)", "BLACK": "Black", "HISPANIC": "Hispanic or Latino",
        "ASIAN/PACIFIC ISLANDER": "Asian or Pacific Islander", "CHINESE": "Asian or Pacific Islander",
        "AMERICAN INDIAN/ALASKAN NATIVE": "American Indian or Alaska Native"}
ACS = {"H": "White (not Hispanic)", "B": "Black", "I": "Hispanic or Latino", "D": "Asian or Pacific Islander",
       "E": "Asian or Pacific Islander", "C": "American Indian or Alaska Native"}  # G has no roster code
SEX = {"M": "male", "F": "female"}


@pytest.fixture(scope="module")
def staff():
    with open(CINCINNATI / "cincinnati_employees.csv", newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def table(cincinnati_report):
    return cincinnati_report["representation"]["table"]


def test_build(cincinnati_db, staff):
    con = duckdb.connect(str(cincinnati_db), read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM roster_records").fetchone()[0]
        ref = con.execute("SELECT count(*) FROM reference_rows").fetchone()[0]
        q = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]
        eeo = {r[0] for r in con.execute("SELECT DISTINCT eeo4_category FROM roster_records").fetchall()}
    finally:
        con.close()
    assert (n, ref, q) == (len(staff), 77, 0)
    assert eeo == set(EEO.values()) | {None}


def test_representation_counts_match_raw_file(table, staff):
    cells = Counter()
    for r in staff:
        race, sex = RACE.get(r["RACE"]), SEX.get(r["SEX"])
        if race is None or sex is None:
            continue
        cat = EEO.get(r["EEO_JOB_GROUP"], "(not recorded)")
        for c in ("All", cat):
            for rg in ("All", race):
                for sx in ("All", sex):
                    cells[(c, rg, sx)] += 1
    shown = [t for t in table if not t["suppressed"]]
    assert len(shown) > 100
    for t in shown:
        assert t["people"] == cells[(t["eeo4_category"], t["race_group"], t["sex"])], t
        total = cells[(t["eeo4_category"], "All", "All")]
        assert t["workforce_share"] == pytest.approx(t["people"] / total, abs=1e-6)
        if t["benchmark_share"]:
            assert t["representation_index"] == pytest.approx(t["workforce_share"] / t["benchmark_share"], rel=1e-4)


def test_benchmark_shares_match_acs_file(cincinnati_report, table):
    pop = defaultdict(float)
    with open(CINCINNATI / "cincy_census_data_acs_c23002.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["in_labor_force"] == "yes" and r["race_code"] in ACS:
                pop[(ACS[r["race_code"]], r["gender"])] += float(r["population"])
    total = sum(pop.values())
    groups = cincinnati_report["representation"]["benchmark"]["groups"]
    bench = {(g["race_group"], g["sex"]): g["share"] for g in groups}
    assert sum(bench.values()) == pytest.approx(1.0, abs=1e-4)
    for k, v in pop.items():
        assert bench[k] == pytest.approx(v / total, abs=1e-6)
    black_f = next(t for t in table if (t["eeo4_category"], t["race_group"], t["sex"]) == ("All", "Black", "female"))
    assert black_f["benchmark_share"] == pytest.approx(pop[("Black", "female")] / total, abs=1e-6)
    assert cincinnati_report["representation"]["benchmark_groups_not_recordable_in_roster"] == ["Two or more races"]


def test_no_group_under_five_has_a_number(table, cincinnati_db):
    hidden = [t for t in table if t["suppressed"]]
    assert hidden, "the Cincinnati table has small cells; some must be suppressed"
    for t in table:
        if t["people"] is not None:
            assert t["people"] == 0 or t["people"] >= 5, t
        if t["suppressed"]:
            assert t["people"] is None and t["workforce_share"] is None and t["representation_index"] is None
    # complementary suppression: no total has exactly one hidden part
    dims = ("eeo4_category", "race_group", "sex")
    for d in dims:
        sets = defaultdict(list)
        for t in table:
            sets[tuple(t[x] for x in dims if x != d)].append(t["suppressed"])
        assert all(sum(v) != 1 for v in sets.values()), d
    con = duckdb.connect(str(cincinnati_db), read_only=True)
    try:
        small = con.execute("SELECT count(*) FROM workforce_representation WHERE people BETWEEN 1 AND 4").fetchone()[0]
        rows = con.execute("SELECT count(*) FROM workforce_representation").fetchone()[0]
    finally:
        con.close()
    assert small == 0 and rows == len(table)


def test_retention_not_estimable_from_one_roster(cincinnati_report):
    ret = cincinnati_report["retention"]
    assert ret["status"] == "not_estimable" and "single snapshot" in ret["reason"]
    assert ret["curves"] == []
    ten = ret["current_staff_tenure"]["groupings"]
    assert set(ten) == {"all", "paygroup", "eeo4_category", "sex"}
    for rows in ten.values():
        for r in rows:
            assert r["suppressed"] == (r["people"] is None)
            if not r["suppressed"]:
                assert r["people"] >= 5 and r["p25"] <= r["median"] <= r["p75"]
    assert any(r["suppressed"] for r in ten["paygroup"]) is False  # CCL has 13 people


def test_single_roster_turnover_and_new_hires(cincinnati_report, staff):
    city = cincinnati_report["turnover"]["city"]
    assert len(city) == 1 and city[0]["separations"] is None and city[0]["turnover"] is None
    snap = date(2020, 12, 1)
    hired = sum(1 for r in staff
                if date(2019, 12, 1) < datetime.strptime(r["HIRE_DATE"].split()[0], "%m/%d/%Y").date() <= snap)
    assert city[0]["new_hires_by_hire_date"] == hired
    assert cincinnati_report["turnover"]["status"] == "partial"


def test_no_tokens_and_hometown_note(cincinnati_report):
    text = json.dumps(cincinnati_report)
    assert "EMP-" not in text
    rr = cincinnati_report["representation"]["resident_hire_rate"]
    assert rr["status"] == "not_available" and "66.0502" in rr["note"]
    assert cincinnati_report["hiring"]["time_to_fill"]["status"] == "not_available"
    for sec in ("turnover", "retention", "representation"):
        assert cincinnati_report[sec]["definition"] and cincinnati_report[sec]["source"]


def test_after_ingest_hook_writes_tables_in_the_build(tmp_path):
    """build_warehouse(after_ingest=...) leaves the workforce tables in the swapped-in file."""
    from civicgrid.config import load_config
    from civicgrid.warehouse import build_warehouse
    from civicgrid.workforce import after_ingest_hook

    if not (CINCINNATI / "cincinnati_employees.csv").exists():
        pytest.skip(f"real data not available: {CINCINNATI} is absent")
    repo = Path(__file__).resolve().parents[2]
    cfg = load_config(repo / "examples" / "cincinnati" / "city.yaml", CINCINNATI)
    db = tmp_path / "c.duckdb"
    assert build_warehouse(cfg, db, after_ingest=after_ingest_hook).status == "ok"
    con = duckdb.connect(str(db), read_only=True)
    try:
        n = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
             for t in ("workforce_turnover", "workforce_retention", "workforce_representation")}
    finally:
        con.close()
    assert n["workforce_representation"] == 180 and n["workforce_turnover"] > 0
