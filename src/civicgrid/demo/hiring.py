"""HR recruiting: job postings (requisitions) and applicants, consistent with the simulated hires.

Every hire after 2021-01-01 has a posting and a ``Hired`` application carrying the same
person token, sex, race and home ZIP as the employee. Police officers and firefighters are
hired in cohorts: one posting per job and half-year with several positions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civicgrid.demo.hr import EEO4, JOBS, NEARBY_ZIPS, RACES, RACINE_ZIPS, SEX_F, SIM_END, SIM_START

_STAGES = ["Applied", "Screened", "Interviewed", "Offered", "Withdrawn"]


def postings(rng: np.random.Generator, emp: pd.DataFrame, req: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Job postings: (published frame, internal frame mapping each requisition row to its posting)."""
    req = req[req["opened"] < SIM_END].reset_index(drop=True)
    n_cancel = max(1, int(len(req) * 0.03))
    cancel = pd.DataFrame({"job": rng.choice(len(JOBS), n_cancel), "position": "",
                           "opened": SIM_START + rng.integers(0, 5 * 365, n_cancel).astype("timedelta64[D]"),
                           "cancelled": True})
    req = req.assign(cancelled=False)
    for col in ("filled", "start"):
        cancel[col] = pd.Series(pd.NaT, index=cancel.index, dtype=req[col].dtype)
    req = pd.concat([req, cancel[req.columns]], ignore_index=True)
    cohort = np.array([j[7] for j in JOBS])[req["job"].to_numpy()] & ~req["cancelled"].to_numpy()
    opened = pd.to_datetime(req["opened"])
    half = opened.dt.year.astype(str) + "H" + np.where(opened.dt.month <= 6, "1", "2")
    req["group"] = np.where(cohort, "C" + req["job"].astype(str) + half, "R" + req.index.astype(str))
    g = req.groupby("group", sort=False)
    post = pd.DataFrame({
        "job": g["job"].first(), "opened": g["opened"].min(), "filled": g["filled"].max(),
        "unfilled": g["filled"].apply(lambda s: s.isna().any()), "positions": g.size(), "cancelled": g["cancelled"].first(),
    }).sort_values(["opened"], kind="stable")
    year = pd.to_datetime(post["opened"]).dt.year.to_numpy()
    seq = pd.Series(year).groupby(year).cumcount().to_numpy() + 1
    post["req_id"] = [f"REQ-{y % 100:02d}-{s:04d}" for y, s in zip(year, seq)]
    m = len(post)
    closed = post["opened"] + pd.to_timedelta(rng.integers(14, 46, m), unit="D")
    closed = closed.where(closed < SIM_END)
    status = np.where(post["cancelled"], "Cancelled", np.where(post["unfilled"], "Open", "Filled")).astype(object)
    filled = post["filled"].where(status == "Filled")
    closed = closed.where(status != "Cancelled", post["opened"] + pd.to_timedelta(rng.integers(30, 90, m), unit="D"))
    j = post["job"].to_numpy()
    pub = pd.DataFrame({
        "REQ_ID": post["req_id"].to_numpy(), "JOB_TITLE": [JOBS[i][0] for i in j], "JOB_CODE": [JOBS[i][1] for i in j],
        "DEPARTMENT": [JOBS[i][2] for i in j], "EEO4_CATEGORY": [EEO4[JOBS[i][3]] for i in j],
        "OPENED_DATE": pd.to_datetime(post["opened"]).dt.strftime("%Y-%m-%d").to_numpy(),
        "CLOSED_DATE": pd.to_datetime(closed).dt.strftime("%Y-%m-%d").fillna("").to_numpy(),
        "FILLED_DATE": pd.to_datetime(filled).dt.strftime("%Y-%m-%d").fillna("").to_numpy(),
        "POSITIONS": post["positions"].to_numpy(), "STATUS": status,
    })
    req["req_id"] = req["group"].map(post["req_id"])
    return pub, req


def applicants(rng: np.random.Generator, emp: pd.DataFrame, req: pd.DataFrame, pub: pd.DataFrame) -> pd.DataFrame:
    """Applicants: every hire's winning application plus the pool that did not get the job."""
    hires = emp.merge(req[["position", "start", "filled", "req_id"]], left_on=["position", "hire"],
                      right_on=["position", "start"], how="inner")
    opened = pd.to_datetime(pub.set_index("REQ_ID")["OPENED_DATE"])
    won = pd.DataFrame({
        "req_id": hires["req_id"], "token": hires["token"], "sex": hires["sex"], "race": hires["race"],
        "home_zip": hires["home_zip"], "stage": "Hired", "hired": "Y", "accepted": pd.to_datetime(hires["filled"]),
    })
    hard = np.array([JOBS[int(i)][6] for i in pd.Series(pub["JOB_TITLE"]).map({t[0]: k for k, t in enumerate(JOBS)})])
    mean = 22.0 / hard * pub["POSITIONS"].to_numpy()
    n_app = rng.poisson(mean)
    k = int(n_app.sum())
    rid = np.repeat(pub["REQ_ID"].to_numpy(), n_app)
    eeo = np.repeat([EEO4.index(e) for e in pub["EEO4_CATEGORY"]], n_app)
    sex = np.where(rng.random(k) < np.minimum(np.array(SEX_F)[eeo] + 0.05, 0.95), "F", "M").astype(object)
    sex[rng.random(k) < 0.03] = ""
    race = np.array(RACES, dtype=object)[rng.choice(len(RACES), k, p=[0.53, 0.23, 0.17, 0.02, 0.04, 0.01])]
    race[rng.random(k) < 0.06] = "Prefer not to answer"
    pool = np.array([f"PT-{v:08X}" for v in rng.integers(0, 2**32, max(1, int(k * 0.8)), dtype=np.uint64)], dtype=object)
    pool = pool[~np.isin(pool, emp["token"].to_numpy())]
    lost = pd.DataFrame({
        "req_id": rid, "token": pool[rng.integers(0, len(pool), k)], "sex": sex, "race": race,
        "home_zip": np.where(rng.random(k) < 0.45, rng.choice(RACINE_ZIPS, k), rng.choice(NEARBY_ZIPS, k)),
        "stage": rng.choice(_STAGES, k, p=[0.5, 0.25, 0.18, 0.03, 0.04]), "hired": "N",
        "accepted": pd.Series(pd.NaT, index=range(k), dtype=won["accepted"].dtype),
    })
    app = pd.concat([won, lost], ignore_index=True)
    start = opened.reindex(app["req_id"]).to_numpy()
    window = np.where(app["hired"] == "Y", 20, 40)
    applied = start + (rng.random(len(app)) * window).astype(int).astype("timedelta64[D]")
    last = np.where(app["accepted"].notna(), app["accepted"].to_numpy(), np.datetime64("2026-10-31"))
    app["applied"] = np.minimum(applied, last.astype("datetime64[ns]"))
    app = app.sort_values(["applied", "req_id", "token"], kind="stable").reset_index(drop=True)
    return pd.DataFrame({
        "APPLICATION_ID": [f"APP-{i:06d}" for i in range(1, len(app) + 1)], "REQ_ID": app["req_id"],
        "APPLICANT_TOKEN": app["token"], "APPLIED_DATE": pd.to_datetime(app["applied"]).dt.strftime("%Y-%m-%d"),
        "STAGE_REACHED": app["stage"], "HIRED": app["hired"],
        "OFFER_ACCEPTED_DATE": pd.to_datetime(app["accepted"]).dt.strftime("%Y-%m-%d").fillna(""),
        "SEX": app["sex"], "RACE_ETHNICITY": app["race"], "HOME_ZIP": app["home_zip"],
    })
