"""USPS Publication 28 tables: street suffixes, directionals, secondary unit designators, states.

Sources:
- Street suffixes: USPS Publication 28, *Postal Addressing Standards*, Appendix C1
  ("Street Suffix Abbreviations"). The full C1 table (548 spellings) ships with
  usaddress-scourgify as ``scourgify.address_constants.STREET_TYPE_ABBREVIATIONS``; it is used
  when importable. Otherwise :data:`_C1_COMPACT` below, the common C1 rows, is used.
- Secondary unit designators: Publication 28, Appendix C2.
- Directionals: Publication 28, section 233 (N, S, E, W, NE, NW, SE, SW).
- States: Publication 28, Appendix B (two-letter codes), with the long names and old
  abbreviations that scourgify lists.

Local additions, which are *not* in Pub 28 but are how city systems write suffixes, live in
:data:`LOCAL_SUFFIXES` (Pittsburgh police ``BL``/``BV``/``BO`` = boulevard, ``WA`` = way,
``TUN`` = tunnel, ``BRDG`` = bridge).
"""

from __future__ import annotations

#: Common rows of Pub 28 Appendix C1, used only when scourgify's full table cannot be imported.
_C1_COMPACT: dict[str, str] = {
    "ALLEY": "ALY", "ALLY": "ALY", "ALY": "ALY", "AV": "AVE", "AVE": "AVE", "AVEN": "AVE",
    "AVENUE": "AVE", "AVN": "AVE", "BEND": "BND", "BND": "BND", "BLUFF": "BLF", "BLF": "BLF",
    "BOULEVARD": "BLVD", "BOUL": "BLVD", "BOULV": "BLVD", "BLVD": "BLVD", "BRIDGE": "BRG",
    "BRG": "BRG", "BYPASS": "BYP", "BYP": "BYP", "CIRCLE": "CIR", "CIR": "CIR", "CIRC": "CIR",
    "COURT": "CT", "CT": "CT", "COURTS": "CTS", "CTS": "CTS", "COVE": "CV", "CV": "CV",
    "CREEK": "CRK", "CRK": "CRK", "CRESCENT": "CRES", "CRES": "CRES", "CROSSING": "XING",
    "XING": "XING", "DRIVE": "DR", "DR": "DR", "DRV": "DR", "EXPRESSWAY": "EXPY", "EXPY": "EXPY",
    "EXTENSION": "EXT", "EXT": "EXT", "EXTN": "EXT", "FREEWAY": "FWY", "FWY": "FWY",
    "GARDENS": "GDNS", "GDNS": "GDNS", "GLEN": "GLN", "GLN": "GLN", "GREEN": "GRN", "GRN": "GRN",
    "GROVE": "GRV", "GRV": "GRV", "HEIGHTS": "HTS", "HTS": "HTS", "HIGHWAY": "HWY", "HWY": "HWY",
    "HILL": "HL", "HL": "HL", "HILLS": "HLS", "HLS": "HLS", "HOLLOW": "HOLW", "HOLW": "HOLW",
    "JUNCTION": "JCT", "JCT": "JCT", "LANE": "LN", "LN": "LN", "LOOP": "LOOP", "MALL": "MALL",
    "MANOR": "MNR", "MNR": "MNR", "MEADOWS": "MDWS", "MDWS": "MDWS", "MOUNT": "MT", "MT": "MT",
    "MOUNTAIN": "MTN", "MTN": "MTN", "OVAL": "OVAL", "PARK": "PARK", "PARKWAY": "PKWY",
    "PKWY": "PKWY", "PASS": "PASS", "PATH": "PATH", "PIKE": "PIKE", "PLACE": "PL", "PL": "PL",
    "PLAZA": "PLZ", "PLZ": "PLZ", "POINT": "PT", "PT": "PT", "RAMP": "RAMP", "RIDGE": "RDG",
    "RDG": "RDG", "ROAD": "RD", "RD": "RD", "ROUTE": "RTE", "RTE": "RTE", "ROW": "ROW",
    "RUN": "RUN", "SQUARE": "SQ", "SQ": "SQ", "STREET": "ST", "STR": "ST", "ST": "ST",
    "TERRACE": "TER", "TER": "TER", "TRAIL": "TRL", "TRL": "TRL", "TUNNEL": "TUNL",
    "TUNL": "TUNL", "TURNPIKE": "TPKE", "TPKE": "TPKE", "VIEW": "VW", "VW": "VW",
    "VILLAGE": "VLG", "VLG": "VLG", "VISTA": "VIS", "VIS": "VIS", "WALK": "WALK",
    "WAY": "WAY", "WY": "WAY",
}

#: Suffix spellings seen in city exports that Pub 28 does not list (spelling -> C1 abbreviation).
LOCAL_SUFFIXES: dict[str, str] = {
    "BL": "BLVD", "BV": "BLVD", "BLV": "BLVD", "BO": "BLVD", "WA": "WAY", "WY": "WAY",
    "AV": "AVE", "TUN": "TUNL", "BRDG": "BRG", "TERR": "TER",
}

try:  # the full Appendix C1 table, as shipped by usaddress-scourgify
    from scourgify.address_constants import (
        OCCUPANCY_TYPE_ABBREVIATIONS as _SCOURGIFY_UNITS,
        STATE_ABBREVIATIONS as _SCOURGIFY_STATES,
        STREET_TYPE_ABBREVIATIONS as _SCOURGIFY_C1,
    )

    SUFFIX_SOURCE = "usaddress-scourgify (USPS Pub 28 Appendix C1)"
    _C1 = {k: v for k, v in _SCOURGIFY_C1.items() if " " not in k and " " not in v}
except Exception:  # pragma: no cover - exercised only without scourgify installed
    _SCOURGIFY_UNITS, _SCOURGIFY_STATES = {}, {}
    SUFFIX_SOURCE = "civicgrid compact table (USPS Pub 28 Appendix C1, common rows)"
    _C1 = dict(_C1_COMPACT)

#: street-suffix spelling (upper case) -> Pub 28 standard abbreviation
STREET_SUFFIXES: dict[str, str] = {**_C1, **LOCAL_SUFFIXES}

#: Pub 28 directionals, long and short spellings -> abbreviation
DIRECTIONALS: dict[str, str] = {
    "N": "N", "S": "S", "E": "E", "W": "W", "NE": "NE", "NW": "NW", "SE": "SE", "SW": "SW",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "NORTHEAST": "NE",
    "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
}

#: Pub 28 Appendix C2 designators that take an identifier ("APT 4"), spellings -> abbreviation
UNITS_WITH_ID: dict[str, str] = {
    "APT": "APT", "APARTMENT": "APT", "BLDG": "BLDG", "BUILDING": "BLDG", "DEPT": "DEPT",
    "DEPARTMENT": "DEPT", "FL": "FL", "FLR": "FL", "FLOOR": "FL", "HNGR": "HNGR",
    "HANGAR": "HNGR", "LOT": "LOT", "RM": "RM", "ROOM": "RM", "SPC": "SPC", "SPACE": "SPC",
    "STE": "STE", "SUITE": "STE", "TRLR": "TRLR", "TRAILER": "TRLR", "UNIT": "UNIT",
    "PIER": "PIER", "SLIP": "SLIP", "KEY": "KEY", "STOP": "STOP",
}
#: Pub 28 Appendix C2 designators used without an identifier ("REAR"), spellings -> abbreviation
UNITS_WITHOUT_ID: dict[str, str] = {
    "BSMT": "BSMT", "BASEMENT": "BSMT", "FRNT": "FRNT", "FRONT": "FRNT", "LBBY": "LBBY",
    "LOBBY": "LBBY", "LOWR": "LOWR", "LOWER": "LOWR", "OFC": "OFC", "OFFICE": "OFC",
    "PH": "PH", "PENTHOUSE": "PH", "REAR": "REAR", "SIDE": "SIDE", "UPPR": "UPPR",
    "UPPER": "UPPR",
}
for _k, _v in _SCOURGIFY_UNITS.items():  # keep scourgify's spellings of the same designators
    if _k.isalpha() and _v in UNITS_WITH_ID.values():
        UNITS_WITH_ID.setdefault(_k, _v)

#: state spelling -> two-letter code (Pub 28 Appendix B)
STATES: dict[str, str] = {
    "AL": "AL", "AK": "AK", "AZ": "AZ", "AR": "AR", "CA": "CA", "CO": "CO", "CT": "CT",
    "DE": "DE", "DC": "DC", "FL": "FL", "GA": "GA", "HI": "HI", "ID": "ID", "IL": "IL",
    "IN": "IN", "IA": "IA", "KS": "KS", "KY": "KY", "LA": "LA", "ME": "ME", "MD": "MD",
    "MA": "MA", "MI": "MI", "MN": "MN", "MS": "MS", "MO": "MO", "MT": "MT", "NE": "NE",
    "NV": "NV", "NH": "NH", "NJ": "NJ", "NM": "NM", "NY": "NY", "NC": "NC", "ND": "ND",
    "OH": "OH", "OK": "OK", "OR": "OR", "PA": "PA", "RI": "RI", "SC": "SC", "SD": "SD",
    "TN": "TN", "TX": "TX", "UT": "UT", "VT": "VT", "VA": "VA", "WA": "WA", "WV": "WV",
    "WI": "WI", "WY": "WY", "PR": "PR", "GU": "GU", "VI": "VI",
    "PENNSYLVANIA": "PA", "MICHIGAN": "MI", "CALIFORNIA": "CA", "OHIO": "OH",
    "MARYLAND": "MD", "WISCONSIN": "WI", "DISTRICT OF COLUMBIA": "DC",
}
for _k, _v in _SCOURGIFY_STATES.items():
    STATES.setdefault(_k.upper(), _v)

#: Two-letter codes also accepted as a state when written bare at the end of a string with no
#: comma and no ZIP ("... PITTSBURGH PA"). Codes that are also suffixes, directionals, unit
#: designators or common words (CT, NE, FL, WY, WA, IN, OR, ...) are left out on purpose.
BARE_STATE_CODES: frozenset[str] = frozenset(
    c for c in {v for v in STATES.values()}
    if c not in STREET_SUFFIXES and c not in DIRECTIONALS and c not in UNITS_WITH_ID
    and c not in UNITS_WITHOUT_ID
    and c not in {"IN", "OR", "ME", "OK", "HI", "ID", "OH", "AL", "CO", "MA", "MO", "LA",
                  "DE", "AR", "GA", "VA", "MS", "PR", "UT", "VI", "SC", "NY", "NC", "ND"}
)

#: Countries written after a state ("Detroit, Michigan, USA")
COUNTRIES: frozenset[str] = frozenset({"USA", "US", "U S A", "U S", "UNITED STATES",
                                       "UNITED STATES OF AMERICA", "AMERICA"})

#: first word of a street name -> spelled-out form, so "ST LOUIS" == "SAINT LOUIS"
NAME_PREFIXES: dict[str, str] = {"ST": "SAINT", "STE": "SAINTE", "MT": "MOUNT", "FT": "FORT"}


def suffix_abbreviation(word: str) -> str | None:
    """Return the Pub 28 Appendix C1 abbreviation of a street suffix, or None.

    ``word`` is one upper-case token: ``"AVENUE"`` -> ``"AVE"``, ``"AV"`` -> ``"AVE"``,
    ``"BL"`` -> ``"BLVD"`` (local addition), ``"DITHRIDGE"`` -> None.
    """
    return STREET_SUFFIXES.get(word)


def directional_abbreviation(word: str) -> str | None:
    """Return the Pub 28 directional (``"NORTH"`` -> ``"N"``), or None for other words."""
    return DIRECTIONALS.get(word)
