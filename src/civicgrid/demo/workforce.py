"""The demo city's workforce settings and its (synthetic) labour-force benchmark.

Written beside ``city.yaml`` so that `civicgrid workforce report` on the demo has a
representation benchmark and the city's ZIP codes for the voluntary resident-hire rate.
The benchmark has the shape of ACS table C23002 (sex × labour-force status by race) but its
numbers are **synthetic**: rounded shares in the spirit of a mid-sized Wisconsin city, not
Census figures. A real city names its own ACS extract instead.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from civicgrid.demo.common import MARKER
from civicgrid.demo.streets import ZIPS

# synthetic labour force (people 16+ in the labour force) by ACS race iteration code and sex
_LABOR_FORCE = {
    "H": ("White alone, not Hispanic or Latino", 10_900, 9_800),
    "B": ("Black or African American Alone", 4_300, 4_700),
    "I": ("Hispanic or Latino", 4_600, 3_900),
    "D": ("Asian Alone", 260, 240),
    "C": ("American Indian and Alaska Native Alone", 110, 100),
    "G": ("Two or More Races", 700, 690),
}
RACE_GROUPS = {
    "White": "White (not Hispanic)", "Black or African American": "Black",
    "Hispanic or Latino": "Hispanic or Latino", "Asian": "Asian",
    "American Indian or Alaska Native": "American Indian or Alaska Native",
    "Two or More Races": "Two or more races",
}
_CODE_GROUP = {"H": "White (not Hispanic)", "B": "Black", "I": "Hispanic or Latino", "D": "Asian",
               "C": "American Indian or Alaska Native", "G": "Two or more races"}


def write_workforce_files(out_dir: Path) -> Path:
    """Write ``labor_force_benchmark.csv`` and ``workforce.yaml`` into ``out_dir``; return the YAML path."""
    out_dir = Path(out_dir)
    lines = ["NAME,report_variable,population,race_code,var_code,race,description,gender,age_group,in_labor_force"]
    for code, (label, male, female) in _LABOR_FORCE.items():
        for sex, n in (("male", male), ("female", female)):
            lines.append(f'"Racine city, Wisconsin (SYNTHETIC)",C23002{code}_{sex[0].upper()}LF,{n},{code},0,'
                         f'"{label}",{sex}_in_labor_force,{sex},16 and over,yes')
    (out_dir / "labor_force_benchmark.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = {
        "min_group": 5,
        "city_zips": list(ZIPS),
        "representation": {
            "benchmark": {"file": "labor_force_benchmark.csv", "universe": "labor_force",
                          "label": "synthetic labour force shaped like ACS C23002 (demo only)",
                          "race_codes": _CODE_GROUP},
            "race_groups": RACE_GROUPS,
        },
    }
    path = out_dir / "workforce.yaml"
    path.write_text(f"# {MARKER}\n" + yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return path
