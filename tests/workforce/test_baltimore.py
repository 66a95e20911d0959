"""Baltimore salary rosters FY2012-FY2016 (real files): spells, turnover, retention, privacy.

The yearly hires, separations, transfers and turnover per agency are recomputed here from the raw
CSV files with the standard library and pandas only — no civicgrid code — and compared with the
report, number by number.
"""

import csv
import json
import re
from collections import defaultdict
from datetime import date

from pathlib import Path

import duckdb
import pytest

BALTIMORE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "baltimore"

pytestmark = pytest.mark.realdata

# The Baltimore settings (examples/baltimore/workforce.yaml), restated by hand for the check:
EXCLUDED = {"Youth Summer", "Youth Temp Adult", "Youth Cust", "TANF Cust", "OED-Participants-Youth Summer"}
# labels the export cut off in one year only (found by reading the files), and one alias
CUT_OFF = {
    "COMP-Communication Ser": "COMP-Communication Services",
    "COMP-Comptroller's O": "COMP-Comptroller's Office",
    "Civil Rights & Wage Enfor": "Civil Rights & Wage Enforce",
    "Municipal & Zoning Appeal": "Municipal & Zoning Appeals",
    "R&P-Recreation (part-ti": "R&P-Recreation (part-time)",
    "TRANS-Cross Guard-S": "TRANS-Cross Guard-Summer",
    "Mayor's Office": "Mayors Office",
}


def agency(label: str) -> str:
    a = " ".join(label.split())
    while True:  # "(031)", "(MIL)", "(wkly)", a cut-off "(0" or "(" at the end
        m = re.fullmatch(r"(.*?)\s*\([A-Za-z0-9]{0,4}\)?", a)
        if not m:
            break
        a = m.group(1).strip()
    if a.startswith("HLTH-"):
        a = "HLTH-Health Department"
    a = re.sub(r"\s+0\d\d$", "", a)
    return CUT_OFF.get(a, a)


def hire_date(text: str, survey_year: int) -> str:
    if not text.strip():
        return "?"
    m, d, yy = (int(x) for x in text.split()[0].split("/"))
    year = survey_year // 100 * 100 + yy
    if year > survey_year:
        year -= 100
    return date(year, m, d).isoformat()


@pytest.fixture(scope="module")
def raw():
    """{year: {agency: set(person)}} and {year: set(person)} straight from the CSV files."""
    by_agency: dict = defaultdict(lambda: defaultdict(set))
    city: dict = defaultdict(set)
    hires_in_year: dict = defaultdict(set)
    for path in sorted(BALTIMORE.glob("Baltimore_City_Employee_Salaries_FY*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                y = int(row["SurveyYear"])
                a = agency(row["Agency"])
                if a in EXCLUDED:
                    continue
                hd = hire_date(row["HireDate"], y)
                person = (row["Name"], hd)
                by_agency[y][a].add(person)
                city[y].add(person)
                if hd != "?" and date(y - 1, 6, 30) < date.fromisoformat(hd) <= date(y, 6, 30):
                    hires_in_year[y].add(person)
    return by_agency, city, hires_in_year


def expected_rows(by_agency, city):
    years = sorted(city)
    out = {}
    for y0, y1 in zip(years, years[1:]):
        for a in set(by_agency[y0]) | set(by_agency[y1]):
            before, after = by_agency[y0].get(a, set()), by_agency[y1].get(a, set())
            left, joined = before - after, after - before
            out[(a, y1)] = {
                "headcount_start": len(before), "headcount_end": len(after),
                "hires": len(joined - city[y0]), "transfers_in": len(joined & city[y0]),
                "separations": len(left - city[y1]), "transfers_out": len(left & city[y1]),
            }
    return out


def test_build_loads_every_row(baltimore_db):
    con = duckdb.connect(str(baltimore_db), read_only=True)
    try:
        per_year = dict(con.execute("SELECT snapshot_year, count(*) FROM roster_records GROUP BY 1").fetchall())
        quarantined = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]
    finally:
        con.close()
    lines = {}
    for path in BALTIMORE.glob("Baltimore_City_Employee_Salaries_FY*.csv"):
        with open(path, newline="", encoding="utf-8") as fh:
            lines[int(path.stem[-4:])] = sum(1 for _ in csv.DictReader(fh))
    assert quarantined == 0
    assert per_year == lines


def test_two_digit_years_resolved(baltimore_db):
    con = duckdb.connect(str(baltimore_db), read_only=True)
    try:
        after = con.execute("SELECT count(*) FROM roster_records WHERE year(hire_date) > snapshot_year").fetchone()[0]
        rng = con.execute("SELECT min(hire_date), max(hire_date) FROM roster_records").fetchone()
        # "10/24/79" in the FY2012 roster is 1979, never 2079
        h = con.execute("SELECT DISTINCT hire_date FROM roster_records WHERE person_token = 'EMP-FDF435109B' "
                        "AND snapshot_year = 2012").fetchall()
    finally:
        con.close()
    assert after == 0
    assert rng[0] >= date(1940, 1, 1) and rng[1] <= date(2016, 7, 31)
    assert h == [(date(1979, 10, 24),)]


def test_turnover_matches_independent_recount(baltimore_report, raw):
    by_agency, city, _ = raw
    expected = expected_rows(by_agency, city)
    first = min(city)
    got = {(r["group_name"], r["year"]): r for r in baltimore_report["turnover"]["by_department"]
           if r["year"] != first}
    shown = {k: v for k, v in got.items() if not v["suppressed"]}
    # same agencies and years on both sides (suppressed rows included)
    assert set(got) == set(expected)
    assert len(shown) > 150
    for k, r in shown.items():
        e = expected[k]
        for f, v in e.items():
            assert r[f] == v, (k, f, r[f], v)
        avg = (e["headcount_start"] + e["headcount_end"]) / 2
        assert r["turnover"] == pytest.approx(e["separations"] / avg, abs=1e-6)
        assert r["headcount_end"] == (r["headcount_start"] + r["hires"] + r["transfers_in"]
                                      - r["separations"] - r["transfers_out"])


def test_city_totals_match_independent_recount(baltimore_report, raw):
    by_agency, city, hires_in_year = raw
    years = sorted(city)
    rows = {r["year"]: r for r in baltimore_report["turnover"]["city"]}
    assert sorted(rows) == years
    for y0, y1 in zip(years, years[1:]):
        r = rows[y1]
        assert r["headcount_start"] == len(city[y0]) and r["headcount_end"] == len(city[y1])
        assert r["hires"] == len(city[y1] - city[y0])
        assert r["separations"] == len(city[y0] - city[y1])
        assert r["transfers_in"] == r["transfers_out"] == 0
    for y in years:
        assert rows[y]["new_hires_by_hire_date"] == len(hires_in_year[y])
        if y != years[-1]:
            nxt = years[years.index(y) + 1]
            assert rows[y]["first_year_separations"] == len(hires_in_year[y] - city[nxt])
    # first snapshot: no earlier roster, so no hires/separations by presence
    assert rows[years[0]]["separations"] is None and rows[years[0]]["turnover"] is None


def test_transfers_are_not_separations(baltimore_report):
    """FY2013: the 911 operators moved from the Police Department to M-R Info Technology."""
    rows = {(r["group_name"], r["year"]): r for r in baltimore_report["turnover"]["by_department"]}
    police, it = rows[("Police Department", 2013)], rows[("M-R Info Technology", 2013)]
    assert police["transfers_out"] > 150 and it["transfers_in"] > 150
    # they stay on the city roster: the city-level row has no transfers, and separations there are
    # people absent from every agency
    assert police["separations"] + police["transfers_out"] == police["headcount_start"] + police["hires"] + \
        police["transfers_in"] - police["headcount_end"]


def test_agency_labels_normalized(baltimore_report):
    deps = {r["group_name"] for r in baltimore_report["turnover"]["by_department"]}
    assert not any(d != d.strip() or re.search(r"\(\d*$|\(\d+\)$", d) for d in deps)
    merged = baltimore_report["data_quality"]["department_labels_merged"]
    assert "COMP-Communication Ser" in merged["COMP-Communication Services"]
    assert "OED-Employment Dev (031)" in merged["OED-Employment Dev"]
    # a label that exists alongside a longer one in the same year is not merged into it
    assert "R&P-Recreation" in deps and "R&P-Recreation (part-time)" in deps


def test_small_groups_suppressed(baltimore_report):
    for r in baltimore_report["turnover"]["by_department"]:
        small = [r[c] for c in ("headcount_start", "headcount_end") if r[c] is not None and 0 < r[c] < 5]
        assert not small, r
        if r["suppressed"]:
            assert all(r[c] is None for c in ("headcount_end", "hires", "separations", "turnover")), r
    hidden = [r for r in baltimore_report["turnover"]["by_department"] if r["suppressed"]]
    assert hidden  # Baltimore has agencies of under five people
    # a year never has exactly one hidden agency (it could be recovered from the city total)
    per_year = defaultdict(int)
    for r in hidden:
        per_year[r["year"]] += 1
    assert 1 not in per_year.values()


def test_retention_curves(baltimore_report):
    ret = baltimore_report["retention"]
    assert ret["status"] == "ok" and ret["subjects"]["separations"] > 1000
    curves = defaultdict(list)
    for p in ret["curves"]:
        if p["suppressed"]:  # a group under five people: a label, no numbers
            assert all(p[c] is None for c in ("survival", "at_risk", "people", "separations")), p
            continue
        curves[(p["group_by"], p["group_name"])].append(p)
    assert ("all", "All employees") in curves and ("department", "Police Department") in curves
    for pts in curves.values():
        s = [p["survival"] for p in sorted(pts, key=lambda p: p["t_years"])]
        assert all(0 <= x <= 1 for x in s) and s == sorted(s, reverse=True)
        assert all(p["at_risk"] >= 5 for p in pts)
        assert all(p["ci_lower"] <= p["survival"] <= p["ci_upper"] for p in pts)
    lr = ret["groupings"]["department"]["logrank"]
    assert lr["degrees_of_freedom"] == lr["groups_compared"] - 1 and 0 <= lr["p_value"] <= 1
    med = {g["group"]: g["median_tenure_years"] for g in ret["groupings"]["department"]["groups"]}
    assert 0 < med["Police Department"] < 30


def test_warehouse_tables_and_no_tokens(baltimore_db, baltimore_report):
    text = json.dumps(baltimore_report)
    assert "EMP-" not in text
    assert set(baltimore_report["tables_written"]) == {"workforce_turnover", "workforce_retention",
                                                        "workforce_representation"}
    con = duckdb.connect(str(baltimore_db), read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM workforce_turnover WHERE level = 'department'").fetchone()[0]
        leak = con.execute("SELECT count(*) FROM workforce_turnover WHERE group_name LIKE 'EMP-%'").fetchone()[0]
        small = con.execute("SELECT count(*) FROM workforce_turnover WHERE headcount_end BETWEEN 1 AND 4 "
                            "OR headcount_start BETWEEN 1 AND 4").fetchone()[0]
        ret = con.execute("SELECT count(*) FROM workforce_retention WHERE at_risk < 5").fetchone()[0]
    finally:
        con.close()
    assert n == len(baltimore_report["turnover"]["by_department"])
    assert leak == 0 and small == 0 and ret == 0


def test_fire_department_years(baltimore_report):
    rows = [r for r in baltimore_report["turnover"]["by_department"] if r["group_name"] == "Fire Department"]
    assert [r["year"] for r in rows] == [2012, 2013, 2014, 2015, 2016]
    assert all(0 < r["turnover"] < 0.2 for r in rows[1:])
