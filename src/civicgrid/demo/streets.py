"""Racine, WI street network for the synthetic demo city: real street names, simplified geometry.

Each street is one straight segment between two points, with the house numbers at its two
ends; a house number is placed by linear interpolation along it. Names and ZIP codes are
Racine's; the geometry is only roughly where the streets are (inside the real bounding box
42.68–42.78 N, 87.86–87.76 W), and the neighbourhood, district and area boundaries are
invented. The geography is fixed: it does not depend on the seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

CITY = "RACINE"
STATE = "WI"
ZIPS = ["53402", "53403", "53404", "53405", "53406"]
BBOX = {"lat": (42.68, 42.78), "lon": (-87.86, -87.76)}


@dataclass(frozen=True)
class Street:
    """One street: name without type, type abbreviation (USPS), end points and house numbers."""

    name: str
    type: str
    lat0: float
    lon0: float
    lat1: float
    lon1: float
    num0: int
    num1: int

    @property
    def full(self) -> str:
        """Canonical upper-case name, e.g. ``WASHINGTON AVE``."""
        return f"{self.name} {self.type}"


def _ordinal(k: int) -> str:
    suffix = "TH" if 10 <= k % 100 <= 20 else {1: "ST", 2: "ND", 3: "RD"}.get(k % 10, "TH")
    return f"{k}{suffix}"


def _lat_numbered(k: float) -> float:
    return 42.7330 - 0.00105 * k


def _build() -> list[Street]:
    s = Street
    out = [
        # diagonals and arterials
        s("WASHINGTON", "AVE", 42.7275, -87.7900, 42.7160, -87.8580, 500, 4200),
        s("NORTHWESTERN", "AVE", 42.7370, -87.8000, 42.7680, -87.8560, 1400, 4500),
        s("DOUGLAS", "AVE", 42.7330, -87.7900, 42.7790, -87.8020, 500, 5400),
        s("TAYLOR", "AVE", 42.7150, -87.8000, 42.6990, -87.8120, 1400, 3000),
        s("DURAND", "AVE", 42.6975, -87.7880, 42.6975, -87.8580, 1000, 4200),
        s("ROMAYNE", "AVE", 42.7030, -87.8050, 42.7030, -87.8450, 2000, 3600),
        # east-west, north side
        s("STATE", "ST", 42.7345, -87.7830, 42.7345, -87.8200, 100, 2200),
        s("HAMILTON", "ST", 42.7395, -87.7830, 42.7395, -87.8000, 100, 900),
        s("HIGH", "ST", 42.7440, -87.7830, 42.7440, -87.8050, 100, 1400),
        s("KINZIE", "AVE", 42.7425, -87.8060, 42.7425, -87.8550, 1500, 4500),
        s("SPRING", "ST", 42.7490, -87.7950, 42.7490, -87.8550, 1200, 4200),
        s("GOOLD", "ST", 42.7545, -87.7830, 42.7545, -87.8350, 500, 3500),
        s("YOUT", "ST", 42.7610, -87.7850, 42.7610, -87.8300, 800, 3000),
        # north-south, south of downtown (numbers rise southward)
        s("LAKE", "AVE", 42.7290, -87.7815, 42.7160, -87.7815, 300, 1600),
        s("MAIN", "ST", 42.7300, -87.7835, 42.7000, -87.7835, 100, 2800),
        s("WISCONSIN", "AVE", 42.7290, -87.7855, 42.7120, -87.7855, 500, 2200),
        s("COLLEGE", "AVE", 42.7270, -87.7875, 42.7080, -87.7875, 600, 2400),
        s("VILLA", "ST", 42.7290, -87.7895, 42.7050, -87.7895, 500, 2800),
        s("PARK", "AVE", 42.7260, -87.7915, 42.7100, -87.7915, 800, 2300),
        s("RACINE", "ST", 42.7290, -87.7935, 42.6990, -87.7935, 500, 3200),
        s("CENTER", "ST", 42.7250, -87.7955, 42.7060, -87.7955, 1000, 2700),
        s("GRAND", "AVE", 42.7230, -87.7975, 42.7080, -87.7975, 1000, 2400),
        s("HOWE", "ST", 42.7250, -87.7995, 42.7130, -87.7995, 1000, 2200),
        s("MEMORIAL", "DR", 42.7380, -87.8015, 42.7150, -87.8015, 500, 2200),
        s("PHILLIPS", "AVE", 42.7200, -87.8100, 42.6990, -87.8100, 1500, 3600),
        s("PACKARD", "AVE", 42.7230, -87.8150, 42.7000, -87.8150, 1300, 3500),
        s("LATHROP", "AVE", 42.7250, -87.8190, 42.6975, -87.8190, 800, 3600),
        s("WEST", "BLVD", 42.7450, -87.8230, 42.7100, -87.8230, 800, 2500),
        s("CARLISLE", "AVE", 42.7230, -87.8265, 42.7000, -87.8265, 1500, 3700),
        s("OHIO", "ST", 42.7240, -87.8300, 42.6975, -87.8300, 1500, 4000),
        s("KENTUCKY", "ST", 42.7240, -87.8360, 42.6990, -87.8360, 1600, 3900),
        s("GREEN", "ST", 42.7240, -87.8420, 42.6975, -87.8420, 1800, 4000),
        # north-south, north of downtown (numbers rise northward)
        s("MARQUETTE", "ST", 42.7300, -87.7890, 42.7480, -87.7890, 300, 1500),
        s("SUPERIOR", "ST", 42.7450, -87.7905, 42.7600, -87.7905, 1000, 2000),
        s("CHATHAM", "ST", 42.7480, -87.7850, 42.7700, -87.7850, 1500, 3500),
        s("ERIE", "ST", 42.7450, -87.7820, 42.7780, -87.7800, 1000, 4500),
        s("GENEVA", "ST", 42.7360, -87.7925, 42.7480, -87.7925, 900, 1800),
        s("MOUND", "AVE", 42.7350, -87.8060, 42.7650, -87.8060, 1000, 3000),
        s("BLAINE", "AVE", 42.7380, -87.8120, 42.7600, -87.8120, 1200, 2900),
    ]
    for k in range(3, 27):  # 3rd St … 26th St, east-west, numbers rise westward
        west = -87.8150 if k <= 10 else -87.8480
        last = 200 + int((-87.7815 - west) * 45000) // 100 * 100
        out.append(s(_ordinal(k), "ST", _lat_numbered(k), -87.7815, _lat_numbered(k), west, 200, last))
    return out


STREETS: list[Street] = _build()
NAMES = np.array([st.full for st in STREETS], dtype=object)
BASE = np.array([st.name for st in STREETS], dtype=object)
TYPES = np.array([st.type for st in STREETS], dtype=object)
_A = np.array([[st.lat0, st.lon0, st.lat1, st.lon1, st.num0, st.num1] for st in STREETS], dtype=float)

NEIGHBORHOODS = [  # invented boundaries: nearest centre wins
    ("Downtown", 42.7280, -87.7860), ("Southside", 42.7120, -87.7880), ("Uptown", 42.7190, -87.8020),
    ("West Racine", 42.7220, -87.8330), ("Lincoln-King", 42.7250, -87.8120), ("Towerview", 42.7050, -87.8000),
    ("Southwest", 42.7020, -87.8350), ("Douglas Park", 42.7450, -87.7960), ("North Side", 42.7620, -87.7880),
    ("Northwest", 42.7560, -87.8350), ("Lakeside", 42.7420, -87.7840), ("Island Park", 42.7380, -87.8050),
    ("Horlick", 42.7700, -87.8000),
]
DISTRICT_CENTRES = [  # 15 aldermanic districts (invented boundaries)
    (42.7290, -87.7850), (42.7200, -87.7860), (42.7100, -87.7880), (42.7030, -87.7980), (42.7140, -87.8020),
    (42.7230, -87.8030), (42.7200, -87.8200), (42.7060, -87.8200), (42.7040, -87.8400), (42.7200, -87.8420),
    (42.7400, -87.7880), (42.7420, -87.8050), (42.7460, -87.8350), (42.7600, -87.7900), (42.7630, -87.8200),
]
FIRE_STATIONS = [  # (label, lat, lon) — invented locations
    ("STA 1", 42.7300, -87.7870), ("STA 2", 42.7150, -87.7950), ("STA 3", 42.7470, -87.7920),
    ("STA 4", 42.7200, -87.8250), ("STA 5", 42.7030, -87.8150), ("STA 6", 42.7600, -87.8200),
    ("STA 7", 42.7430, -87.8450),
]
INSPECTORS = {"AREA 1": "INSP-01", "AREA 2": "INSP-02", "AREA 3": "INSP-03", "AREA 4": "INSP-04", "AREA 5": "INSP-05"}


def place(street_idx: np.ndarray, house: np.ndarray, rng: np.random.Generator, jitter: float = 0.00012) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude of house numbers on streets (odd numbers on one side, even on the other)."""
    a = _A[street_idx]
    span = np.where(a[:, 5] != a[:, 4], a[:, 5] - a[:, 4], 1.0)
    t = np.clip((house - a[:, 4]) / span, 0.0, 1.0)
    lat = a[:, 0] + t * (a[:, 2] - a[:, 0])
    lon = a[:, 1] + t * (a[:, 3] - a[:, 1])
    dlat, dlon = a[:, 2] - a[:, 0], a[:, 3] - a[:, 1]
    norm = np.hypot(dlat, dlon) + 1e-12
    side = np.where(house % 2 == 0, 1.0, -1.0) * 0.00018
    lat = lat + side * (-dlon / norm) + rng.normal(0, jitter, len(house))
    lon = lon + side * (dlat / norm) + rng.normal(0, jitter, len(house))
    return np.round(lat, 6), np.round(lon, 6)


def _nearest(lat: np.ndarray, lon: np.ndarray, centres: list[tuple[float, float]]) -> np.ndarray:
    c = np.asarray(centres, dtype=float)
    d = (lat[:, None] - c[None, :, 0]) ** 2 + ((lon[:, None] - c[None, :, 1]) * 0.735) ** 2
    return d.argmin(axis=1)


def zip_for(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """ZIP code from location (simplified boundaries over Racine's real ZIPs 53402–53406)."""
    conds = [lat >= 42.742, lon >= -87.800, (lon < -87.835) & (lat < 42.715), lon < -87.820]
    return np.select(conds, ["53402", "53403", "53406", "53405"], default="53404").astype(object)


def areas(lat: np.ndarray, lon: np.ndarray) -> pd.DataFrame:
    """Administrative areas of points: neighbourhood, aldermanic district, inspection area,
    police district and beat, fire station."""
    nb = np.array([n for n, _, _ in NEIGHBORHOODS], dtype=object)[_nearest(lat, lon, [(a, b) for _, a, b in NEIGHBORHOODS])]
    dist = (_nearest(lat, lon, DISTRICT_CENTRES) + 1).astype(str).astype(object)
    insp = np.select(
        [(lat >= 42.736) & (lon >= -87.796), lat >= 42.736, (lat >= 42.712) & (lon >= -87.798), lon >= -87.810],
        ["AREA 1", "AREA 2", "AREA 3", "AREA 4"], default="AREA 5").astype(object)
    pdist = np.select([lat >= 42.737, lat >= 42.713], ["1", "2"], default="3")
    quarter = np.clip(((lon + 87.858) / (0.0765 / 4)).astype(int), 0, 3)
    beat = np.char.add(pdist.astype(str), (4 - quarter).astype(str)).astype(object)
    st = np.array([n for n, _, _ in FIRE_STATIONS], dtype=object)[_nearest(lat, lon, [(a, b) for _, a, b in FIRE_STATIONS])]
    return pd.DataFrame({"neighborhood": nb, "district": dist, "insp_area": insp,
                         "police_district": pdist.astype(object), "beat": beat, "station": st})


@lru_cache(maxsize=1)
def intersections() -> pd.DataFrame:
    """Every pair of streets whose segments cross: street indices and the crossing point."""
    rows = []
    for i in range(len(STREETS)):
        for j in range(i + 1, len(STREETS)):
            p, r = _A[i, [0, 1]], _A[i, [2, 3]] - _A[i, [0, 1]]
            q, s = _A[j, [0, 1]], _A[j, [2, 3]] - _A[j, [0, 1]]
            den = r[0] * s[1] - r[1] * s[0]
            if abs(den) < 1e-12:
                continue
            t = ((q - p)[0] * s[1] - (q - p)[1] * s[0]) / den
            u = ((q - p)[0] * r[1] - (q - p)[1] * r[0]) / den
            if -0.02 <= t <= 1.02 and -0.02 <= u <= 1.02:
                pt = p + t * r
                num_i = _A[i, 4] + t * (_A[i, 5] - _A[i, 4])
                rows.append((i, j, round(pt[0], 6), round(pt[1], 6), num_i))
    return pd.DataFrame(rows, columns=["a", "b", "lat", "lon", "num_a"])


def nearest_intersection(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Row index into :func:`intersections` of the crossing nearest to each point."""
    from scipy.spatial import cKDTree

    ix = intersections()
    tree = cKDTree(np.c_[ix["lat"].to_numpy(), ix["lon"].to_numpy() * 0.735])
    _, idx = tree.query(np.c_[lat, lon * 0.735])
    return idx
