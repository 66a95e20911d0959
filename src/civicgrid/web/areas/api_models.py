"""What the JSON API declares in ``/api/v1/openapi.json``: request bodies, response shapes and errors.

The models document the responses (``responses={200: {"model": …}}``); the routes still return plain
dicts and lists, so big tables skip per-row validation. ``tests/web/test_schemathesis.py`` checks
every response against these declarations. Report-like answers (status, service, CAD, workforce,
profiles, agendas) are documented as JSON objects: their keys follow the report modules.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from civicgrid.appstate import DECISIONS

#: the largest ``offset`` a paged list accepts (app-state and warehouse integers stay in range)
MAX_OFFSET = 1_000_000_000
#: the largest row id a path accepts (32-bit integer primary keys on SQLite and PostgreSQL)
MAX_ID = 2**31 - 1


class ValidationIssue(BaseModel):
    """One invalid parameter or body field, as FastAPI reports it."""

    model_config = ConfigDict(extra="allow")
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An error: ``detail`` is one sentence, or the list of invalid parameters (422)."""

    detail: str | list[ValidationIssue]
    permission: str | None = Field(None, description="the permission the role lacks (403 only)")


def errors(*codes: int) -> dict[int | str, dict]:
    """``responses=`` entries declaring :class:`Problem` for the given status codes."""
    return {code: {"model": Problem} for code in codes}


#: what any route can answer: not signed in, role not allowed, table missing from this build, warehouse down
COMMON_ERRORS = {401: {"model": Problem, "description": "Not signed in"},
                 403: {"model": Problem, "description": "The role lacks the permission, or the CSRF token is wrong"},
                 409: {"model": Problem, "description": "The warehouse build lacks the tables this needs"},
                 503: {"model": Problem, "description": "The warehouse is not available"}}


class Me(BaseModel):
    username: str
    role: str
    permissions: list[str]
    csrf_token: str = Field(description="send as the X-CSRF-Token header on POST requests")
    build: dict[str, Any] | None = Field(description="the last warehouse build, if any")


class PropertyPage(BaseModel):
    as_of: str | None = Field(description="the latest record date the windows count back from")
    excluded_records: int
    total: int = Field(description="properties matching the filters (all pages)")
    properties: list[dict[str, Any]]


class ReviewGroup(BaseModel):
    """Links waiting for review that share an address (``is_address``) or one record."""

    model_config = ConfigDict(extra="allow")
    group_key: str
    records: int
    is_address: bool = Field(description="true: decide with address_key = group_key")


class LinkDecisionIn(BaseModel):
    """A decision on one record (``source`` + ``record_id``) or on every record at an ``address_key``."""

    decision: Literal[DECISIONS]  # type: ignore[valid-type]
    source: str | None = None
    record_id: str | None = None
    address_key: str | None = None
    parcel_id: str | None = Field(None, description="the parcel to link to (reassign)")
    note: str | None = Field(None, max_length=2000)


class LinkDecisionOut(BaseModel):
    id: int
    decision: str
    source: str | None
    record_id: str | None
    address_key: str | None
    parcel_id: str | None
    note: str | None
    decided_by: str
    decided_at: str


class Account(BaseModel):
    username: str
    display_name: str | None
    role: str
    active: bool
    created_at: str | None
    last_login_at: str | None
    failed_logins: int
    locked_until: str | None


class AuditEntry(BaseModel):
    id: int
    at: str
    username: str | None
    action: str
    object_type: str | None
    object_id: str | None
    detail: str | None = Field(description="JSON text")
    ip: str | None


class AuditPage(BaseModel):
    total: int = Field(description="entries matching the filters (all pages)")
    entries: list[AuditEntry]


class TableRef(BaseModel):
    name: str
    title: str


class TableRows(BaseModel):
    name: str
    title: str
    rows: list[dict[str, Any]]


def ok(model: Any, description: str | None = None) -> dict[int | str, dict]:
    """A ``responses=`` entry declaring the 200 body."""
    entry: dict[str, Any] = {"model": model}
    if description:
        entry["description"] = description
    return {200: entry}
