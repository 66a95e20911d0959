"""The ``integration:`` section of city.yaml: windows, points, decay, exclusions, cadence.

Every key is optional; a config without the section gets these defaults (docs/integration.md
lists them). Rules share one shape (:class:`Match`): optional filters (``departments``,
``kinds``, ``sources``) that must all pass, then matchers (``type_codes`` globs, ``pattern`` regex
over category / subcategory / type code / description, ``status`` regex, ``victim_flag``) of
which any one must hit; a rule with no matcher matches every event its filters pass.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, field_validator, model_validator

from civicgrid.settings.base import Strict, check_regex


class Match(Strict):
    """Which events a rule applies to (see the module docstring)."""

    departments: list[str] | None = None
    kinds: list[str] | None = None
    sources: list[str] | None = None
    type_codes: list[str] | None = Field(default=None, description="globs on type_code ('3*', '554')")
    pattern: str | None = Field(default=None, description="case-insensitive regex searched in category, "
                                "subcategory, type_code and description")
    status: str | None = Field(default=None, description="case-insensitive regex on status")
    victim_flag: bool | None = Field(default=None, description="match events whose victim_flag equals this")

    _regex = field_validator("pattern", "status")(classmethod(lambda cls, v: check_regex(v)))


class PointsRule(Match):
    """Points an event adds (before decay). The first rule that matches wins."""

    points: float = Field(ge=0)
    label: str | None = Field(default=None, description="component name; default: the event's category")


class ExclusionRule(Match):
    """Events that never add points (GUIDE §6), with the reason shown in aggregate reports."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    reason: Literal["victim", "domestic", "medical", "welfare"]


class SeriousRule(Match):
    """A serious event (the back-test's outcome): fire, condemnation, arrest at the location."""

    name: str


# ------------------------------------------------------------------ defaults
#: NIBRS "crimes against persons" and "against property" words: the resident may be the victim
VICTIM_OFFENCES = (
    r"homicide|murder|manslaughter|\brape|sexual|indecent|robbery|assault|battery|burglary|\bburg\b|larceny|"
    r"theft|stolen|\barson|forgery|counterfeit|fraud|embezzl|extortion|vandal|mischief|graffiti|harass|threat|"
    r"intimidat|retaliat|kidnap|unlawful restraint|hit and run|victim|bad checks|deceptive|identity|"
    r"invasion of privacy|endanger|trafficking|luring|unlawful contact|corruption of minors|neglect of care|"
    r"strangulation|stalking|bomb threat|ethnic intim"
)
DOMESTIC = (
    r"domestic|domdist|restord|restraining order|protective order|protection from abuse|\bpfa\b|"
    r"\b999[34]\b|\b9012\b|offen[cs]es against family|welfare of child|\b4304\b|strangulation|\b2718\b|"
    r"custody of child|stalking|\b2711\b"
)
MEDICAL = (
    r"medical|\bems\b|ems_rescue|ambulance|overdose|\bod\b|aided case|\b949[67]\b|dead on arrival|\bdoa\b|"
    r"sudden death|sick person|injured person|suicide|\b9495\b|\b999[78]\b|cardiac|unconscious|seizure|"
    r"assist invalid|lift assist"
)
WELFARE = (
    r"welfare|check on (the )?(elderly|well)|well-?being|\b9016\b|\bmental\b|\b302\b|\b9498\b|crisis|"
    r"missing person"
)


def default_exclusions() -> list[ExclusionRule]:
    """On by default (GUIDE §6). Order matters only for the reason shown: the first rule that matches."""
    return [
        ExclusionRule(name="caller_is_victim", reason="victim", victim_flag=True),
        ExclusionRule(name="domestic", reason="domestic", pattern=DOMESTIC),
        ExclusionRule(name="nfirs_ems", reason="medical", departments=["fire"], type_codes=["3*", "554"]),
        ExclusionRule(name="medical", reason="medical", pattern=MEDICAL),
        ExclusionRule(name="welfare_check", reason="welfare", pattern=WELFARE),
        ExclusionRule(name="victim_offence", reason="victim", departments=["police"], pattern=VICTIM_OFFENCES),
    ]


_PROPERTY_WORDS = (r"complaint|weed|grass|debris|junk|trash|garbage|rubbish|litter|dump|graffiti|vacant|"
                   r"building|housing|property|rodent|rat|nuisance|noise|abandoned|health hazard|drug|snow")


_SOCIETY = (r"drug|narc|marijuana|paraphernalia|controlled substance|13\(a\)|weapon|firearm|shots|\bgun|prostitut|"
            r"gambl|disorderly|noise|party|drunk|liquor|alcohol|open container|trespass|loiter|nuisance|urinat|"
            r"litter|rubbish|dumping|fight|disturb|suspicious")


def default_points() -> list[PointsRule]:
    """Points per (department, category). The first matching rule wins; unmatched events add 0."""
    return [
        # code enforcement: a condemnation weighs most; derived copies (other_event) add nothing
        PointsRule(departments=["code_enforcement"], kinds=["other_event"], points=0, label="derived copy"),
        PointsRule(departments=["code_enforcement"], pattern=r"condemn", points=5, label="condemnation"),
        PointsRule(departments=["code_enforcement"], kinds=["inspection"], points=1),
        PointsRule(departments=["code_enforcement"], points=3),
        # fire (NFIRS): fires 100s, hazards 400s, false alarms 700s; EMS 300s are excluded above
        PointsRule(departments=["fire"], type_codes=["1*"], points=4, label="fire"),
        PointsRule(departments=["fire"], type_codes=["4*"], points=1, label="hazard"),
        PointsRule(departments=["fire"], type_codes=["7*"], points=0.5, label="false alarm"),
        PointsRule(departments=["fire"], kinds=["fire_incident"], pattern=r"^(?!.*no fire).*\bfire\b", points=4,
                   label="fire"),  # a published description without a code ("Building fire")
        PointsRule(departments=["fire"], points=0),
        # police: public-order offences (NIBRS crimes against society) count; arrests for them most;
        # administrative and traffic records (warrants, accidents, found property) add nothing
        PointsRule(departments=["police"], kinds=["arrest"], pattern=_SOCIETY, points=3),
        PointsRule(departments=["police"], pattern=_SOCIETY, points=2),
        PointsRule(departments=["police"], pattern=r"accident|crash|traffic|parking|found property|lost property|"
                   r"miscellaneous|no crime|warrant|attachment|runaway|alarm|admin|follow ?up|hang ?up|civil|"
                   r"animal|rabies|\bdog\b|financial responsib|driving|ticket|recovered", points=0),
        PointsRule(departments=["police"], points=1),
        # complaints: about a property's condition count fully; questions and feedback not at all
        PointsRule(departments=["customer_service"], pattern=r"^(inquiry|feedback|transfer|permit)\b", points=0),
        PointsRule(departments=["customer_service"], pattern=_PROPERTY_WORDS, points=1),
        PointsRule(departments=["customer_service"], points=0.5),
        PointsRule(departments=["public_works"], pattern=_PROPERTY_WORDS + r"|bulk", points=1),
        PointsRule(departments=["public_works"], points=0),
        # a delinquent tax account is a state, not an event (no date): counted without decay
        PointsRule(departments=["finance"], kinds=["tax_status"], points=2, label="tax delinquent"),
    ]


def default_serious() -> list[SeriousRule]:
    """The back-test's outcomes: a structure fire, a condemnation, an arrest (not a protected call)."""
    return [
        SeriousRule(name="structure fire", departments=["fire"], type_codes=["11*", "12*"]),
        SeriousRule(name="condemnation", departments=["code_enforcement"], pattern=r"condemn",
                    kinds=["code_case", "violation", "inspection"]),
        SeriousRule(name="arrest", departments=["police"], kinds=["arrest"]),
        SeriousRule(name="arrest", departments=["police"], kinds=["police_call", "police_incident"], status=r"^arrest"),
    ]


#: SNAP neighbourhood-profile columns (WPRDC) shown beside flags; absent columns are skipped
DEFAULT_DEMOGRAPHICS = {
    "% Black (2010)": "SNAP_All_csv___African_American",
    "% White (2010)": "SNAP_All_csv___White__2010_",
    "% Hispanic (2010)": "SNAP_All_csv___Hispanic__of_any",
    "% below poverty (2010)": "Est__Percent_Under_Poverty__201",
    "Median income (2009)": "SNAP_All_csv_2009_Median_Income",
    "% renter-occupied (2010)": "SNAP_All_csv___Renter_Occupied_",
}


class ExclusionSettings(Strict):
    """Protected calls that never add points. ``enabled: false`` is allowed but every report says so."""

    enabled: bool = True
    rules: list[ExclusionRule] = Field(default_factory=default_exclusions)
    extra_rules: list[ExclusionRule] = Field(default_factory=list, description="added after the defaults")
    disable: list[str] = Field(default_factory=list, description="names of default rules to switch off")

    def active(self) -> list[ExclusionRule]:
        if not self.enabled:
            return []
        return [r for r in self.rules + self.extra_rules if r.name not in set(self.disable)]


class EarlyWarningSettings(Strict):
    """Early-warning flags: a rate well above the location's own baseline, a first crossing, escalation."""

    recent_days: int = Field(default=90, ge=7)
    baseline_days: int = Field(default=365, ge=30)
    min_recent_events: int = Field(default=3, ge=1)
    spike_ratio: float = Field(default=3.0, gt=1)
    first_crossing_lookback_days: int = Field(default=365, ge=14)
    escalation_lookback_days: int = Field(default=180, ge=14)
    escalation_min_complaints: int = Field(default=2, ge=1)
    escalation_min_followups: int = Field(default=2, ge=1, description="police/fire events after the first complaint")
    complaint_departments: list[str] = Field(
        default_factory=lambda: ["customer_service", "code_enforcement", "public_works"])
    escalation_departments: list[str] = Field(default_factory=lambda: ["police", "fire"])


class BacktestSettings(Strict):
    horizon_days: int = Field(default=90, ge=7)
    start: date | None = None
    end: date | None = None
    step_days: int | None = Field(default=None, ge=1, description="default: the meeting cadence")
    raw_complaint_departments: list[str] = Field(
        default_factory=lambda: ["customer_service"], description="the 'raw complaint count' baseline counts these")


class AreaSettings(Strict):
    population_source: str | None = Field(
        default=None, description="reference source with residents per neighbourhood; default: the "
        "reference source with populations whose names match the most neighbourhoods")
    demographics_source: str | None = Field(default=None, description="reference source with demographics")
    demographic_columns: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_DEMOGRAPHICS))
    min_population: int = Field(default=500, ge=0, description="areas smaller than this get no rate")


class IntegrationSettings(Strict):
    """Problem-property integration (``integration:`` in city.yaml; docs/integration.md)."""

    windows: list[int] = Field(default_factory=lambda: [30, 90, 365])
    score_window_days: int = Field(default=365, ge=7, description="events older than this add nothing")
    half_life_days: float = Field(default=180.0, gt=0, description="an event's points halve every this many days")
    overlap_window_days: int = Field(default=365, ge=7)
    min_departments: int = Field(default=3, ge=1, description="departments needed for overlap")
    block_weight: float = Field(default=0.25, ge=0, le=1, description="share of the points of block-published "
                                "events (police, fire) a parcel on that block receives")
    score_threshold: float = Field(default=10.0, ge=0, description="score at or above which, with overlap, "
                                   "a property is over threshold")
    as_of: date | None = Field(default=None, description="fix the as-of date (default: from the data)")
    as_of_rule: Literal["all_departments", "latest"] = "all_departments"
    state_kinds: list[str] = Field(default_factory=lambda: ["tax_status"],
                                   description="undated records that describe a current state")
    points: list[PointsRule] = Field(default_factory=default_points)
    exclusions: ExclusionSettings = Field(default_factory=ExclusionSettings)
    serious_events: list[SeriousRule] = Field(default_factory=default_serious)
    early_warning: EarlyWarningSettings = Field(default_factory=EarlyWarningSettings)
    backtest: BacktestSettings = Field(default_factory=BacktestSettings)
    areas: AreaSettings = Field(default_factory=AreaSettings)
    team_capacity: int = Field(default=25, ge=1, description="properties the team can discuss per meeting")
    meeting_cadence_days: int = Field(default=14, ge=1)
    agenda_levels: list[Literal["parcel", "block"]] = Field(
        default_factory=lambda: ["parcel", "block"], description="levels that reach agendas, in priority order; "
        "a block reaches one only when no property on it is a candidate")
    lead_departments: list[str] = Field(
        default_factory=lambda: ["code_enforcement", "public_works", "police", "fire", "customer_service"])
    city_owned_sources: list[str] | None = Field(
        default=None, description="parcel sources listing city-owned property; default: names with 'city_owned'")

    @model_validator(mode="after")
    def _windows(self) -> "IntegrationSettings":
        if not self.windows or any(w <= 0 for w in self.windows):
            raise ValueError("windows must be positive day counts, e.g. [30, 90, 365]")
        self.windows = sorted(set(self.windows))
        return self


def as_settings(obj) -> IntegrationSettings:
    """The integration settings from ``obj``: None gives the defaults, an instance is returned as is.

    Raises:
        pydantic.ValidationError: ``obj`` is a mapping that breaks the schema.
    """
    if obj is None:
        return IntegrationSettings()
    if isinstance(obj, IntegrationSettings):
        return obj
    return IntegrationSettings.model_validate(obj)
