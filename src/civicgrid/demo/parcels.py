"""The parcel spine: an assessor roll of ~25,000 Racine-style parcels.

Tax keys look like Racine's 15-digit keys: ``276`` (city) + 4 zeros + a 5-digit sequence +
a 3-digit suffix (``000``, or ``001``… for condominium units), e.g. ``276000001234000``.
Owners are synthetic companies, public bodies or ``OWNER-xxxxx`` tokens; mailing addresses
are ``MAIL-xxxxx`` tokens. Some addresses are shared by several parcels (condo units without
a unit on the roll, vacant lots published as ``0 DURAND AVE``) so linkage has ambiguity to show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civicgrid.demo.streets import NAMES, STREETS, areas, place, zip_for

# use, class code, share, median total value, lot sqft median
USES = [
    ("SINGLE FAMILY", "G1", 0.600, 128_000, 5_400), ("TWO FAMILY", "G1", 0.150, 112_000, 5_000),
    ("3-4 FAMILY", "G1", 0.030, 150_000, 6_000), ("CONDOMINIUM", "G1", 0.030, 135_000, 0),
    ("VACANT RESIDENTIAL", "G1", 0.025, 9_000, 4_800), ("APARTMENT 5+ UNITS", "G2", 0.022, 620_000, 14_000),
    ("RETAIL", "G2", 0.030, 260_000, 9_000), ("OFFICE", "G2", 0.014, 330_000, 10_000),
    ("RESTAURANT/BAR", "G2", 0.010, 240_000, 7_500), ("MIXED USE", "G2", 0.016, 210_000, 4_500),
    ("AUTO SERVICE", "G2", 0.008, 230_000, 12_000), ("MANUFACTURING", "G3", 0.010, 900_000, 60_000),
    ("WAREHOUSE", "G3", 0.007, 540_000, 40_000), ("VACANT LAND", "G5", 0.015, 14_000, 9_000),
    ("CITY OWNED", "X4", 0.012, 0, 8_000), ("CHURCH", "X4", 0.008, 0, 15_000),
    ("SCHOOL", "X4", 0.003, 0, 90_000), ("PARK", "X4", 0.004, 0, 120_000),
]
CLASS_NAMES = {"G1": "residential", "G2": "commercial", "G3": "manufacturing", "G5": "undeveloped", "X4": "exempt"}
RENTAL_USES = {"TWO FAMILY", "3-4 FAMILY", "APARTMENT 5+ UNITS", "MIXED USE"}
_CO_A = ["LAKESHORE", "BELLE CITY", "ROOT RIVER", "HARBOR VIEW", "NORTH SHORE", "PRAIRIE", "WIND POINT",
         "KRINGLE", "LIGHTHOUSE", "MONUMENT SQUARE", "SIXTH STREET", "WEST END", "HORLICK", "GATEWAY",
         "MAPLE", "CEDAR", "OAKWOOD", "BADGER", "GREAT LAKES", "SOUTHPORT"]
_CO_B = ["PROPERTIES LLC", "RENTALS LLC", "HOLDINGS INC", "INVESTMENTS LLC", "REAL ESTATE TRUST",
         "HOMES LLC", "MANAGEMENT GROUP", "CAPITAL LLC", "VENTURES LLC", "PARTNERS LP"]
_MAIL_STATES = ["WI"] * 14 + ["IL", "IL", "MN", "FL", "CA", "TX"]


def _company_names(rng: np.random.Generator, n: int) -> list[str]:
    combos = [f"{a} {b}" for a in _CO_A for b in _CO_B]
    pick = rng.permutation(len(combos))[:n]
    return [f"SYNTH {combos[i]}" if i % 7 == 0 else combos[i] for i in pick]


def make_parcels(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """The internal parcel table (one row per parcel) used by every other generator.

    Columns include ``parcel_id``, ``house`` (int), ``house_text``, ``sidx`` (street index),
    ``unit``, ``lat``/``lon``, ``zip``, ``use``, ``cls``, ``owner``, ``rental`` and a latent
    ``activity`` weight that makes some parcels busier in every department.
    """
    shares = np.array([u[2] for u in USES])
    n_condo_units = int(n * shares[3])
    n_sites = n - n_condo_units + n_condo_units // 8
    lengths = np.array([abs(s.num1 - s.num0) for s in STREETS], float)
    # draw candidate addresses, keep distinct ones
    m = int(n_sites * 1.6)
    sidx = rng.choice(len(STREETS), m, p=lengths / lengths.sum())
    lo = np.array([min(s.num0, s.num1) for s in STREETS])[sidx]
    hi = np.array([max(s.num0, s.num1) for s in STREETS])[sidx]
    house = lo + (rng.random(m) * (hi - lo)).astype(int)
    cand = pd.DataFrame({"sidx": sidx, "house": house}).drop_duplicates().head(n_sites).reset_index(drop=True)
    p = shares.copy()
    p[3] = 0.0  # condominium buildings are placed below
    site_use = rng.choice(len(USES), len(cand), p=p / p.sum())
    condo_sites = rng.choice(len(cand), n_condo_units // 8, replace=False)
    site_use[condo_sites] = 3
    site_use = pd.Series(site_use)
    reps = np.where(site_use == 3, 8, 1)
    reps[condo_sites[: len(condo_sites) // 2]] = 6  # smaller buildings
    df = cand.loc[cand.index.repeat(reps)].reset_index(drop=True)
    df["use_i"] = site_use.repeat(reps).to_numpy()
    df["unit"] = df.groupby(["sidx", "house"]).cumcount() + 1
    df["unit"] = np.where(df["use_i"] == 3, (100 * (1 + (df["unit"] - 1) // 4) + (df["unit"] - 1) % 4 + 1).astype(str), "")
    df = df.head(n) if len(df) > n else df
    # a third of condominium buildings are on the roll without unit numbers (shared addresses)
    bare = df["use_i"].eq(3) & (df["house"] % 3 == 0)
    df.loc[bare, "unit"] = ""
    df["condo_bare"] = bare
    # vacant lots on the roll as house number 0 (shared, ambiguous addresses)
    vac = np.flatnonzero(df["use_i"].isin([4, 13]).to_numpy())
    zero = rng.choice(vac, min(len(vac), max(3, n // 500)), replace=False)
    df.loc[zero, "house"] = 0
    df = df.sort_values(["sidx", "house", "unit"], kind="stable").reset_index(drop=True)
    k = len(df)
    df["lat"], df["lon"] = place(df["sidx"].to_numpy(), np.where(df["house"] == 0, rng.integers(1000, 3000, k), df["house"]), rng)
    df["zip"] = zip_for(df["lat"].to_numpy(), df["lon"].to_numpy())
    df = pd.concat([df, areas(df["lat"].to_numpy(), df["lon"].to_numpy())], axis=1)
    site_key = np.where(df["use_i"] == 3, df["sidx"].astype(str) + ":" + df["house"].astype(str), df.index.astype(str))
    seq = pd.factorize(site_key)[0] + 1
    sub = np.where(df["use_i"] == 3, pd.Series(site_key).groupby(site_key).cumcount() + 1, 0)
    df["parcel_id"] = [f"2760000{a:05d}{b:03d}" for a, b in zip(seq, sub)]
    df["use"] = np.array([u[0] for u in USES], dtype=object)[df["use_i"]]
    df["cls"] = np.array([u[1] for u in USES], dtype=object)[df["use_i"]]
    df["rental"] = df["use"].isin(RENTAL_USES) | ((df["use"] == "SINGLE FAMILY") & (rng.random(k) < 0.22))
    df["house_text"] = df["house"].astype(str)
    dup = np.flatnonzero((df["use"] == "TWO FAMILY").to_numpy() & (rng.random(k) < 0.04) & (df["house"] % 2 == 1).to_numpy())
    df.loc[dup, "house_text"] = df.loc[dup, "house"].astype(str) + "-" + ((df.loc[dup, "house"] + 2) % 100).astype(str).str.zfill(2)
    # latent activity: older, central, rental parcels are busier everywhere
    south = np.hypot(df["lat"] - 42.716, (df["lon"] + 87.795) * 0.735)  # two busier areas
    north = np.hypot(df["lat"] - 42.748, (df["lon"] + 87.792) * 0.735)
    heat = 0.25 + np.exp(-south / 0.015) + 0.7 * np.exp(-north / 0.012)
    df["activity"] = heat * (1 + 1.5 * df["rental"]) * rng.lognormal(0, 0.8, k)
    df.loc[df["use"].isin(["PARK", "SCHOOL", "CHURCH", "CITY OWNED", "VACANT LAND"]), "activity"] *= 0.3
    _owners(rng, df)
    _values(rng, df)
    return df


def _owners(rng: np.random.Generator, df: pd.DataFrame) -> None:
    k = len(df)
    companies = _company_names(rng, 160)
    zipf = 1.0 / np.arange(1, len(companies) + 1) ** 0.9
    owner = pd.Series([f"OWNER-{i:05d}" for i in rng.permutation(k)], dtype=object)
    mail = pd.Series([f"MAIL-{i:05d}" for i in rng.permutation(k)], dtype=object)
    state = pd.Series("WI", index=df.index, dtype=object)
    corp = (df["rental"] & (rng.random(k) < 0.35)) | (df["cls"].isin(["G2", "G3"]) & (rng.random(k) < 0.7))
    ci = rng.choice(len(companies), k, p=zipf / zipf.sum())
    owner[corp] = np.array(companies, dtype=object)[ci[corp]]
    mail[corp] = pd.Series([f"MAIL-C{i:03d}" for i in ci])[corp]
    state[corp] = np.array(_MAIL_STATES, dtype=object)[ci[corp] % len(_MAIL_STATES)]
    absentee = df["rental"] & ~corp & (rng.random(k) < 0.25)
    state[absentee] = rng.choice(_MAIL_STATES, k)[absentee]
    condo = (df["use"] == "CONDOMINIUM").to_numpy()
    owner[condo & (rng.random(k) < 0.1)] = "CONDOMINIUM ASSOCIATION"
    public = {"CITY OWNED": "CITY OF RACINE", "PARK": "CITY OF RACINE", "SCHOOL": "RACINE UNIFIED SCHOOL DISTRICT"}
    for use, name in public.items():
        m = (df["use"] == use).to_numpy()
        owner[m], mail[m], state[m] = name, "MAIL-PUBLIC", "WI"
    church = (df["use"] == "CHURCH").to_numpy()
    owner[church] = [f"CONGREGATION-{i:03d} INC" for i in rng.integers(1, 60, church.sum())]
    df["owner"], df["mail"], df["mail_state"], df["corp"] = owner, mail, state, corp.to_numpy()


def _values(rng: np.random.Generator, df: pd.DataFrame) -> None:
    k = len(df)
    med = np.array([u[3] for u in USES], float)[df["use_i"]]
    total = np.round(med * rng.lognormal(0, 0.35, k) / 100) * 100
    land_share = np.where(df["use"].str.startswith("VACANT"), 1.0, rng.uniform(0.12, 0.3, k))
    df["land_value"] = np.round(total * land_share / 100) * 100
    df["impr_value"] = total - df["land_value"]
    df["total_value"] = total
    lot = np.array([u[4] for u in USES], float)[df["use_i"]]
    df["lot_sqft"] = np.where(lot > 0, np.round(lot * rng.lognormal(0, 0.3, k)), np.nan)
    yb = np.clip(np.round(1925 + rng.normal(0, 22, k) + 25 * (np.abs(df["lat"] - 42.72) > 0.02)), 1860, 2024)
    df["year_built"] = np.where(df["use"].str.contains("VACANT|PARK"), np.nan, yb)


def assessor_roll(rng: np.random.Generator, df: pd.DataFrame) -> pd.DataFrame:
    """The published assessor roll (``parcels.csv``): upper-case, with site address and values."""
    street = pd.Series(NAMES[df["sidx"]], dtype=object)
    unit = df["unit"].where(df["unit"] == "", "UNIT " + df["unit"])
    site = df["house_text"] + " " + street + np.where(unit != "", " " + unit, "")
    lat = df["lat"].where(rng.random(len(df)) >= 0.004)
    return pd.DataFrame({
        "TAXKEY": df["parcel_id"], "HOUSE_NO": df["house_text"], "STREET": street, "UNIT": df["unit"],
        "SITE_ADDRESS": site, "ZIP": df["zip"], "OWNER_NAME": df["owner"], "MAIL_TOKEN": df["mail"],
        "MAIL_STATE": df["mail_state"], "CLASS": df["cls"], "USE_DESC": df["use"],
        "LAND_VALUE": df["land_value"].astype(int), "IMPR_VALUE": df["impr_value"].astype(int),
        "TOTAL_VALUE": df["total_value"].astype(int), "LOT_SQFT": df["lot_sqft"].astype("Int64"),
        "YEAR_BUILT": df["year_built"].astype("Int64"), "NEIGHBORHOOD": df["neighborhood"],
        "ALD_DIST": df["district"], "LAT": lat, "LON": df["lon"].where(lat.notna()),
    })
