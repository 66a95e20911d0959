"""Police CAD calls for service and NFIRS fire incidents."""

from __future__ import annotations

import numpy as np
import pandas as pd

from civicgrid.demo.addressing import block_text, crossing_text, full_address, street_text
from civicgrid.demo.common import fmt, sample_times, seconds
from civicgrid.demo.events import combine, pick_parcels, planted_ids
from civicgrid.demo.streets import NAMES, intersections, nearest_intersection

# code, description, category, weight, priority, caller is the victim, mostly at a crossing
CALL_TYPES = [
    ("DOMDIST", "DOMESTIC DISTURBANCE", "domestic", 5, 1, "Y", False),
    ("RESTORD", "RESTRAINING ORDER VIOLATION", "domestic", 1, 2, "Y", False),
    ("WELFARE", "WELFARE CHECK", "welfare_check", 7, 2, "N", False),
    ("MENTAL", "MENTAL HEALTH CRISIS", "welfare_check", 2.5, 1, "N", False),
    ("MEDICAL", "MEDICAL ASSIST", "medical", 6, 1, "N", False),
    ("OD", "OVERDOSE", "medical", 1.5, 1, "N", False),
    ("BATTERY", "BATTERY", "victim_crime", 2, 1, "Y", False),
    ("BURGRES", "BURGLARY - RESIDENTIAL", "victim_crime", 1.5, 2, "Y", False),
    ("THEFT", "THEFT", "property_crime", 5, 3, "Y", False),
    ("VANDAL", "CRIMINAL DAMAGE TO PROPERTY", "property_crime", 2.5, 3, "Y", False),
    ("NOISE", "NOISE COMPLAINT", "noise", 6, 4, "N", False),
    ("PARTY", "LOUD PARTY", "noise", 2, 4, "N", False),
    ("DRUGS", "DRUG ACTIVITY", "drugs", 2.5, 3, "N", False),
    ("SHOTS", "SHOTS FIRED", "shots_fired", 1.5, 1, "N", False),
    ("DISTURB", "DISTURBANCE", "disturbance", 6, 2, "N", False),
    ("FIGHT", "FIGHT IN PROGRESS", "disturbance", 1.5, 1, "N", False),
    ("SUSP", "SUSPICIOUS PERSON/VEHICLE", "suspicious", 7, 3, "N", False),
    ("TRESPASS", "TRESPASSING", "trespass", 2, 3, "N", False),
    ("PARKING", "PARKING COMPLAINT", "parking", 4, 4, "N", False),
    ("TRAFFIC", "TRAFFIC STOP", "traffic", 12, 4, "N", True),
    ("ACCPD", "ACCIDENT - PROPERTY DAMAGE", "crash", 5, 3, "N", True),
    ("ACCPI", "ACCIDENT - PERSONAL INJURY", "crash", 1.5, 1, "N", True),
    ("ALARM", "ALARM - BURGLAR", "alarm", 5, 2, "N", False),
    ("ANIMAL", "ANIMAL COMPLAINT", "animal", 2.5, 4, "N", False),
    ("JUVCOMP", "JUVENILE COMPLAINT", "juvenile", 2, 3, "N", False),
    ("CIVIL", "CIVIL MATTER", "civil", 2, 4, "N", False),
    ("FOLLOWUP", "FOLLOW UP", "admin", 5, 4, "N", False),
    ("911HANG", "911 HANG UP", "admin", 3, 2, "N", False),
]
CALL_CODES = {t[0]: i for i, t in enumerate(CALL_TYPES)}
CAD_DATE = "%Y-%m-%d %H:%M:%S"
_OFFICER = {"TRAFFIC", "FOLLOWUP"}
_DISPO = ["REPORT TAKEN", "ADVISED", "GONE ON ARRIVAL", "UNFOUNDED", "ARREST", "CITATION ISSUED", "ASSISTED",
          "CANCELLED", "REFERRED TO OTHER AGENCY", "NO REPORT"]

FIRE_TYPES = [
    ("111", "Building fire", 4), ("113", "Cooking fire, confined to container", 5),
    ("114", "Chimney or flue fire, confined to chimney or flue", 1), ("118", "Trash or rubbish fire, contained", 2),
    ("131", "Passenger vehicle fire", 3), ("142", "Brush or brush-and-grass mixture fire", 2),
    ("151", "Outside rubbish, trash or waste fire", 4), ("154", "Dumpster or other outside trash receptacle fire", 2),
    ("311", "Medical assist, assist EMS crew", 8), ("321", "EMS call, excluding vehicle accident with injury", 28),
    ("322", "Motor vehicle accident with injuries", 5), ("324", "Motor vehicle accident with no injuries", 4),
    ("412", "Gas leak (natural gas or LPG)", 3), ("424", "Carbon monoxide incident", 2), ("444", "Power line down", 2),
    ("445", "Arcing, shorted electrical equipment", 1), ("500", "Service call, other", 3), ("531", "Smoke or odor removal", 1),
    ("553", "Public service", 2), ("554", "Assist invalid", 3), ("600", "Good intent call, other", 2),
    ("611", "Dispatched and cancelled en route", 6), ("651", "Smoke scare, odor of smoke", 2),
    ("700", "False alarm or false call, other", 2), ("715", "Local alarm system, malicious false alarm", 1),
    ("733", "Smoke detector activation due to malfunction", 2), ("743", "Smoke detector activation, no fire - unintentional", 3),
    ("745", "Alarm system activation, no fire - unintentional", 2), ("746", "Carbon monoxide detector activation, no CO", 1),
]
FIRE_CODES = {t[0]: i for i, t in enumerate(FIRE_TYPES)}
_ROAD = {"131", "142", "322", "324"}
NFIRS_DATE = "%m%d%Y%H%M"


def _lognormal_s(rng: np.random.Generator, median_s: np.ndarray | float, sigma: float, n: int) -> np.ndarray:
    return seconds(rng.lognormal(np.log(median_s), sigma, n))


def cad_calls(rng: np.random.Generator, parcels: pd.DataFrame, n: int, planted: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """CAD calls for service: (published frame, planted rows with their call numbers)."""
    hours = [5, 4, 3, 2, 1.5, 1.5, 2, 3, 4, 5, 5, 5, 5, 5, 6, 7, 7, 7, 7, 7, 7, 7, 6, 6]
    ts = sample_times(rng, n, hour_w=hours, dow_w=[9, 9, 9, 9, 11, 12, 11], month_w=[8, 8, 9, 9, 10, 11, 12, 12, 10, 10, 9, 8])
    w = np.array([t[3] for t in CALL_TYPES], float)
    bg = pd.DataFrame({"ts": ts, "ti": rng.choice(len(w), n, p=w / w.sum()), "pidx": pick_parcels(rng, parcels, n, 1.0)})
    pl = planted.assign(ti=planted["code"].map(CALL_CODES)) if planted is not None else None
    ev = combine(bg, pl)
    k, ti, planted_mask = len(ev), ev["ti"].to_numpy(), ev["planted"].to_numpy()
    p = parcels.iloc[ev["pidx"].to_numpy()].reset_index(drop=True)
    sidx, house = p["sidx"].to_numpy(), p["house"].to_numpy()
    road = np.array([t[6] for t in CALL_TYPES])[ti]
    u = rng.random(k)
    mode = np.where(road, np.where(u < 0.7, 2, 0), np.where(u < 0.6, 0, np.where(u < 0.85, 1, 2)))
    mode = np.where(planted_mask, np.where(u < 0.6, 1, 0), mode)
    block = block_text(rng, house, sidx)
    exact = full_address(rng, p["house_text"].to_numpy(), sidx, p["unit"].to_numpy(), p_suffix=0.05, p_typo=0.02, p_unit_drop=0.5)
    cross = crossing_text(rng, nearest_intersection(p["lat"].to_numpy(), p["lon"].to_numpy()))
    loc = np.select([mode == 0, mode == 1], [block, exact], default=cross)
    code = np.array([t[0] for t in CALL_TYPES], dtype=object)[ti]
    prio = np.array([t[4] for t in CALL_TYPES])[ti]
    officer = np.isin(code, list(_OFFICER))
    received = ev["ts"].to_numpy()
    disp = received + np.where(officer, np.timedelta64(0, "s"), _lognormal_s(rng, np.array([60, 180, 600, 1200])[prio - 1], 0.8, k))
    enr = disp + _lognormal_s(rng, 40, 0.7, k)
    ons = enr + _lognormal_s(rng, np.where(prio == 1, 240, 330), 0.5, k)
    clr = ons + _lognormal_s(rng, 1500, 0.8, k)
    nat = np.datetime64("NaT")
    phone = (prio == 4) & ~officer & (rng.random(k) < 0.12)
    disp[phone] = enr[phone] = ons[phone] = nat
    clr[phone] = received[phone] + _lognormal_s(rng, 600, 0.5, phone.sum())
    cancel = ~phone & (rng.random(k) < 0.07)
    ons[cancel] = nat
    enr[~phone & (rng.random(k) < 0.03)] = nat
    dispo = rng.choice(_DISPO, k, p=[0.2, 0.25, 0.1, 0.08, 0.04, 0.06, 0.12, 0.03, 0.04, 0.08]).astype(object)
    dispo[cancel] = "CANCELLED"
    dispo[code == "TRAFFIC"] = rng.choice(["CITATION ISSUED", "WARNING", "ADVISED"], (code == "TRAFFIC").sum(), p=[0.4, 0.5, 0.1])
    hour = received.astype("datetime64[h]").astype(int) % 24
    shift = np.select([(hour >= 7) & (hour < 15), (hour >= 15) & (hour < 23)], ["A", "B"], default="C")
    unit = pd.Series(p["police_district"].to_numpy(), dtype=object) + shift + pd.Series(rng.integers(10, 30, k)).astype(str)
    unit[phone] = "PHONE"
    year = received.astype("datetime64[Y]").astype(int) + 1970
    seq = pd.Series(year).groupby(year).cumcount().to_numpy() + 1
    call_no = [f"RPD{y % 100:02d}-{s:06d}" for y, s in zip(year, seq)]
    df = pd.DataFrame({
        "CALL_NO": call_no, "CALL_TYPE": code, "CALL_DESC": np.array([t[1] for t in CALL_TYPES], dtype=object)[ti],
        "PRIORITY": prio,
        "CALL_SOURCE": np.where(officer, "OFFICER INITIATED", rng.choice(["911", "PHONE", "TEXT"], k, p=[0.55, 0.43, 0.02])),
        "RECEIVED": fmt(received, CAD_DATE), "DISPATCHED": fmt(disp, CAD_DATE), "ENROUTE": fmt(enr, CAD_DATE),
        "ONSCENE": fmt(ons, CAD_DATE), "CLEARED": fmt(clr, CAD_DATE), "LOCATION": loc,
        "DISTRICT": p["police_district"].to_numpy(), "BEAT": p["beat"].to_numpy(), "UNIT": unit.to_numpy(),
        "DISPOSITION": dispo, "CALLER_VICTIM": np.array([t[5] for t in CALL_TYPES], dtype=object)[ti],
    })
    bad = rng.choice(np.flatnonzero(~planted_mask), 3, replace=False)
    df.loc[bad[0], "RECEIVED"] = "2025-02-30 14:11:09"
    df.loc[bad[1], "DISPOSITION"] = "UNK"
    df.loc[bad[2], "CALLER_VICTIM"] = ""
    return df, planted_ids("police", call_no, ev)


def fire_incidents(
    rng: np.random.Generator, parcels: pd.DataFrame, n: int, planted: pd.DataFrame | None
) -> tuple[list[dict], pd.DataFrame]:
    """NFIRS basic-module incidents as JSON records: (records, planted rows with their ids)."""
    hours = [3, 2.5, 2, 2, 2, 2.5, 3, 4, 5, 5.5, 6, 6, 6, 6, 6, 6, 6, 6.5, 6.5, 6, 5.5, 5, 4, 3.5]
    ts = sample_times(rng, n, hour_w=hours, month_w=[11, 10, 9, 9, 9, 10, 11, 10, 9, 9, 9, 10])
    w = np.array([t[2] for t in FIRE_TYPES], float)
    bg = pd.DataFrame({"ts": ts, "ti": rng.choice(len(w), n, p=w / w.sum()), "pidx": pick_parcels(rng, parcels, n, 0.8)})
    pl = planted.assign(ti=planted["code"].map(FIRE_CODES)) if planted is not None else None
    ev = combine(bg, pl)
    k, ti, planted_mask = len(ev), ev["ti"].to_numpy(), ev["planted"].to_numpy()
    p = parcels.iloc[ev["pidx"].to_numpy()].reset_index(drop=True)
    code = np.array([t[0] for t in FIRE_TYPES], dtype=object)[ti]
    road = np.isin(code, list(_ROAD)) & (rng.random(k) < 0.5) & ~planted_mask
    st = pd.Series(street_text(rng, p["sidx"].to_numpy(), p_typo=0.03, p_suffix=0.15))
    name, stype = st.str.rsplit(" ", n=1).str[0], st.str.rsplit(" ", n=1).str[1]
    ix = intersections()
    ixr = nearest_intersection(p["lat"].to_numpy(), p["lon"].to_numpy())
    other = np.where(ix["a"].to_numpy()[ixr] == p["sidx"].to_numpy(), ix["b"].to_numpy()[ixr], ix["a"].to_numpy()[ixr])
    alarm = ev["ts"].to_numpy()
    arrival = alarm + _lognormal_s(rng, 330, 0.35, k)
    clear = arrival + _lognormal_s(rng, np.where(code < "200", 3600, 1500), 0.6, k)
    fire = code < "200"
    loss = np.where(fire, np.round(rng.lognormal(7.5, 1.6, k), -2), 0)
    loss = np.where(np.isin(code, ["111"]), np.round(rng.lognormal(10.3, 1.0, k), -2), loss)
    latv = np.where(rng.random(k) < 0.12, np.nan, p["lat"].to_numpy())
    lonv = np.where(np.isnan(latv), np.nan, p["lon"].to_numpy())
    zero = rng.random(k) < 0.01
    latv[zero], lonv[zero] = 0.0, 0.0
    year = alarm.astype("datetime64[Y]").astype(int) + 1970
    seq = pd.Series(year).groupby(year).cumcount().to_numpy() + 1
    inc_no = [f"{y % 100:02d}{s:05d}" for y, s in zip(year, seq)]
    cols = {
        "FDID": ["52DEM"] * k, "INC_DATE": fmt(alarm, "%m%d%Y"), "INC_NO": inc_no, "EXP_NO": [0] * k,
        "STATION": p["station"].to_numpy(), "SHIFT": rng.choice(["A", "B", "C"], k),
        "INC_TYPE": code, "INC_TYPE_DESC": np.array([t[1] for t in FIRE_TYPES], dtype=object)[ti],
        "ALARM": fmt(alarm, NFIRS_DATE), "ARRIVAL": fmt(arrival, NFIRS_DATE), "LU_CLEAR": fmt(clear, NFIRS_DATE),
        "NUM_MILE": np.where(road, None, p["house_text"].to_numpy()), "STREET_PRE": [None] * k,
        "STREETNAME": name.to_numpy(), "STREETTYPE": stype.to_numpy(), "STREETSUF": [None] * k,
        "APT_NO": np.where((p["unit"] != "").to_numpy() & (rng.random(k) < 0.6), p["unit"].to_numpy(), None),
        "CITY": ["RACINE"] * k, "STATE_ID": ["WI"] * k, "ZIP5": p["zip"].to_numpy(),
        "CROSS_STREET": np.where(road, NAMES[other], None),
        "LATITUDE": latv, "LONGITUDE": lonv,
        "PROP_USE": np.where(p["cls"] == "G1", "419", np.where(p["cls"] == "G2", "500", "900")),
        "PROP_LOSS": loss, "AID": rng.choice(["N", "N", "N", "N", "N", "N", "N", "N", "1", "3"], k),
    }
    recs = pd.DataFrame(cols).astype(object)
    recs = recs.where(pd.notna(recs), None)
    out = recs.to_dict(orient="records")
    for r in out:
        for key in ("LATITUDE", "LONGITUDE", "PROP_LOSS"):
            if r[key] is not None:
                r[key] = float(r[key])
    bad = int(rng.choice(np.flatnonzero(~planted_mask)))
    out[bad]["ALARM"] = "000000000000"
    return out, planted_ids("fire", inc_no, ev)
