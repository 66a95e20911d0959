"""Public Works work orders (Cityworks AMS style) and code-enforcement cases (Cityworks PLL style)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyproj import Transformer

from civicgrid.demo.addressing import crossing_text, full_address
from civicgrid.demo.common import DAY, fmt, sample_times, seconds
from civicgrid.demo.events import close_times, combine, messy_pid, pick_by_month, pick_parcels, planted_ids, season_rows
from civicgrid.demo.streets import INSPECTORS, intersections, nearest_intersection

# template id, description, crew, weight, at a street (True) or an address, median days, months
WO_TYPES = [
    ("101", "POTHOLE REPAIR", "STREETS", 14, True, 5, (3, 4, 5, 6)),
    ("102", "STREET LIGHT OUT", "TRAFFIC", 6, True, 10, None),
    ("103", "SIGN REPAIR/REPLACE", "TRAFFIC", 5, True, 7, None),
    ("104", "TREE TRIMMING", "FORESTRY", 7, False, 45, (4, 5, 6, 7, 8, 9)),
    ("105", "TREE REMOVAL", "FORESTRY", 3, False, 90, None),
    ("106", "STUMP GRINDING", "FORESTRY", 2, False, 120, (4, 5, 6, 7, 8, 9, 10)),
    ("107", "SEWER BACKUP", "SEWER", 4, False, 1, None),
    ("108", "CATCH BASIN CLEANING", "SEWER", 5, True, 14, None),
    ("109", "MISSED GARBAGE PICKUP", "SANITATION", 12, False, 1, None),
    ("110", "BULK ITEM PICKUP", "SANITATION", 13, False, 6, None),
    ("111", "ILLEGAL DUMPING CLEANUP", "SANITATION", 5, False, 4, None),
    ("112", "GRAFFITI REMOVAL", "STREETS", 3, False, 7, None),
    ("113", "SIDEWALK REPAIR", "STREETS", 4, False, 120, (4, 5, 6, 7, 8, 9, 10)),
    ("114", "SNOW PLOW - MISSED STREET", "STREETS", 4, True, 1, (12, 1, 2, 3)),
    ("115", "ALLEY MAINTENANCE", "STREETS", 3, True, 20, None),
    ("116", "CART REPAIR/REPLACE", "SANITATION", 7, False, 5, None),
    ("117", "DEAD ANIMAL PICKUP", "SANITATION", 2, False, 1, None),
]
WO_CODES = {t[0]: i for i, t in enumerate(WO_TYPES)}
WO_DATE = "%m/%d/%Y %I:%M:%S %p"
_SUPERVISORS = {"STREETS": ["SUP-01", "SUP-02", "SUP-03"], "TRAFFIC": ["SUP-04"], "FORESTRY": ["SUP-05", "SUP-06"],
                "SEWER": ["SUP-07"], "SANITATION": ["SUP-08", "SUP-09"]}

# case type, weight, median days open, months, description
CASE_TYPES = [
    ("Property Maintenance", 30, 60, None, "Exterior maintenance: peeling paint, damaged siding/gutters"),
    ("Junk/Debris", 18, 21, None, "Junk, trash and debris in yard"),
    ("Tall Grass", 16, 10, (5, 6, 7, 8, 9), "Grass/weeds over 8 inches"),
    ("Vacant Building", 5, 180, None, "Vacant building not registered / not secured"),
    ("Inoperable Vehicle", 7, 30, None, "Unlicensed or inoperable vehicle on property"),
    ("Snow/Ice Sidewalk", 8, 5, (12, 1, 2, 3), "Sidewalk not cleared of snow/ice"),
    ("Housing - Interior", 8, 45, None, "Interior housing complaint (tenant)"),
    ("Zoning Violation", 4, 60, None, "Use not permitted / outdoor storage"),
    ("Graffiti", 4, 14, None, "Graffiti on structure"),
]
CASE_CODES = {t[0]: i for i, t in enumerate(CASE_TYPES)}
_TO_FEET = Transformer.from_crs("EPSG:4326", "EPSG:2289", always_xy=True)


def work_orders(
    rng: np.random.Generator, parcels: pd.DataFrame, n: int, planted: pd.DataFrame | None
) -> tuple[pd.DataFrame, list[tuple[int, str]], pd.DataFrame]:
    """Work orders: (published frame, raw lines to inject, planted rows with their ids)."""
    hours = [1, 1, 1, 1, 1, 2, 6, 10, 12, 12, 11, 9, 7, 10, 10, 9, 6, 3, 2, 2, 2, 1, 1, 1]
    ts = sample_times(rng, n, hour_w=hours, dow_w=[10, 10, 10, 10, 9, 2, 1])
    w = np.array([t[3] for t in WO_TYPES], float)
    ti = pick_by_month(rng, ts, w, season_rows([t[6] for t in WO_TYPES]))
    bg = pd.DataFrame({"ts": ts, "ti": ti, "pidx": pick_parcels(rng, parcels, n, 0.5)})
    pl = planted.assign(ti=planted["code"].map(WO_CODES)) if planted is not None else None
    ev = combine(bg, pl)
    k = len(ev)
    ti = ev["ti"].to_numpy()
    p = parcels.iloc[ev["pidx"].to_numpy()].reset_index(drop=True)
    street = np.array([t[4] for t in WO_TYPES])[ti] & ~ev["planted"].to_numpy()
    addr = full_address(rng, p["house_text"].to_numpy(), p["sidx"].to_numpy(), p["unit"].to_numpy(),
                        p_typo=0.05, p_suffix=0.2, p_title=0.2, p_unit_drop=0.6)
    ixr = nearest_intersection(p["lat"].to_numpy(), p["lon"].to_numpy())
    cross = crossing_text(rng, ixr, seps=(" & ", " & ", " AND ", "/"))
    use_cross = rng.random(k) < 0.6
    hundred = (p["house"] // 100 * 100).astype(str)
    plain = full_address(rng, p["house_text"].to_numpy(), p["sidx"].to_numpy(), p_suffix=0.2, p_title=0.2)
    rest = pd.Series(plain).str.split(" ", n=1).str[1]
    addr = np.where(street & use_cross, cross, np.where(street, (hundred + " " + rest).to_numpy(dtype=object), addr))
    lat = np.where(street & use_cross, intersections()["lat"].to_numpy()[ixr], p["lat"])
    lon = np.where(street & use_cross, intersections()["lon"].to_numpy()[ixr], p["lon"])
    x, y = _TO_FEET.transform(lon, lat)
    nocoord = rng.random(k) < 0.12
    x, y = np.where(nocoord, 0.0, np.round(x, 2)), np.where(nocoord, 0.0, np.round(y, 2))
    opened = ev["ts"].to_numpy()
    closed, is_open = close_times(rng, opened, np.array([t[5] for t in WO_TYPES], float)[ti])
    cancel = (rng.random(k) < 0.04) & ~is_open
    closed[cancel] = opened[cancel] + seconds(rng.uniform(600, 5 * 86400, cancel.sum()))
    status = np.where(rng.random(k) < 0.85, "CLOSED", "COMPLETE").astype(object)
    status[cancel] = "CANCEL"
    status[is_open] = np.where(rng.random(is_open.sum()) < 0.6, "OPEN", "IN PROGRESS")
    crew = np.array([t[2] for t in WO_TYPES], dtype=object)[ti]
    sup = np.array([_SUPERVISORS[c][int(u * len(_SUPERVISORS[c]))] for c, u in zip(crew, rng.random(k))], dtype=object)
    ids = 180001 + np.arange(k)
    df = pd.DataFrame({
        "WORKORDERID": ids, "WOTEMPLATEID": np.array([t[0] for t in WO_TYPES], dtype=object)[ti],
        "DESCRIPTION": np.array([t[1] for t in WO_TYPES], dtype=object)[ti], "STATUS": status,
        "PRIORITY": rng.choice(["1", "2", "3"], k, p=[0.15, 0.55, 0.30]),
        "INITIATEDATE": fmt(opened, WO_DATE), "SCHEDULEDATE": fmt(opened.astype("datetime64[D]") + rng.integers(0, 8, k) * DAY, "%m/%d/%Y"),
        "ACTUALFINISHDATE": fmt(closed, WO_DATE), "ADDRESS": addr, "WOXCOORDINATE": x, "WOYCOORDINATE": y,
        "SUPERVISOR": sup, "CREW": crew, "INITIATEDBY": rng.choice(["CSR", "FIELD", "WEB", "PHONE"], k, p=[0.45, 0.3, 0.15, 0.1]),
        "LABORHOURS": np.round(rng.gamma(2.0, 1.5, k), 1),
    })
    df.loc[~df["STATUS"].isin(["CLOSED", "COMPLETE", "CANCEL"]), "LABORHOURS"] = np.nan
    # export glitches
    bad = rng.choice(np.flatnonzero(~ev["planted"].to_numpy()), 4, replace=False)
    df.loc[bad[0], "INITIATEDATE"] = "00/00/0000 12:00:00 AM"
    df.loc[bad[1], "ACTUALFINISHDATE"] = "12/31/2099 12:00:00 AM"
    df.loc[bad[2], "ACTUALFINISHDATE"] = fmt(opened[bad[2]:bad[2] + 1] - 3 * DAY, WO_DATE)[0]
    df = pd.concat([df, df.iloc[[bad[3]]]], ignore_index=True)  # duplicated row
    short = [(int(bad[3]) // 2, f"{int(ids[-1]) + 1},110,BULK ITEM PICKUP,OPEN")]
    return df, short, planted_ids("work_orders", ids, ev)


def code_cases(rng: np.random.Generator, parcels: pd.DataFrame, n: int, planted: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Code-enforcement cases: (published frame for the xlsx sheet, planted rows with their ids)."""
    hours = [0, 0, 0, 0, 0, 0, 1, 6, 12, 12, 11, 9, 6, 10, 11, 9, 5, 1, 0, 0, 0, 0, 0, 0]
    ts = sample_times(rng, n, hour_w=hours, dow_w=[10, 10, 10, 10, 9, 0.3, 0.1])
    w = np.array([t[1] for t in CASE_TYPES], float)
    ti = pick_by_month(rng, ts, w, season_rows([t[3] for t in CASE_TYPES], low=0.02))
    resid = parcels["cls"].isin(["G1", "G2"]).to_numpy() * (1 + 1.5 * parcels["rental"].to_numpy())
    bg = pd.DataFrame({"ts": ts, "ti": ti, "pidx": pick_parcels(rng, parcels, n, 1.0, resid)})
    pl = planted.assign(ti=planted["code"].map(CASE_CODES)) if planted is not None else None
    ev = combine(bg, pl)
    k = len(ev)
    ti = ev["ti"].to_numpy()
    p = parcels.iloc[ev["pidx"].to_numpy()].reset_index(drop=True)
    clean = full_address(rng, p["house_text"].to_numpy(), p["sidx"].to_numpy(), p["unit"].to_numpy(), p_unit_drop=0.2)
    typed = full_address(rng, p["house_text"].to_numpy(), p["sidx"].to_numpy(), p["unit"].to_numpy(),
                         p_typo=0.3, p_suffix=0.4, p_title=0.5, p_unit_drop=0.5)
    addr = np.where(rng.random(k) < 0.08, typed, clean)
    opened = ev["ts"].to_numpy()
    closed, is_open = close_times(rng, opened, np.array([t[2] for t in CASE_TYPES], float)[ti], sigma=0.9)
    status = rng.choice(["Closed - Complied", "Closed - Abated by City", "Closed - Unfounded", "Closed - Citation Paid"],
                        k, p=[0.62, 0.13, 0.18, 0.07]).astype(object)
    status[is_open] = rng.choice(["Open", "Pending Reinspection", "Citation Issued", "Referred to Attorney"],
                                 is_open.sum(), p=[0.45, 0.35, 0.15, 0.05])
    reinspect = opened.astype("datetime64[D]") + rng.integers(7, 31, k) * DAY
    area = p["insp_area"].to_numpy()
    insp = pd.Series(area).map(INSPECTORS).to_numpy(dtype=object)
    cover = rng.random(k) < 0.04  # another inspector covering a vacation
    insp[cover] = rng.choice(sorted(INSPECTORS.values()), cover.sum())
    year = opened.astype("datetime64[Y]").astype(int) + 1970
    seq = pd.Series(year).groupby(year).cumcount().to_numpy() + 1
    case_no = [f"CE{y % 100:02d}-{s:05d}" for y, s in zip(year, seq)]
    df = pd.DataFrame({
        "CASE_NUMBER": case_no, "CASE_TYPE": np.array([t[0] for t in CASE_TYPES], dtype=object)[ti],
        "CASE_DESCRIPTION": np.array([t[4] for t in CASE_TYPES], dtype=object)[ti], "STATUS": status,
        "SOURCE": rng.choice(["Complaint", "Proactive", "Referral"], k, p=[0.65, 0.25, 0.10]),
        "OPEN_DATE": pd.to_datetime(opened).astype(object), "REINSPECTION_DATE": pd.to_datetime(reinspect).astype(object),
        "CLOSE_DATE": pd.Series(pd.to_datetime(closed)).astype(object),
        "ADDRESS": addr, "PARCEL_ID": messy_pid(rng, p["parcel_id"], 0.70, 0.06).to_numpy(),
        "INSPECTION_AREA": area, "INSPECTOR": insp,
    })
    typed_date = rng.random(k) < 0.01  # dates typed as text in Excel
    df.loc[typed_date, "OPEN_DATE"] = fmt(opened[typed_date], "%m/%d/%Y")
    bad = rng.choice(np.flatnonzero(~ev["planted"].to_numpy() & ~is_open), 2, replace=False)
    df.loc[bad[0], "CLOSE_DATE"] = "9/31/2025"
    df.loc[bad[1], "OPEN_DATE"] = "TBD"
    df.loc[df["CLOSE_DATE"].isna(), "CLOSE_DATE"] = None
    return df, planted_ids("code_cases", case_no, ev)
