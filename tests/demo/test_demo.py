"""Tests of the synthetic demo city generator (civicgrid.demo)."""

from __future__ import annotations

import csv
import difflib
import gzip
import hashlib
import io
import json
import re
import time
from pathlib import Path

import pandas as pd
import pytest

from civicgrid.config import load_config
from civicgrid.demo import MARKER, generate_demo_city

KINDS = {"parcel", "work_order", "code_case", "police_call", "fire_incident", "interaction",
         "employee_roster", "job_posting", "job_applicant"}
PROTECTED = {"domestic", "welfare_check", "medical", "victim_crime"}


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_demo_city(tmp_path_factory.mktemp("demo_a"), seed=1, scale=0.1)


def _fire(folder: Path) -> pd.DataFrame:
    with gzip.open(folder / "fire_incidents.jsonl.gz", "rt", encoding="utf-8") as fh:
        return pd.DataFrame([json.loads(line) for line in fh])


def _cases(folder: Path) -> pd.DataFrame:
    return pd.read_excel(folder / "code_cases.xlsx", sheet_name="Cases", dtype=str, engine="openpyxl")


def _csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False, on_bad_lines="skip")


def test_same_seed_gives_identical_bytes(small: Path, tmp_path: Path) -> None:
    again = generate_demo_city(tmp_path / "b", seed=1, scale=0.1)
    first, second = _digests(small), _digests(again)
    assert first.keys() == second.keys()
    assert len(first) >= 16
    assert first == second


def test_other_seed_differs(small: Path, tmp_path: Path) -> None:
    other = _digests(generate_demo_city(tmp_path / "c", seed=2, scale=0.1))
    assert other["parcels.csv"] != _digests(small)["parcels.csv"]


def test_scale_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale"):
        generate_demo_city(tmp_path, scale=0)


def test_config_validates_and_maps_every_file(small: Path) -> None:
    cfg = load_config(small / "city.yaml")
    assert cfg.city.name == "Racine, WI (synthetic demo)"
    assert (cfg.city.timezone, cfg.city.state, cfg.city.population, cfg.city.synthetic) == ("America/Chicago", "WI", 77000, True)
    assert {s.kind for s in cfg.sources} == KINDS
    roster = next(s for s in cfg.sources if s.kind == "employee_roster")
    assert roster.path == "hr_roster_*.csv"
    assert [p.name for p in cfg.files_for(roster)] == [f"hr_roster_{y}.csv" for y in range(2021, 2026)]
    covered = set()
    for src in cfg.sources:
        assert src.record_id, src.name
        files = cfg.files_for(src)
        assert files and all(f.exists() for f in files), src.name
        for f in files:
            covered.add(f.name)
            if f.suffix == ".xlsx":
                header = list(_cases(small).columns)
            elif f.name.endswith(".jsonl.gz"):
                header = list(_fire(small).columns)
            else:
                header = next(csv.reader(io.StringIO(f.read_text(encoding="utf-8").split("\n", 1)[0])))
            missing = src.mapped_columns() - set(header)
            assert not missing, f"{src.name}: columns {missing} not in {f.name}"
    # workforce.yaml and its benchmark are analytics settings, not exports
    data_files = {p.name for p in small.iterdir() if p.is_file()} - {
        "README.txt", "city.yaml", "workforce.yaml", "labor_force_benchmark.csv"}
    assert data_files == covered


def test_cad_category_map_marks_protected_calls(small: Path) -> None:
    cfg = load_config(small / "city.yaml")
    cad = next(s for s in cfg.sources if s.kind == "police_call")
    for code in ("DOMDIST", "WELFARE", "MEDICAL"):
        assert cad.category_map[code] in PROTECTED
    for code in ("NOISE", "DRUGS", "SHOTS"):
        assert cad.category_map[code] not in PROTECTED


def test_labelled_synthetic(small: Path) -> None:
    assert MARKER == "SYNTHETIC DEMO DATA — not real records"
    assert (small / "README.txt").read_text(encoding="utf-8").startswith(MARKER)
    assert MARKER in (small / "city.yaml").read_text(encoding="utf-8")
    from openpyxl import load_workbook

    assert load_workbook(small / "code_cases.xlsx", read_only=True).properties.title == MARKER


def _norm(text: str) -> list[str]:
    return re.sub(r"[^A-Z0-9 ]", " ", str(text).upper()).split()


def _matches(address: str, house: int, core: str) -> bool:
    """Crude, generator-independent match of a published location to a planted address."""
    tok = _norm(address)
    if not tok or not tok[0].isdigit():
        return False
    block = "BLOCK" in tok or "BLK" in tok
    if int(tok[0]) != (house // 100 * 100 if block else house):
        return False
    digits = re.match(r"\d+", core)
    for t in tok[1:5]:
        if digits and re.match(r"\d+", t) and re.match(r"\d+", t).group() == digits.group():
            return True
        if not digits and difflib.SequenceMatcher(None, t, core).ratio() >= 0.75:
            return True
    return False


def test_planted_properties_show_up_in_three_departments(small: Path) -> None:
    props = _csv(small, "answer_key/planted_properties.csv")
    assert len(props) == 50 and set(props["pattern"]) == {"escalating", "steady", "protected_calls_only"}
    fire = _fire(small)
    fire_addr = (fire["NUM_MILE"].fillna("") + " " + fire["STREETNAME"].fillna("") + " " + fire["STREETTYPE"].fillna("")).tolist()
    cases = _cases(small).fillna("")
    sources = {
        "work_orders": _csv(small, "work_orders.csv")["ADDRESS"].tolist(),
        "code_cases": cases["ADDRESS"].tolist(),
        "police": _csv(small, "cad_calls.csv")["LOCATION"].tolist(),
        "fire": fire_addr,
        "crm": _csv(small, "crm_interactions.csv")["Address"].tolist(),
    }
    problems = props[props["pattern"] != "protected_calls_only"]
    for row in problems.itertuples():
        house, core = int(row.address.split()[0]), row.address.split()[1]
        depts = {d for d, addrs in sources.items() if any(_matches(a, house, core) for a in addrs)}
        if row.parcel_id in set(cases["PARCEL_ID"].str.replace("-", "")):
            depts.add("code_cases")
        assert len(depts) >= 3, (row.address, depts)


def test_planted_records_exist_cluster_recently_and_escalate(small: Path) -> None:
    recs = _csv(small, "answer_key/planted_records.csv")
    ids = {
        "work_orders": set(_csv(small, "work_orders.csv")["WORKORDERID"]),
        "code_cases": set(_cases(small)["CASE_NUMBER"]),
        "police": set(_csv(small, "cad_calls.csv")["CALL_NO"]),
        "fire": set(_fire(small)["INC_NO"]),
        "crm": set(_csv(small, "crm_interactions.csv")["Interaction ID"]),
    }
    for dept, group in recs.groupby("dept"):
        assert set(group["record_id"]) <= ids[dept], dept
    t = pd.to_datetime(recs["local_time"])
    assert t.min() >= pd.Timestamp("2026-05-01") and t.max() < pd.Timestamp("2026-11-01")
    esc = recs[recs["pattern"] == "escalating"].assign(t=t)
    first_crm = esc[esc["dept"] == "crm"].groupby("parcel_id")["t"].min()
    last_police = esc[esc["dept"] == "police"].groupby("parcel_id")["t"].max()
    assert (last_police > first_crm.reindex(last_police.index)).mean() > 0.9
    cad = _csv(small, "cad_calls.csv").set_index("CALL_NO")
    cmap = next(s for s in load_config(small / "city.yaml").sources if s.kind == "police_call").category_map
    decoy_calls = recs[(recs["pattern"] == "protected_calls_only") & (recs["dept"] == "police")]["record_id"]
    assert len(decoy_calls) > 0
    assert {cmap[c] for c in cad.loc[decoy_calls, "CALL_TYPE"]} <= PROTECTED


def test_messy_like_real_exports(small: Path) -> None:
    rows = list(csv.reader(io.StringIO((small / "work_orders.csv").read_text(encoding="utf-8"))))
    assert any(0 < len(r) < len(rows[0]) for r in rows[1:]), "a short row for the quarantine"
    wo = _csv(small, "work_orders.csv")
    assert wo["ADDRESS"].str.contains(r" (?:APT|#|UNIT) ?\w", case=False).any()
    assert wo["ADDRESS"].str.contains(" & | AND |/").any()
    assert (wo["INITIATEDATE"] == "00/00/0000 12:00:00 AM").any()
    cad = _csv(small, "cad_calls.csv")
    assert cad["LOCATION"].str.contains(" BLOCK OF ").any() and cad["LOCATION"].str.contains(" / ").any()
    assert pd.to_datetime(cad["RECEIVED"], format="%Y-%m-%d %H:%M:%S", errors="coerce").isna().sum() >= 1
    fire = _fire(small)
    assert fire["LATITUDE"].isna().any()
    cases = _cases(small)
    assert 0.6 < cases["PARCEL_ID"].notna().mean() < 0.8
    assert cases["INSPECTOR"].nunique() == 5


def test_hr_snapshots_are_consistent(small: Path) -> None:
    years = range(2021, 2026)
    rosters = {y: _csv(small, f"hr_roster_{y}.csv") for y in years}
    present = {y: set(r["EMPLOYEE_ID"]) for y, r in rosters.items()}
    for emp in set().union(*present.values()):
        seen = [y for y in years if emp in present[y]]
        assert seen == list(range(seen[0], seen[-1] + 1)), emp  # no gaps
    apps = _csv(small, "job_applicants.csv")
    hired = apps[apps["HIRED"] == "Y"].set_index("APPLICANT_TOKEN")
    for y in list(years)[1:]:
        new = rosters[y][~rosters[y]["EMPLOYEE_ID"].isin(present[y - 1])]
        fmt = "%Y-%m-%d" if y == 2025 else "%m/%d/%Y"
        assert (pd.to_datetime(new["HIRE_DATE"], format=fmt).dt.year == y).all()
        assert new["PERSON_TOKEN"].isin(hired.index).all()
        h = hired.loc[new["PERSON_TOKEN"]]
        assert (h["SEX"].to_numpy() == new["SEX"].to_numpy()).all()
    eeo = set(rosters[2023]["EEO4_CATEGORY"])
    assert eeo <= {"Officials/Administrators", "Professionals", "Technicians", "Protective Service",
                   "Paraprofessionals", "Administrative Support", "Skilled Craft", "Service-Maintenance"}
    assert set(rosters[2021]["EEO4_CATEGORY"]) <= {str(i) for i in range(1, 9)}
    assert (~rosters[2023]["HOME_ZIP"].isin(["", "53402", "53403", "53404", "53405", "53406"])).any()
    posts = _csv(small, "job_postings.csv")
    assert set(apps["REQ_ID"]) <= set(posts["REQ_ID"])


def test_full_size_generation_time(tmp_path: Path) -> None:
    """Default scale: report the time (not asserted) and check the sizes."""
    t0 = time.perf_counter()
    out = generate_demo_city(tmp_path / "full")
    elapsed = time.perf_counter() - t0
    print(f"\ngenerate_demo_city(seed=2026, scale=1.0): {elapsed:.1f} s")
    sizes = {
        "parcels.csv": 25_000, "work_orders.csv": 20_000, "cad_calls.csv": 30_000, "crm_interactions.csv": 40_000,
    }
    for name, target in sizes.items():
        n = len(_csv(out, name))
        assert 0.9 * target <= n <= 1.1 * target, (name, n)
    assert 7_000 <= len(_cases(out)) <= 9_000
    assert 1_800 <= len(_fire(out)) <= 2_300
    assert 900 <= len(_csv(out, "hr_roster_2025.csv")) <= 1_100
