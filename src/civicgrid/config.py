"""City configuration: one YAML file says where each department's export is and how to read it.

Onboarding a new city or a new export is a change here, never in code. The file is
validated with pydantic; every error names the file, the key and what was expected::

    city:
      name: Racine, WI
      timezone: America/Chicago
    sources:
      - name: fire_incidents
        department: fire
        kind: fire_incident
        path: fire_incidents.csv          # relative to --data-dir (default: the config's folder)
        record_id: [call_no]
        columns: {opened_at: alarm_time, type_code: incident_type, address: address}

See docs/configuration.md for every key.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from civicgrid.ingest.fields import DEPARTMENTS, KINDS, fields_for_kind
from civicgrid.settings.integration import IntegrationSettings
from civicgrid.settings.alerts import AlertSettings
from civicgrid.settings.linkage import LinkageSettings, ParcelIdRule  # noqa: F401  (re-exported)
from civicgrid.sources.settings import ConnectorSettings, connector_defaults, pulled_archives

DEFAULT_MISSING = ["", "NA", "N/A", "NULL", "null", "None", "nan", "NaN"]


class ConfigError(ValueError):
    """The city configuration cannot be used; the message says which file, key and fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class FieldSpec(_Strict):
    """How one canonical field is read from a row.

    Exactly one of ``column``, ``template`` or ``value`` is given. ``template`` joins
    columns: ``"{HouseNumber|int} {Direction} {StreetName} {Suffix}"`` (filters: ``int``
    drops a ``.0``; ``strip``). ``map`` translates published codes (e.g. status ``1`` →
    ``closed``); a value not in ``map`` is kept as published.
    """

    column: str | None = None
    template: str | None = None
    value: str | int | float | bool | None = None
    formats: list[str] | None = Field(default=None, description="date formats (strptime)")
    timezone: str | None = None
    missing: list[str] | None = None
    map: dict[str, str] | None = None

    _tz = field_validator("timezone")(classmethod(lambda cls, v: _optional_tz(v)))

    @model_validator(mode="after")
    def _one_source(self) -> "FieldSpec":
        given = [k for k in ("column", "template", "value") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'column', 'template' or 'value'")
        return self

    def columns_used(self) -> list[str]:
        """Source columns this field reads (template placeholders included)."""
        if self.column is not None:
            return [self.column]
        if self.template is not None:
            return [m.split("|")[0] for m in re.findall(r"\{([^{}]+)\}", self.template)]
        return []


class Coordinates(_Strict):
    """Coordinate reference system of ``x``/``y`` (e.g. ``EPSG:2226``, California zone 2, US ft)."""

    crs: str = "EPSG:4326"


class Source(_Strict):
    """One department export (a file, a glob of files, or later a connector)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    department: Literal[tuple(DEPARTMENTS)]  # type: ignore[valid-type]
    kind: Literal[tuple(KINDS)]  # type: ignore[valid-type]
    path: str
    description: str = ""
    format: Literal["csv", "tsv", "xlsx", "json", "jsonl"] | None = None
    compression: Literal["gzip", "none"] | None = None
    encoding: str = "utf-8"
    delimiter: str | None = None
    sheet: str | int | None = None
    json_records: str | None = Field(default=None, description="dotted path to the records array")
    record_id: list[str] = Field(default_factory=list)
    columns: dict[str, str | FieldSpec]
    timezone: str | None = None
    date_formats: list[str] = Field(default_factory=list)
    two_digit_year_pivot: int | Literal["snapshot_year"] | None = None
    missing_values: list[str] = Field(default_factory=lambda: list(DEFAULT_MISSING))
    field_missing_values: dict[str, list[str]] = Field(default_factory=dict)
    coordinates: Coordinates | None = None
    category_map: dict[str, str] = Field(default_factory=dict)
    required: list[str] = Field(default_factory=list)
    hash_exclude: list[str] = Field(default_factory=list, description="columns left out of change detection")
    expected_cadence_days: float | None = None
    # exclude: not part of fingerprint(); a freshness limit does not change how files are read
    max_data_age_days: float | None = Field(
        default=None, gt=0, exclude=True,
        description="alert (data_old) when the newest record's own date is older than this many days")
    # exclude: not part of fingerprint(); how rows are fetched does not change how files are read
    connector: ConnectorSettings | None = Field(default=None, exclude=True,
                                                description="pull from a data API (docs/connectors.md)")

    @model_validator(mode="before")
    @classmethod
    def _connector_path(cls, data: Any) -> Any:
        return connector_defaults(data)  # a connector source reads _pulled/<name>/*.jsonl

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, v: str) -> str:
        import codecs

        try:
            codecs.lookup(v)
        except LookupError as exc:
            raise ValueError(f"unknown encoding {v!r}; use e.g. utf-8, utf-8-sig, latin-1, cp1252") from exc
        return v

    _tz = field_validator("timezone")(classmethod(lambda cls, v: _optional_tz(v)))

    @model_validator(mode="after")
    def _fields_known(self) -> "Source":
        known = fields_for_kind(self.kind)
        for key in list(self.columns) + list(self.field_missing_values) + list(self.required):
            if key not in known:
                hint = difflib.get_close_matches(key, known, n=1)
                tip = f"did you mean {hint[0]!r}? " if hint else ""
                raise ValueError(
                    f"{key!r} is not a canonical field for kind {self.kind!r}; {tip}"
                    f"expected one of: {', '.join(sorted(known))}"
                )
        if self.two_digit_year_pivot == "snapshot_year" and "snapshot_year" not in self.columns:
            raise ValueError("two_digit_year_pivot: snapshot_year needs a 'snapshot_year' column mapping")
        return self

    def spec(self, field: str) -> FieldSpec | None:
        """The :class:`FieldSpec` for a canonical field, or None when it is not mapped."""
        raw = self.columns.get(field)
        if raw is None:
            return None
        if isinstance(raw, str):
            # "{HouseNumber} {StreetName}" written as a plain string is a template, not a column name
            return FieldSpec(template=raw) if re.search(r"\{[^{}]+\}", raw) else FieldSpec(column=raw)
        return raw

    def mapped_columns(self) -> set[str]:
        """Every source column named by the mapping and the record id."""
        cols = set(self.record_id)
        for name in self.columns:
            cols.update(self.spec(name).columns_used())  # type: ignore[union-attr]
        return cols

    def fingerprint(self) -> str:
        """Stable hash of this source's settings: a change forces its files to be re-read."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


class City(_Strict):
    """The city itself."""

    name: str
    timezone: str = "UTC"
    state: str | None = None
    population: int | None = Field(default=None, ge=0)
    synthetic: bool = False

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        _check_tz(v)
        return v


class CityConfig(_Strict):
    """A whole city configuration (``city.yaml``)."""

    version: int = 1
    city: City
    sources: list[Source]
    linkage: LinkageSettings = Field(default_factory=LinkageSettings)
    alerts: AlertSettings | None = None
    integration: IntegrationSettings = Field(default_factory=IntegrationSettings)

    @model_validator(mode="after")
    def _unique_names(self) -> "CityConfig":
        seen: set[str] = set()
        for s in self.sources:
            if s.name in seen:
                raise ValueError(f"source name {s.name!r} is used twice; names must be unique")
            seen.add(s.name)
        return self

    # set by load_config, not by YAML
    _path: Path | None = None
    _data_dir: Path | None = None

    @property
    def path(self) -> Path | None:
        """Path of the YAML file this config was read from."""
        return self._path

    @property
    def data_dir(self) -> Path:
        """Folder that source paths are relative to (``--data-dir`` or the config's folder)."""
        if self._data_dir is not None:
            return self._data_dir
        return self._path.parent if self._path else Path.cwd()

    def source_timezone(self, source: Source) -> str:
        """Time zone for naive timestamps of ``source`` (its own, else the city's)."""
        return source.timezone or self.city.timezone

    def files_for(self, source: Source) -> list[Path]:
        """Files matching ``source.path`` under the data folder, sorted by name (oldest export first).

        A connector source also gets its packed archives (``_pulled/<name>/*.jsonl.zip``), which
        the ingest reads member by member.
        """
        p = Path(source.path)
        base = p if p.is_absolute() else self.data_dir / p
        if any(ch in source.path for ch in "*?["):
            files = list(base.parent.glob(base.name))
            if source.connector is not None:
                packed = self.data_dir / pulled_archives(source.name)
                files += packed.parent.glob(packed.name)
            return sorted(files)
        return [base]


def _optional_tz(v: str | None) -> str | None:
    """Validate an optional IANA time-zone name (pydantic field validator body)."""
    if v is not None:
        _check_tz(v)
    return v


def _check_tz(v: str) -> None:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {v!r}; use an IANA name such as America/Chicago") from exc


def _format_errors(path: Path, exc: ValidationError, data: Any) -> str:
    lines = []
    for err in exc.errors():
        loc = list(err["loc"])
        # pydantic adds the union branch names ('str', 'FieldSpec') into loc: drop them
        loc = [p for p in loc if p not in ("str", "FieldSpec", "function-after[_one_source(), FieldSpec]")]
        where = _loc_text(loc, data)
        if err["type"] == "extra_forbidden":
            key = loc[-1]
            parent_model = _allowed_keys_at(loc[:-1], data)
            hint = difflib.get_close_matches(str(key), parent_model, n=1) if parent_model else []
            tip = f"; did you mean {hint[0]!r}?" if hint else ""
            lines.append(f"{path}: {where}: unknown key {key!r}{tip}")
        elif err["type"] == "missing":
            lines.append(f"{path}: {where}: required key is missing")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{path}: {where}: {msg}")
    # one root cause may surface once per union branch: keep each line once
    uniq = list(dict.fromkeys(lines))
    return "\n".join(uniq)


def _loc_text(loc: list[Any], data: Any) -> str:
    parts: list[str] = []
    node = data
    for p in loc:
        if isinstance(p, int):
            name = None
            if isinstance(node, list) and p < len(node) and isinstance(node[p], dict):
                name = node[p].get("name")
            parts[-1:] = [f"{parts[-1] if parts else ''}[{p}]" + (f" ({name})" if name else "")]
            node = node[p] if isinstance(node, list) and p < len(node) else None
        else:
            parts.append(str(p))
            node = node.get(p) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


def _allowed_keys_at(loc: list[Any], data: Any) -> list[str]:
    names = [p for p in loc if isinstance(p, str)]
    if not names:
        return list(CityConfig.model_fields)
    if names[-1] == "city":
        return list(City.model_fields)
    if names[-1] == "sources":
        return list(Source.model_fields)
    if names[-1] == "coordinates":
        return list(Coordinates.model_fields)
    if len(names) >= 2 and names[-2] == "columns":
        return list(FieldSpec.model_fields)
    return []


def load_config(path: str | Path, data_dir: str | Path | None = None) -> CityConfig:
    """Read and validate a city configuration file.

    Args:
        path: the YAML file.
        data_dir: folder that relative source paths are resolved against
            (default: the folder holding the YAML file).

    Returns:
        The validated :class:`CityConfig`.

    Raises:
        ConfigError: the file is missing, is not YAML, or breaks the schema; the message
            names the file, the key and what was expected.
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: config file not found; check the path.")
    if path.is_dir():
        raise ConfigError(f"{path} is a folder; give the city.yaml file inside it.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}:{where}: not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax.") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with 'city' and 'sources' at the top level.")
    try:
        cfg = CityConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(path, exc, data)) from None
    cfg._path = path.resolve()
    if data_dir is not None:
        d = Path(data_dir)
        if not d.is_dir():
            raise ConfigError(f"--data-dir {d} is not a folder; give the folder that holds the exports.")
        cfg._data_dir = d.resolve()
    return cfg
