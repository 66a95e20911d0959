"""HR: employees simulated 2021-01-01 … 2026-10-31 and a year-end roster snapshot per year 2021–2025.

Every separation opens a requisition for the same position; the replacement hire (if it
happens before the end of the window) is a new employee, who may leave in turn. Rosters are
therefore consistent: a person appears in consecutive snapshots from the year of hire until
the year before separation. Export quirks: 2021 uses two-digit years, 2021–2022 give the
EEO-4 category as its number, 2024 writes salaries as ``$61,234.00``, 2025 uses ISO dates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EEO4 = ["Officials/Administrators", "Professionals", "Technicians", "Protective Service",
        "Paraprofessionals", "Administrative Support", "Skilled Craft", "Service-Maintenance"]
EEO4_CODES = {str(i + 1): name for i, name in enumerate(EEO4)}
RACES = ["White", "Black or African American", "Hispanic or Latino", "Asian", "Two or More Races",
         "American Indian or Alaska Native"]
# title, job code, department, EEO-4 index, salary, share, hard to fill (time-to-fill factor), cohort hiring
JOBS = [
    ("Police Officer", "P110", "Police", 3, 66_000, 0.155, 1.6, True),
    ("Police Sergeant", "P120", "Police", 3, 84_000, 0.025, 1.0, False),
    ("Police Lieutenant", "P130", "Police", 3, 96_000, 0.008, 1.0, False),
    ("Police Chief", "P190", "Police", 0, 145_000, 0.001, 2.0, False),
    ("Police Records Clerk", "P210", "Police", 5, 44_000, 0.015, 0.8, False),
    ("Crime Analyst", "P220", "Police", 1, 62_000, 0.003, 1.2, False),
    ("Community Service Officer", "P230", "Police", 4, 41_000, 0.012, 0.9, False),
    ("Firefighter/Paramedic", "F110", "Fire", 3, 62_000, 0.115, 1.5, True),
    ("Fire Lieutenant", "F120", "Fire", 3, 80_000, 0.02, 1.0, False),
    ("Battalion Chief", "F130", "Fire", 0, 104_000, 0.004, 1.0, False),
    ("Fire Chief", "F190", "Fire", 0, 140_000, 0.001, 2.0, False),
    ("Fire Inspector", "F210", "Fire", 2, 66_000, 0.005, 1.2, False),
    ("Equipment Operator", "W110", "Public Works", 6, 56_000, 0.06, 1.3, False),
    ("Laborer", "W120", "Public Works", 7, 45_000, 0.05, 0.8, False),
    ("Sanitation Worker", "W130", "Public Works", 7, 47_000, 0.04, 0.9, False),
    ("Fleet Mechanic", "W140", "Public Works", 6, 58_000, 0.015, 2.0, False),
    ("Arborist", "W150", "Public Works", 6, 55_000, 0.012, 1.5, False),
    ("Engineering Technician", "W210", "Public Works", 2, 58_000, 0.01, 1.5, False),
    ("Civil Engineer", "W220", "Public Works", 1, 82_000, 0.008, 2.2, False),
    ("Public Works Supervisor", "W310", "Public Works", 0, 78_000, 0.009, 1.2, False),
    ("Water Plant Operator", "U110", "Water Utility", 6, 60_000, 0.03, 1.8, False),
    ("Utility Maintenance Worker", "U120", "Water Utility", 7, 50_000, 0.03, 1.0, False),
    ("Park Maintenance Worker", "R110", "Parks, Recreation & Cultural Services", 7, 43_000, 0.05, 0.8, False),
    ("Recreation Coordinator", "R210", "Parks, Recreation & Cultural Services", 1, 52_000, 0.012, 1.0, False),
    ("Recreation Aide", "R220", "Parks, Recreation & Cultural Services", 4, 32_000, 0.03, 0.7, False),
    ("Building Inspector", "D110", "City Development", 2, 64_000, 0.01, 1.8, False),
    ("Code Enforcement Inspector", "D120", "City Development", 2, 56_000, 0.006, 1.4, False),
    ("City Planner", "D210", "City Development", 1, 68_000, 0.006, 1.5, False),
    ("Permit Clerk", "D310", "City Development", 5, 43_000, 0.008, 0.8, False),
    ("Accountant", "A110", "Finance", 1, 64_000, 0.012, 1.5, False),
    ("Account Clerk", "A120", "Finance", 5, 42_000, 0.015, 0.8, False),
    ("Deputy Clerk", "C110", "City Clerk", 5, 44_000, 0.01, 0.8, False),
    ("HR Analyst", "H110", "Human Resources", 1, 63_000, 0.008, 1.2, False),
    ("Systems Analyst", "I110", "Information Technology", 1, 76_000, 0.01, 2.0, False),
    ("IT Support Technician", "I120", "Information Technology", 2, 52_000, 0.008, 1.3, False),
    ("Public Health Nurse", "N110", "Public Health", 1, 70_000, 0.015, 2.0, False),
    ("Sanitarian", "N120", "Public Health", 2, 58_000, 0.01, 1.5, False),
    ("Librarian", "L110", "Library", 1, 55_000, 0.015, 1.2, False),
    ("Library Assistant", "L120", "Library", 4, 36_000, 0.03, 0.7, False),
    ("Customer Service Representative", "S110", "Customer Service", 5, 41_000, 0.014, 0.8, False),
    ("Assistant City Attorney", "T110", "City Attorney", 1, 90_000, 0.005, 1.6, False),
    ("Department Director", "X110", "Mayor's Office", 0, 120_000, 0.01, 2.0, False),
]
PAYGROUP = {"Police": "POLICE ASSOC", "Fire": "FIRE LOCAL", "Public Works": "AFSCME", "Water Utility": "AFSCME",
            "Parks, Recreation & Cultural Services": "AFSCME", "Library": "LIBRARY"}
SEX_F = [0.35, 0.55, 0.35, 0.15, 0.7, 0.85, 0.05, 0.2]  # share women by EEO-4 category
RACINE_ZIPS = ["53402", "53403", "53404", "53405", "53406"]
NEARBY_ZIPS = ["53177", "53126", "53108", "53182", "53185", "53105", "53139", "53140", "53142", "53143", "53144",
               "53154", "53132", "53207", "53221", "60099"]
SIM_START = np.datetime64("2021-01-01")
SIM_END = np.datetime64("2026-11-01")
YEARS = [2021, 2022, 2023, 2024, 2025]


def _job_arrays() -> dict[str, np.ndarray]:
    return {k: np.array([j[i] for j in JOBS], dtype=object if i < 3 else float)
            for i, k in enumerate(["title", "code", "dept", "eeo", "salary", "share", "hard", "cohort"])}


def people(rng: np.random.Generator, k: int, job: np.ndarray, hire: np.ndarray, new: bool,
           age_at_hire: np.ndarray | None = None) -> pd.DataFrame:
    """Demographics, home ZIP and (future) separation date for ``k`` people in jobs ``job`` hired on ``hire``."""
    ja = _job_arrays()
    eeo = ja["eeo"][job].astype(int)
    sex = np.where(rng.random(k) < np.array(SEX_F)[eeo], "F", "M").astype(object)
    sex[(rng.random(k) < 0.004) & (hire >= np.datetime64("2023-01-01"))] = "X"
    pr = np.array([0.60, 0.18, 0.15, 0.02, 0.04, 0.01]) if new else np.array([0.74, 0.12, 0.09, 0.015, 0.025, 0.01])
    race = np.array(RACES, dtype=object)[rng.choice(len(RACES), k, p=pr)]
    race[rng.random(k) < 0.02] = ""
    if age_at_hire is None:
        age_at_hire = np.clip(rng.normal(31, 7, k), 19, 58)
    birth = hire - (age_at_hire * 365.25).astype(int).astype("timedelta64[D]")
    local = np.where(ja["dept"][job] == "Police", 0.35, np.where(ja["dept"][job] == "Fire", 0.3, 0.6))
    zips = np.where(rng.random(k) < local, rng.choice(RACINE_ZIPS, k), rng.choice(NEARBY_ZIPS, k)).astype(object)
    early = new & (rng.random(k) < 0.15)
    stay_y = np.where(early, rng.uniform(0.1, 1.3, k), rng.exponential(14.0, k))
    retire = birth + (rng.normal(62, 3, k) * 365.25).astype(int).astype("timedelta64[D]")
    start = np.maximum(hire, SIM_START) if not new else hire
    retire = np.where(retire < start + 30, start + rng.integers(30, 4 * 365, k).astype("timedelta64[D]"), retire)
    sep = np.minimum(start + (stay_y * 365.25).astype(int).astype("timedelta64[D]"), np.maximum(retire, start + 30))
    return pd.DataFrame({"job": job, "hire": hire, "sep": sep, "birth": birth, "sex": sex, "race": race,
                         "home_zip": zips, "pay_noise": rng.lognormal(0, 0.05, k),
                         "fte": np.where((eeo == 4) & (rng.random(k) < 0.4), 0.5, 1.0)})


def simulate(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Employees (one row per person) and requisitions (one per vacancy, filled or not)."""
    ja = _job_arrays()
    job = rng.choice(len(JOBS), n, p=ja["share"] / ja["share"].sum())
    job[: len(JOBS)] = np.arange(len(JOBS))  # every job exists at least once
    age = np.clip(rng.normal(44, 11, n), 20, 66)
    tenure = np.minimum(rng.exponential(10.0, n), np.maximum(age - 19 - rng.uniform(0, 4, n), rng.uniform(0.05, 1.0, n)))
    hire = SIM_START - (tenure * 365.25).astype(int).astype("timedelta64[D]") - 1
    emp = people(rng, n, job, hire, new=False, age_at_hire=age - tenure)
    emp["position"] = [f"POS-{i:05d}" for i in range(1, n + 1)]
    gen, reqs = emp, []
    growth = int(n * 0.06)
    extra = pd.DataFrame({"job": rng.choice(len(JOBS), growth, p=ja["share"] / ja["share"].sum()),
                          "sep": SIM_START + rng.integers(0, 5 * 365, growth).astype("timedelta64[D]"),
                          "position": [f"POS-{i:05d}" for i in range(n + 1, n + growth + 1)]})
    pending = pd.concat([gen[["job", "sep", "position"]], extra], ignore_index=True)
    all_emp = [emp]
    while True:
        vac = pending[(pending["sep"] < SIM_END) & (pending["sep"] >= SIM_START)].reset_index(drop=True)
        if vac.empty:
            break
        m = len(vac)
        vac = vac[rng.random(m) >= 0.04].reset_index(drop=True)  # a few positions are eliminated
        m = len(vac)
        opened = vac["sep"].to_numpy() + rng.integers(0, 30, m).astype("timedelta64[D]")
        ttf = rng.lognormal(np.log(55 * ja["hard"][vac["job"]].astype(float)), 0.45).astype(int)
        filled = opened + ttf.astype("timedelta64[D]")
        start = filled + rng.integers(14, 36, m).astype("timedelta64[D]")
        ok = start < SIM_END
        nat = np.datetime64("NaT")
        reqs.append(pd.DataFrame({"job": vac["job"], "position": vac["position"], "opened": opened,
                                  "filled": np.where(ok, filled, nat), "start": np.where(ok, start, nat)}))
        hires = people(rng, int(ok.sum()), vac["job"].to_numpy()[ok], start[ok], new=True)
        hires["position"] = vac["position"].to_numpy()[ok]
        all_emp.append(hires)
        pending = hires[["job", "sep", "position"]]
    emp = pd.concat(all_emp, ignore_index=True).sort_values(["hire", "position"], kind="stable").reset_index(drop=True)
    emp["sep"] = emp["sep"].where(emp["sep"] < SIM_END)
    emp["employee_id"] = [f"E{i:05d}" for i in range(10001, 10001 + len(emp))]
    emp["token"] = [f"PT-{v:08X}" for v in rng.choice(2**32, len(emp), replace=False)]
    req = pd.concat(reqs, ignore_index=True).sort_values(["opened", "position"], kind="stable").reset_index(drop=True)
    return emp, req


def _age_band(age: np.ndarray) -> np.ndarray:
    return np.select([age < 25, age < 35, age < 45, age < 55, age < 65], ["Under 25", "25-34", "35-44", "45-54", "55-64"], default="65+")


def rosters(rng: np.random.Generator, emp: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """Year-end roster snapshots ``{year: frame}`` for 2021–2025."""
    ja = _job_arrays()
    out = {}
    for year in YEARS:
        snap = np.datetime64(f"{year}-12-31")
        act = emp[(emp["hire"] <= snap) & ~(emp["sep"] <= snap)].reset_index(drop=True)
        job = act["job"].to_numpy()
        tenure = (snap - act["hire"].to_numpy()).astype("timedelta64[D]").astype(int) / 365.25
        age = (snap - act["birth"].to_numpy()).astype("timedelta64[D]").astype(int) / 365.25
        salary = ja["salary"][job] * (1 + 0.02 * np.minimum(tenure, 15)) * 1.025 ** (year - 2021) * act["pay_noise"].to_numpy()
        eeo = ja["eeo"][job].astype(int)
        status = np.where(tenure < 1, "Active - Probation", "Active").astype(object)
        status[rng.random(len(act)) < 0.03] = "Leave of Absence"
        datefmt = {2021: "%m/%d/%y", 2025: "%Y-%m-%d"}.get(year, "%m/%d/%Y")
        sal = np.round(salary * act["fte"].to_numpy(), 2)
        df = pd.DataFrame({
            "EMPLOYEE_ID": act["employee_id"], "PERSON_TOKEN": act["token"], "REPORT_YEAR": year,
            "AS_OF_DATE": pd.Timestamp(snap).strftime(datefmt), "POSITION_ID": act["position"],
            "JOB_TITLE": ja["title"][job], "JOB_CODE": ja["code"][job], "DEPARTMENT": ja["dept"][job],
            "EEO4_CATEGORY": (eeo + 1).astype(str) if year <= 2022 else np.array(EEO4, dtype=object)[eeo],
            "SEX": act["sex"], "RACE_ETHNICITY": act["race"], "AGE_BAND": _age_band(age),
            "HIRE_DATE": pd.to_datetime(act["hire"]).dt.strftime(datefmt), "ANNUAL_SALARY": sal,
            "FTE": act["fte"], "PAYGROUP": pd.Series(ja["dept"][job]).map(PAYGROUP).fillna("NON-REP").to_numpy(),
            "HOME_ZIP": act["home_zip"], "EMP_STATUS": status,
        })
        if year == 2024:
            df["ANNUAL_SALARY"] = [f"${v:,.2f}" for v in sal]
        df["HOME_ZIP"] = df["HOME_ZIP"].where(rng.random(len(df)) >= 0.01, "")
        out[year] = df.sort_values("EMPLOYEE_ID", kind="stable").reset_index(drop=True)
    return out
