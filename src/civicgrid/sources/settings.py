"""The ``connector:`` block of a source in ``city.yaml`` (validated with pydantic).

Example (WPRDC's CKAN datastore, only rows whose ``alarm_time`` is at or after the last pull)::

    - name: fire_incidents
      department: fire
      kind: fire_incident
      connector:
        type: ckan
        url: https://data.wprdc.org
        dataset: 8d76ac6b-5ae8-4428-82a4-043130d17b02
        watermark: alarm_time
      record_id: [call_no]
      columns: {...}

A source with a connector reads the files its connector pulled: ``path`` defaults to
``_pulled/<name>/*.jsonl`` and ``format`` to ``jsonl`` (see :func:`connector_defaults`), plus
the members of its packed archives ``_pulled/<name>/*.jsonl.zip`` (:func:`pulled_archives`).
This module must not import :mod:`civicgrid.config` (it is imported by it).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from civicgrid.sources.archive import ARCHIVE_SUFFIX

#: folder under ``--data-dir`` that holds every connector's pulled files
PULLED_DIR = "_pulled"

ParamValue = str | int | float | bool


class ConnectorSettings(BaseModel):
    """Where a source's rows come from when it is a data API instead of an export file."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["ckan", "socrata", "arcgis", "open311"]
    url: str = Field(description="CKAN site, Socrata domain, ArcGIS layer (…/FeatureServer/0) or Open311 v2 endpoint")
    dataset: str | None = Field(
        default=None, description="CKAN resource id, Socrata dataset id (4x4); ArcGIS: layer id appended to url")
    watermark: str | None = Field(
        default=None, description="field whose value only grows for new or changed rows; "
        "each pull asks only for rows at or after the last value seen (Open311: requested_datetime)")
    start: str | None = Field(default=None, description="watermark to start from on the very first pull")
    page_size: int = Field(default=1000, ge=1, le=50_000)
    params: dict[str, ParamValue] = Field(
        default_factory=dict, description="extra query parameters sent with every data request")
    timeout: float = Field(default=30.0, gt=0, description="seconds to wait for each response")
    retries: int = Field(default=4, ge=0, le=20, description="retries of a request that timed out, "
                         "was rate-limited (429), failed with 5xx or came back malformed")
    backoff: float = Field(default=1.0, ge=0, description="first retry wait in seconds; doubles each retry")
    max_wait: float = Field(default=300.0, ge=0, description="longest wait honoured for a 429 Retry-After")
    max_pages: int = Field(default=10_000, ge=1, description="safety bound on requests per pull")
    window_days: float = Field(default=30.0, gt=0, description="Open311: days per start_date/end_date window")
    lookback_days: float = Field(default=0.0, ge=0, description="Open311 and ArcGIS date watermarks: re-read "
                                 "this many days before the watermark (recent status changes; layers that keep "
                                 "dates in local time); rows read again are duplicates or new versions")
    token_env: str | None = Field(default=None, description="environment variable holding an API token "
                                  "(Socrata X-App-Token, CKAN Authorization, ArcGIS token, Open311 api_key)")
    compact_after: int = Field(default=30, ge=0, description="after a refresh, when more than this many pulled "
                               "files have piled up, pack all but the newest into the source's archive "
                               "(<first>--<last>.jsonl.zip; read as the files it holds); 0: never")

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError(f"{v!r} is not an http(s) URL")
        return v.rstrip("/")

    @model_validator(mode="after")
    def _needs_dataset(self) -> "ConnectorSettings":
        if self.type in ("ckan", "socrata") and not self.dataset:
            what = "resource id" if self.type == "ckan" else "dataset id (e.g. d4vt-q4t5)"
            raise ValueError(f"a {self.type} connector needs 'dataset' (the {what})")
        return self


def pulled_path(source_name: str) -> str:
    """The ``path`` glob a connector source reads: ``_pulled/<name>/*.jsonl``."""
    return f"{PULLED_DIR}/{source_name}/*.jsonl"


def pulled_archives(source_name: str) -> str:
    """The glob of a connector source's packed archives: ``_pulled/<name>/*.jsonl.zip``.

    Read with the ``path`` glob's files (see :mod:`civicgrid.sources.compact`); kept out of
    ``path`` itself so that packing changes no source's settings fingerprint.
    """
    return f"{PULLED_DIR}/{source_name}/*{ARCHIVE_SUFFIX}"


def connector_defaults(data: Any) -> Any:
    """Fill ``path``/``format`` of a raw source mapping that has a ``connector`` (before validation).

    Raises:
        ValueError: ``path`` or ``format`` is given and disagrees with the pulled files.
    """
    if not isinstance(data, dict) or not data.get("connector"):
        return data
    data = dict(data)
    want = pulled_path(str(data.get("name", "")))
    if data.get("path") not in (None, want):
        raise ValueError(f"a source with a connector reads its pulled files; leave out 'path' (it is {want!r})")
    if data.get("format") not in (None, "jsonl"):
        raise ValueError("a source with a connector reads JSON Lines; leave out 'format'")
    data["path"] = want
    data["format"] = "jsonl"
    return data
