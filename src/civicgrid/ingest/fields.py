"""Canonical fields: the names every department export is mapped onto.

A city config maps its own column names onto these fields (``columns:`` in a
source). Each record kind lands in one warehouse table, and each table has a
fixed set of canonical fields with a type. Columns of the export that are not
mapped are kept, as text, in the row's ``attributes`` JSON, so nothing is lost.

Types:
  text       stripped string; empty and configured missing values become NULL
  timestamp  timezone-aware instant stored as UTC (``TIMESTAMPTZ``)
  date       calendar date (no time of day, no zone), e.g. a hire date
  float      number; ``$1,234.00 `` and ``15.2%`` are accepted
  int        whole number; ``100.0`` is accepted, ``100.5`` is not
  bool       Y/N, yes/no, true/false, 1/0

``past_only`` timestamps/dates are events that have happened: a value before
1901 or after the run date is flagged (``dq_flags``) and stored as NULL, never
silently kept. Due and expiry dates may lie in the future.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """One canonical field: name, type, and whether future values are suspect."""

    name: str
    type: str
    doc: str
    past_only: bool = False


def _f(name: str, type_: str, doc: str, past_only: bool = False) -> Field:
    return Field(name, type_, doc, past_only)


_GEO = [
    _f("address", "text", "street address as published (raw text; normalized by the addresses stage)"),
    _f("parcel_id", "text", "parcel id / PIN as given by the source (normalized by the linkage stage)"),
    _f("lat", "float", "latitude, WGS84 degrees"),
    _f("lon", "float", "longitude, WGS84 degrees"),
    _f("x", "float", "projected X in the source CRS (converted to lon when `crs` is set)"),
    _f("y", "float", "projected Y in the source CRS (converted to lat when `crs` is set)"),
    _f("zip", "text", "ZIP code"),
    _f("neighborhood", "text", "neighbourhood name"),
    _f("council_district", "text", "council district"),
    _f("ward", "text", "ward"),
    _f("police_zone", "text", "police zone / district"),
    _f("police_beat", "text", "police beat or grid"),
    _f("fire_zone", "text", "fire zone"),
    _f("census_tract", "text", "census tract (as published)"),
    _f("census_block_group", "text", "census block group GEOID"),
    _f("public_works_division", "text", "public works division"),
    _f("inspection_area", "text", "code-enforcement / PLI inspection area"),
]

EVENT_FIELDS: list[Field] = [
    _f("record_id", "text", "record id in the source system (from `record_id` columns)"),
    _f("category", "text", "category as mapped by `category_map`, else the raw type"),
    _f("subcategory", "text", "finer type (e.g. NFIRS code, offence code)"),
    _f("type_code", "text", "type code as published (NFIRS incident type, call type, request type id)"),
    _f("description", "text", "free-text description or type description"),
    _f("status", "text", "status as published"),
    _f("opened_at", "timestamp", "when the record started (requested, received, alarm, cited)", True),
    _f("updated_at", "timestamp", "last update", True),
    _f("closed_at", "timestamp", "closed / cleared", True),
    _f("dispatched_at", "timestamp", "CAD: dispatched", True),
    _f("enroute_at", "timestamp", "CAD: en route", True),
    _f("onscene_at", "timestamp", "CAD: on scene", True),
    _f("due_at", "timestamp", "SLA due / expected time (Open311 expected_datetime)"),
    _f("expires_at", "timestamp", "expiry (licenses, permits)"),
    *_GEO,
    _f("owner", "text", "owner as published (companies, governments; people are pseudonyms)"),
    _f("amount", "float", "money amount (e.g. delinquent tax, fee), dollars"),
    _f("count", "int", "a count carried by the record (e.g. alarms, merged reports)"),
    _f("service_code", "text", "Open311 service_code"),
    _f("channel", "text", "how the contact arrived (phone, web, app, e-mail, walk-in)"),
    _f("agency_responsible", "text", "department or agency responsible"),
    _f("agent", "text", "staff member / officer / unit (pseudonymous id)"),
    _f("team", "text", "team, crew or district assigned"),
    _f("transferred_to", "text", "department a contact was transferred to"),
    _f("parent_id", "text", "parent / duplicate-of record id"),
    _f("handle_time_s", "float", "handle time in seconds"),
    _f("rating", "float", "resident satisfaction rating"),
    _f("comment", "text", "resident comment"),
    _f("victim_flag", "bool", "resident is the victim / caller is the victim"),
]

PARCEL_FIELDS: list[Field] = [
    _f("record_id", "text", "record id in the source (from `record_id` columns, else a content hash)"),
    _f("house_number", "text", "house number (may be a range, e.g. 1249-51)"),
    _f("street", "text", "street name with type and direction, without house number"),
    _f("unit", "text", "unit / apartment"),
    _f("city", "text", "city"),
    _f("state", "text", "state"),
    *_GEO,
    _f("owner", "text", "owner as published"),
    _f("owner_mailing", "text", "owner mailing address or its pseudonymous token"),
    _f("property_class", "text", "class (residential, commercial, …)"),
    _f("land_use", "text", "use description"),
    _f("assessed_value", "float", "assessed value, dollars"),
    _f("lot_area", "float", "lot area, square feet"),
    _f("year_built", "int", "year built"),
    _f("status", "text", "status as published (e.g. inventory status)"),
    _f("acquired_at", "date", "date acquired / recorded", True),
]

ROSTER_FIELDS: list[Field] = [
    _f("record_id", "text", "row id; defaults to employee_id or person token + hire date"),
    _f("employee_id", "text", "employee number, when the export has one"),
    _f("person_token", "text", "pseudonymous person token (never a real name in outputs)"),
    _f("snapshot_year", "int", "fiscal/survey year of the roster snapshot"),
    _f("snapshot_date", "date", "date the roster was taken"),
    _f("job_title", "text", "job title / class"),
    _f("job_code", "text", "job code"),
    _f("position_id", "text", "position number"),
    _f("department", "text", "department / agency name"),
    _f("department_id", "text", "department / agency id"),
    _f("hire_date", "date", "original hire date", True),
    _f("job_entry_date", "date", "date entered current job", True),
    _f("separation_date", "date", "separation date", True),
    _f("annual_salary", "float", "annual salary, dollars"),
    _f("gross_pay", "float", "gross pay in the year, dollars"),
    _f("fte", "float", "full-time equivalent"),
    _f("paygroup", "text", "pay group / union"),
    _f("sex", "text", "sex as recorded"),
    _f("race", "text", "race / ethnicity as recorded"),
    _f("age_band", "text", "age band"),
    _f("eeo4_category", "text", "EEO-4 job category (code or name)"),
    _f("home_zip", "text", "home ZIP (for the voluntary resident-hire goal only)"),
    _f("status", "text", "employment status"),
]

POSTING_FIELDS: list[Field] = [
    _f("record_id", "text", "requisition / posting id"),
    _f("job_title", "text", "job title"),
    _f("job_code", "text", "job code"),
    _f("department", "text", "department"),
    _f("eeo4_category", "text", "EEO-4 job category"),
    _f("opened_at", "date", "requisition opened / posted", True),
    _f("closed_at", "date", "posting closed", True),
    _f("filled_at", "date", "offer accepted", True),
    _f("positions", "int", "positions to fill"),
    _f("status", "text", "posting status"),
]

APPLICANT_FIELDS: list[Field] = [
    _f("record_id", "text", "application id"),
    _f("posting_id", "text", "requisition / posting id applied to"),
    _f("person_token", "text", "pseudonymous applicant token"),
    _f("applied_at", "date", "application date", True),
    _f("stage", "text", "furthest stage reached (applied, interviewed, offered, hired)"),
    _f("hired", "bool", "hired"),
    _f("offer_accepted_at", "date", "offer accepted", True),
    _f("sex", "text", "sex (self-reported)"),
    _f("race", "text", "race / ethnicity (self-reported)"),
    _f("home_zip", "text", "home ZIP"),
]

REFERENCE_FIELDS: list[Field] = [
    _f("record_id", "text", "row key"),
    _f("name", "text", "area or item name (e.g. neighbourhood)"),
    _f("population", "float", "population (residents)"),
    _f("population_moe", "float", "margin of error of the population estimate"),
    _f("geoid", "text", "census GEOID"),
    _f("lat", "float", "latitude, WGS84"),
    _f("lon", "float", "longitude, WGS84"),
]

#: record kinds, grouped by the warehouse table they land in.
EVENT_KINDS = {
    "service_request", "interaction", "work_order", "code_case", "violation", "inspection",
    "police_call", "police_incident", "arrest", "citation", "fire_incident", "permit",
    "license", "tax_status", "other_event",
}
TABLE_BY_KIND: dict[str, str] = {k: "events" for k in EVENT_KINDS}
TABLE_BY_KIND.update({
    "parcel": "parcels",
    "employee_roster": "roster_records",
    "job_posting": "job_postings",
    "job_applicant": "job_applicants",
    "reference": "reference_rows",
})

FIELDS_BY_TABLE: dict[str, list[Field]] = {
    "events": EVENT_FIELDS,
    "parcels": PARCEL_FIELDS,
    "roster_records": ROSTER_FIELDS,
    "job_postings": POSTING_FIELDS,
    "job_applicants": APPLICANT_FIELDS,
    "reference_rows": REFERENCE_FIELDS,
}

KINDS = sorted(TABLE_BY_KIND)

DEPARTMENTS = [
    "public_works", "code_enforcement", "police", "fire", "customer_service", "permits",
    "finance", "assessor", "hr", "planning", "other",
]


def fields_for_kind(kind: str) -> dict[str, Field]:
    """Return ``{field name: Field}`` for the table that records of ``kind`` land in.

    Raises:
        KeyError: if ``kind`` is not a known record kind.
    """
    return {f.name: f for f in FIELDS_BY_TABLE[TABLE_BY_KIND[kind]]}
