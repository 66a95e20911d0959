"""Write addresses the way real exports do: typos, suffix variants, unit formats, blocks, crossings.

All functions are vectorized over numpy arrays of street indices and house numbers and draw
every random choice from the generator passed in, so output is reproducible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civicgrid.demo.streets import BASE, NAMES, STREETS, TYPES, intersections

SUFFIX_VARIANTS = {
    "AVE": ["AV", "AVENUE", "AVE."],
    "ST": ["STREET", "STR", "ST."],
    "DR": ["DRIVE", "DR."],
    "BLVD": ["BL", "BOULEVARD"],
}
_VOWELS = set("AEIOU")


def _typos(name: str) -> list[str]:
    """Two plausible misspellings that keep the first three letters (e.g. WASHINGTN, WASHIGNTON)."""
    if name[0].isdigit():  # 16TH -> 16, 16 TH
        digits = name.rstrip("STNDRH")
        return [digits, f"{digits} {name[len(digits):]}"]
    drop = next((i for i in range(len(name) - 1, 2, -1) if name[i] in _VOWELS), len(name) - 1)
    dropped = name[:drop] + name[drop + 1:]
    k = max(3, len(name) // 2)
    swapped = name[:k] + name[k + 1] + name[k] + name[k + 2:] if len(name) > k + 2 else name + name[-1]
    return [dropped, swapped]


_TYPO = np.array([_typos(s.name) for s in STREETS], dtype=object)  # (n_streets, 2)
_SUFFIX_VAR = np.array([(SUFFIX_VARIANTS[s.type] + SUFFIX_VARIANTS[s.type])[:3] for s in STREETS], dtype=object)


def _cased(rng: np.random.Generator, s: pd.Series, p_title: float, p_lower: float = 0.0) -> pd.Series:
    u = rng.random(len(s))
    out = s.copy()
    title = u < p_title
    lower = (u >= p_title) & (u < p_title + p_lower)
    out[title] = s[title].str.title()
    out[lower] = s[lower].str.lower()
    return out


def street_text(rng: np.random.Generator, sidx: np.ndarray, p_typo: float = 0.0, p_suffix: float = 0.0) -> np.ndarray:
    """Street names (``WASHINGTON AVE``) with a share of misspellings and suffix variants."""
    n = len(sidx)
    base = BASE[sidx].copy()
    typo = rng.random(n) < p_typo
    which = rng.integers(0, 2, n)
    base[typo] = _TYPO[sidx[typo], which[typo]]
    suf = TYPES[sidx].copy()
    var = rng.random(n) < p_suffix
    pick = rng.integers(0, 3, n)
    suf[var] = _SUFFIX_VAR[sidx[var], pick[var]]
    return (pd.Series(base, dtype=object) + " " + pd.Series(suf, dtype=object)).to_numpy(dtype=object)


def unit_text(rng: np.random.Generator, unit: np.ndarray, p_drop: float = 0.3) -> np.ndarray:
    """Unit suffixes as written by hand: `` APT 2``, `` #2``, `` UNIT 2``, `` APT. 2`` or dropped."""
    n = len(unit)
    unit = pd.Series(unit, dtype=object).fillna("").astype(str)
    style = rng.choice(5, n, p=[0.35, 0.3, 0.15, 0.1, 0.1])
    prefix = np.array([" APT ", " #", " UNIT ", " APT. ", " STE "], dtype=object)[style]
    out = pd.Series(prefix, dtype=object) + unit
    drop = (unit == "").to_numpy() | (rng.random(n) < p_drop)
    out[drop] = ""
    return out.to_numpy(dtype=object)


def full_address(
    rng: np.random.Generator,
    house: np.ndarray,
    sidx: np.ndarray,
    unit: np.ndarray | None = None,
    *,
    p_typo: float = 0.0,
    p_suffix: float = 0.0,
    p_title: float = 0.0,
    p_lower: float = 0.0,
    p_unit_drop: float = 0.3,
    p_city: float = 0.0,
    zips: np.ndarray | None = None,
) -> np.ndarray:
    """``1234 WASHINGTON AVE APT 2`` with configurable messiness; ``p_city`` appends ``, RACINE, WI 53403``."""
    n = len(sidx)
    s = pd.Series(house, dtype=object).astype(str) + " " + pd.Series(street_text(rng, sidx, p_typo, p_suffix))
    if unit is not None:
        s = s + pd.Series(unit_text(rng, unit, p_unit_drop))
    s = s.where(rng.random(n) >= 0.01, s.str.replace(" ", "  ", n=1))  # stray double space
    if zips is not None and p_city > 0:
        add = rng.random(n) < p_city
        s[add] = s[add] + ", RACINE, WI " + pd.Series(zips, dtype=object)[add]
    return _cased(rng, s, p_title, p_lower).to_numpy(dtype=object)


def block_text(rng: np.random.Generator, house: np.ndarray, sidx: np.ndarray, p_blk: float = 0.05) -> np.ndarray:
    """CAD-style hundred blocks: ``1400 BLOCK OF WASHINGTON AVE`` (a few ``1400 BLK WASHINGTON AVE``)."""
    n = len(sidx)
    hb = pd.Series((np.asarray(house, dtype=np.int64) // 100) * 100, dtype=object).astype(str)
    word = np.where(rng.random(n) < p_blk, " BLK ", " BLOCK OF ").astype(object)
    return (hb + pd.Series(word) + pd.Series(NAMES[sidx])).to_numpy(dtype=object)


def crossing_text(rng: np.random.Generator, ix_rows: np.ndarray, seps: tuple[str, ...] = (" / ",), p_swap: float = 0.5) -> np.ndarray:
    """Intersections as ``DOUGLAS AVE / 16TH ST`` (order and separator vary)."""
    ix = intersections()
    a = NAMES[ix["a"].to_numpy()[ix_rows]]
    b = NAMES[ix["b"].to_numpy()[ix_rows]]
    swap = rng.random(len(ix_rows)) < p_swap
    first = np.where(swap, b, a)
    second = np.where(swap, a, b)
    sep = np.array(seps, dtype=object)[rng.integers(0, len(seps), len(ix_rows))]
    return (pd.Series(first, dtype=object) + pd.Series(sep) + pd.Series(second, dtype=object)).to_numpy(dtype=object)
