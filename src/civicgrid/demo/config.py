"""The demo city's ``city.yaml``, built from the same tables the generator uses so the two agree."""

from __future__ import annotations

from pathlib import Path

import yaml

from civicgrid.demo.common import MARKER
from civicgrid.demo.crm import CATEGORY_MAP
from civicgrid.demo.hr import EEO4_CODES
from civicgrid.demo.parcels import CLASS_NAMES
from civicgrid.demo.safety import CALL_TYPES, FIRE_TYPES
from civicgrid.demo.works import CASE_TYPES, WO_TYPES

FIRE_CATEGORY = {"1": "fire", "3": "ems_rescue", "4": "hazard", "5": "service", "6": "good_intent", "7": "false_alarm"}
MISSING = ["", "NA", "N/A", "NULL", "null", "None", "nan", "NaN"]


def _case_category(name: str) -> str:
    return name.lower().replace(" - ", "_").replace("/", "_").replace(" ", "_")


def city_config() -> dict:
    """The city configuration as a plain dict (``yaml.safe_dump`` writes it)."""
    sources = [
        {"name": "assessor_parcels", "department": "assessor", "kind": "parcel", "path": "parcels.csv",
         "description": f"Assessor roll, one row per tax parcel. {MARKER}",
         "record_id": ["TAXKEY"],
         "columns": {
             "parcel_id": "TAXKEY", "house_number": "HOUSE_NO", "street": "STREET", "unit": "UNIT",
             "address": "SITE_ADDRESS", "zip": "ZIP", "city": {"value": "RACINE"}, "state": {"value": "WI"},
             "owner": "OWNER_NAME", "owner_mailing": "MAIL_TOKEN",
             "property_class": {"column": "CLASS", "map": CLASS_NAMES}, "land_use": "USE_DESC",
             "assessed_value": "TOTAL_VALUE", "lot_area": "LOT_SQFT", "year_built": "YEAR_BUILT",
             "neighborhood": "NEIGHBORHOOD", "council_district": "ALD_DIST", "lat": "LAT", "lon": "LON"},
         "required": ["parcel_id"]},
        {"name": "public_works_work_orders", "department": "public_works", "kind": "work_order", "path": "work_orders.csv",
         "description": f"Cityworks AMS work orders. X/Y in NAD83 Wisconsin South (ftUS); 0 means no location. {MARKER}",
         "record_id": ["WORKORDERID"],
         "columns": {
             "type_code": "WOTEMPLATEID", "category": "DESCRIPTION", "description": "DESCRIPTION", "status": "STATUS",
             "opened_at": "INITIATEDATE", "closed_at": "ACTUALFINISHDATE", "address": "ADDRESS",
             "x": "WOXCOORDINATE", "y": "WOYCOORDINATE", "agent": "SUPERVISOR", "team": "CREW"},
         "date_formats": ["%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y"],
         "field_missing_values": {"x": ["0", "0.0"], "y": ["0", "0.0"]},
         "coordinates": {"crs": "EPSG:2289"},
         "category_map": {t[1]: _case_category(t[1]) for t in WO_TYPES},
         "required": ["opened_at"]},
        {"name": "code_enforcement_cases", "department": "code_enforcement", "kind": "code_case", "path": "code_cases.xlsx",
         "format": "xlsx", "sheet": "Cases",
         "description": f"Cityworks PLL code-enforcement cases; five inspectors, one per area. {MARKER}",
         "record_id": ["CASE_NUMBER"],
         "columns": {
             "category": "CASE_TYPE", "type_code": "CASE_TYPE", "description": "CASE_DESCRIPTION", "status": "STATUS",
             "opened_at": "OPEN_DATE", "due_at": "REINSPECTION_DATE", "closed_at": "CLOSE_DATE", "address": "ADDRESS",
             "parcel_id": "PARCEL_ID", "agent": "INSPECTOR", "inspection_area": "INSPECTION_AREA"},
         "date_formats": ["%m/%d/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"],
         "category_map": {t[0]: _case_category(t[0]) for t in CASE_TYPES},
         "required": ["opened_at"]},
        {"name": "police_cad_calls", "department": "police", "kind": "police_call", "path": "cad_calls.csv",
         "description": "Police CAD calls for service. Locations are hundred blocks, intersections or addresses. "
                        f"Categories domestic, welfare_check, medical and victim_crime never count against a property. {MARKER}",
         "record_id": ["CALL_NO"],
         "columns": {
             "type_code": "CALL_TYPE", "category": "CALL_TYPE", "description": "CALL_DESC", "status": "DISPOSITION",
             "opened_at": "RECEIVED", "dispatched_at": "DISPATCHED", "enroute_at": "ENROUTE", "onscene_at": "ONSCENE",
             "closed_at": "CLEARED", "address": "LOCATION", "police_zone": "DISTRICT", "police_beat": "BEAT",
             "agent": "UNIT", "victim_flag": "CALLER_VICTIM"},
         "date_formats": ["%Y-%m-%d %H:%M:%S"],
         "missing_values": MISSING + ["UNK"],
         "category_map": {t[0]: t[2] for t in CALL_TYPES},
         "required": ["opened_at"]},
        {"name": "fire_nfirs_incidents", "department": "fire", "kind": "fire_incident", "path": "fire_incidents.jsonl.gz",
         "format": "jsonl", "compression": "gzip",
         "description": f"NFIRS basic-module incidents (one JSON object per line). {MARKER}",
         "record_id": ["INC_NO", "EXP_NO"],
         "columns": {
             "type_code": "INC_TYPE", "subcategory": "INC_TYPE", "category": "INC_TYPE", "description": "INC_TYPE_DESC",
             "opened_at": "ALARM", "onscene_at": "ARRIVAL", "closed_at": "LU_CLEAR",
             "address": {"template": "{NUM_MILE|int} {STREETNAME} {STREETTYPE}"}, "zip": "ZIP5",
             "lat": "LATITUDE", "lon": "LONGITUDE", "team": "STATION", "amount": "PROP_LOSS"},
         "date_formats": ["%m%d%Y%H%M"],
         "field_missing_values": {"lat": ["0", "0.0"], "lon": ["0", "0.0"]},
         "category_map": {t[0]: FIRE_CATEGORY.get(t[0][0], "other") for t in FIRE_TYPES},
         "required": ["opened_at"]},
        {"name": "crm_interactions", "department": "customer_service", "kind": "interaction", "path": "crm_interactions.csv",
         "description": f"Customer-service CRM interactions (Polimorphic-style export, timestamps in UTC). {MARKER}",
         "record_id": ["Interaction ID"],
         "columns": {
             "opened_at": "Created At", "closed_at": "Closed At", "due_at": "SLA Due", "channel": "Channel",
             "agent": "Agent", "team": "Team", "category": "Category", "subcategory": "Topic", "type_code": "Topic",
             "agency_responsible": "Department", "transferred_to": "Transferred To", "handle_time_s": "Handle Time (sec)",
             "status": "Status", "rating": "Rating", "comment": "Comment", "address": "Address"},
         "date_formats": ["%Y-%m-%dT%H:%M:%S.%f%z"],
         "timezone": "UTC",
         "category_map": CATEGORY_MAP,
         "required": ["opened_at"]},
        {"name": "hr_roster", "department": "hr", "kind": "employee_roster", "path": "hr_roster_*.csv",
         "description": "Year-end roster snapshots, one file per year. 2021 uses two-digit years; 2021-2022 give "
                        f"EEO-4 as a number; 2024 formats salaries as currency; 2025 uses ISO dates. {MARKER}",
         "record_id": ["EMPLOYEE_ID", "REPORT_YEAR"],
         "columns": {
             "employee_id": "EMPLOYEE_ID", "person_token": "PERSON_TOKEN", "snapshot_year": "REPORT_YEAR",
             "snapshot_date": "AS_OF_DATE", "position_id": "POSITION_ID", "job_title": "JOB_TITLE", "job_code": "JOB_CODE",
             "department": "DEPARTMENT", "eeo4_category": {"column": "EEO4_CATEGORY", "map": EEO4_CODES},
             "sex": "SEX", "race": "RACE_ETHNICITY", "age_band": "AGE_BAND", "hire_date": "HIRE_DATE",
             "annual_salary": "ANNUAL_SALARY", "fte": "FTE", "paygroup": "PAYGROUP", "home_zip": "HOME_ZIP",
             "status": "EMP_STATUS"},
         "date_formats": ["%m/%d/%Y", "%m/%d/%y", "%Y-%m-%d"],
         "two_digit_year_pivot": "snapshot_year",
         "expected_cadence_days": 365,
         "required": ["person_token", "snapshot_year"]},
        {"name": "hr_job_postings", "department": "hr", "kind": "job_posting", "path": "job_postings.csv",
         "description": f"Requisitions / job postings. {MARKER}",
         "record_id": ["REQ_ID"],
         "columns": {
             "job_title": "JOB_TITLE", "job_code": "JOB_CODE", "department": "DEPARTMENT", "eeo4_category": "EEO4_CATEGORY",
             "opened_at": "OPENED_DATE", "closed_at": "CLOSED_DATE", "filled_at": "FILLED_DATE",
             "positions": "POSITIONS", "status": "STATUS"},
         "date_formats": ["%Y-%m-%d"]},
        {"name": "hr_job_applicants", "department": "hr", "kind": "job_applicant", "path": "job_applicants.csv",
         "description": f"Applications with the furthest stage reached; demographics self-reported. {MARKER}",
         "record_id": ["APPLICATION_ID"],
         "columns": {
             "posting_id": "REQ_ID", "person_token": "APPLICANT_TOKEN", "applied_at": "APPLIED_DATE",
             "stage": "STAGE_REACHED", "hired": "HIRED", "offer_accepted_at": "OFFER_ACCEPTED_DATE",
             "sex": "SEX", "race": "RACE_ETHNICITY", "home_zip": "HOME_ZIP"},
         "date_formats": ["%Y-%m-%d"],
         "field_missing_values": {"race": ["Prefer not to answer"]}},
    ]
    return {
        "version": 1,
        "city": {"name": "Racine, WI (synthetic demo)", "timezone": "America/Chicago", "state": "WI",
                 "population": 77000, "synthetic": True},
        "sources": sources,
    }


def write_city_yaml(out_dir: Path, seed: int, scale: float) -> Path:
    """Write ``city.yaml`` into ``out_dir`` with a header naming the data as synthetic."""
    head = (f"# {MARKER}\n# civicgrid demo city: Racine, WI (synthetic). Generated by civicgrid.demo "
            f"(seed={seed}, scale={scale:g}); regenerate instead of editing.\n")
    body = yaml.safe_dump(city_config(), sort_keys=False, allow_unicode=True, width=110)
    path = Path(out_dir) / "city.yaml"
    path.write_text(head + body, encoding="utf-8")
    return path
