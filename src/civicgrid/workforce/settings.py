"""Settings of the workforce analytics: small-group suppression, name normalization, benchmark.

They live in ``workforce.yaml`` beside the city's ``city.yaml`` (the city configuration is
strict and has no place for analytics settings). :func:`load_settings` reads one; when the
report is given none it looks for ``workforce.yaml`` next to the config that built the
warehouse (``builds.config_path``) and otherwise uses the defaults below::

    min_group: 5                  # groups smaller than this are suppressed (GUIDE §6)
    exclude_departments: [Youth Summer]   # programme participants who are not city staff
    department_rule:
      replace:                    # regex → replacement, in order, repeated until nothing changes
        - ['\\s*\\((?:[A-Za-z0-9]{0,4})\\)?\\s*$', '']   # trailing "(031)", "(MIL)", "(0", "("
      aliases: {"Mayor's Office": Mayors Office}
      merge_truncated: true       # "COMP-Communication Ser" → "COMP-Communication Services"
    retention: {group_by: [department]}
    representation:
      benchmark: {source: acs_c23002_labor_force, universe: labor_force,
                  race_codes: {B: Black, H: White}}
      race_groups: {BLACK: Black, WHITE: White}
      sex_groups: {M: male, F: female}
    city_zips: ["53402", "53403", "53404", "53405", "53406"]   # resident-hire rate (voluntary goal)
    authorized_positions: {Fire: 150}                         # vacancy rate
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

#: trailing agency codes that drift between years: "(031)", "(MIL)", "(wkly)", a cut-off "(0" or "("
DEFAULT_DEPARTMENT_REPLACE: list[tuple[str, str]] = [
    (r"\s+", " "),
    (r"\s*\((?:[A-Za-z0-9]{0,4})\)?\s*$", ""),
    (r"\s+$", ""),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DepartmentRule(_Strict):
    """How department/agency labels that drift between yearly exports are made one name.

    Applied to every published label: ``replace`` (regex, replacement) pairs in order, repeated
    until the label stops changing; then ``aliases`` (exact, after replace); then, when
    ``merge_truncated`` is on, a label that is a strict prefix of exactly one other label, is at
    least ``min_truncated_length`` long, and never occurs in the same snapshot as it, is taken to
    be that label cut off by the export ("R&P-Recreation (part-ti" in FY2014 only →
    "R&P-Recreation (part-time)").
    """

    replace: list[tuple[str, str]] = Field(default_factory=lambda: list(DEFAULT_DEPARTMENT_REPLACE))
    aliases: dict[str, str] = Field(default_factory=dict)
    merge_truncated: bool = True
    min_truncated_length: int = 8


class RetentionSettings(_Strict):
    """Kaplan–Meier groups and curve grid."""

    group_by: list[str] = Field(default_factory=lambda: ["department"])
    grid_years: list[float] = Field(
        default_factory=lambda: [0.5, 1, 2, 3, 4, 5, 7, 10, 15, 20, 25, 30])
    max_groups: int = 40


class BenchmarkSettings(_Strict):
    """Where the benchmark population shares come from.

    ``source`` names a ``reference`` source whose rows are ACS table C23002 lines (attributes
    ``race_code``, ``gender``, ``in_labor_force``); ``universe`` is ``labor_force`` (rows with
    ``in_labor_force = yes``) or ``population`` (the sex totals). ``race_codes`` maps the ACS race
    iteration letters to the report's race groups; codes not listed are left out. ``file`` may
    instead point at the CSV itself (same columns), read directly.
    """

    source: str | None = None
    file: str | None = None
    universe: Literal["labor_force", "population"] = "labor_force"
    race_codes: dict[str, str] = Field(default_factory=dict)
    label: str = "labour force"


class RepresentationSettings(_Strict):
    """Groups of the representation table and the benchmark they are compared with."""

    benchmark: BenchmarkSettings = Field(default_factory=BenchmarkSettings)
    race_groups: dict[str, str] = Field(default_factory=dict)
    sex_groups: dict[str, str] = Field(default_factory=lambda: {"M": "male", "F": "female",
                                                                "MALE": "male", "FEMALE": "female"})


class WorkforceSettings(_Strict):
    """Everything the workforce report can be told; every key has a default."""

    min_group: int = Field(default=5, ge=1)
    suppress_zero: bool = False
    exclude_departments: list[str] = Field(default_factory=list)
    department_rule: DepartmentRule = Field(default_factory=DepartmentRule)
    job_class_upper: bool = True
    new_hire_window_months: int = 12
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    representation: RepresentationSettings = Field(default_factory=RepresentationSettings)
    city_zips: list[str] = Field(default_factory=list)
    authorized_positions: dict[str, float] = Field(default_factory=dict)
    hard_to_fill_top: int = 25
    hard_to_fill_min_headcount: float = 10

    _path: Path | None = None

    @property
    def path(self) -> Path | None:
        """The YAML file these settings were read from (None for defaults)."""
        return self._path


class SettingsError(ValueError):
    """The workforce settings file cannot be used; the message names the file and key."""


def load_settings(source: "WorkforceSettings | dict | str | Path | None") -> WorkforceSettings:
    """Return settings from an object, a dict, a YAML path, or the defaults (None).

    Raises:
        SettingsError: the file is missing, not YAML, or has an unknown/invalid key.
    """
    if source is None:
        return WorkforceSettings()
    if isinstance(source, WorkforceSettings):
        return source
    path = None
    data = source
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise SettingsError(f"{path}: workforce settings file not found.")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise SettingsError(f"{path}: not valid YAML ({exc}).") from exc
    try:
        s = WorkforceSettings.model_validate(data)
    except ValidationError as exc:
        where = path or "settings"
        msgs = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"{where}: {msgs}") from None
    if path is not None:
        s._path = path.resolve()
    return s


def settings_beside(config_path: str | Path | None) -> Path | None:
    """``workforce.yaml`` in the folder of a city config, when there is one."""
    if not config_path:
        return None
    p = Path(config_path).parent / "workforce.yaml"
    return p if p.exists() else None
