"""Rows of the REAL files in ../shared/data, shaped as four open-data APIs publish them.

* CKAN datastore (WPRDC)       — pittsburgh/fire_incidents.csv, typed as the datastore types it, with ``_id``
* Socrata SODA 2 (LA)          — los_angeles/MyLA311 rows with SODA field names, floating timestamps,
                                 a ``location`` object, null fields left out
* ArcGIS REST (Sacramento)     — sacramento police dispatch rows as feature attributes, dates in epoch ms
* Open311 GeoReport v2 (LA)    — the MyLA311 rows mapped onto GeoReport v2 fields

Each list is sorted by the dataset's watermark column. :func:`connector_city` writes a city
config for the loopback servers with the mappings of examples/*/city.yaml.
"""

from __future__ import annotations

import csv
import re
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
LA_TZ = ZoneInfo("America/Los_Angeles")
SODA_NUMBER = {"latitude", "longitude"}


def _read_csv(rel: str) -> list[dict]:
    with open(DATA / rel, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _la_iso(text: str) -> str | None:
    """'12/31/2017 11:59:58 PM' → '2017-12-31T23:59:58.000' (SODA floating timestamp)."""
    if not text:
        return None
    return datetime.strptime(text, "%m/%d/%Y %I:%M:%S %p").strftime("%Y-%m-%dT%H:%M:%S.000")


@lru_cache(maxsize=None)
def ckan_rows() -> list[dict]:
    rows = sorted(_read_csv("pittsburgh/fire_incidents.csv"), key=lambda r: (r["alarm_time"], r["call_no"]))
    out = []
    for i, r in enumerate(rows, start=1):
        rec = {"_id": i}
        for k, v in r.items():
            if v == "":
                rec[k] = None
            elif k in ("latitude", "longitude"):
                rec[k] = float(v)
            elif k == "alarms":
                rec[k] = int(v)
            else:
                rec[k] = v
        out.append(rec)
    return out


@lru_cache(maxsize=None)
def socrata_rows() -> list[dict]:
    out = []
    for r in _read_csv("los_angeles/MyLA311_Service_Request_Data_2017_Subset.csv"):
        rec = {}
        for k, v in r.items():
            key = k.lower()
            if key in ("createddate", "updateddate", "servicedate", "closeddate"):
                v = _la_iso(v)
            if key == "location":
                if r["Latitude"]:
                    rec[key] = {"latitude": r["Latitude"], "longitude": r["Longitude"], "human_address": "{}"}
                continue
            if v not in ("", None):
                rec[key] = v  # SODA leaves null fields out of a row
        out.append(rec)
    out.sort(key=lambda r: (r["updateddate"], r["srnumber"]))
    return out


def _soda_fields() -> list[str]:
    p = DATA / "los_angeles/MyLA311_Service_Request_Data_2017_Subset.csv"
    if not p.exists():
        return []
    with open(p, newline="", encoding="utf-8") as fh:
        return [k.lower() for k in next(csv.reader(fh))]


SODA_FIELDS = _soda_fields()


def _epoch_ms(iso: str) -> int | None:
    if not iso:
        return None
    return int(datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp() * 1000)


ARC_DATES = ["Occurence_Date", "Received_Date", "Dispatch_Date", "Enroute_Date", "At_Scene_Date", "Clear_Date"]
ARC_INTS = ["OBJECTID", "Record_ID", "X_Coordinate", "Y_Coordinate"]


@lru_cache(maxsize=None)
def arcgis_rows() -> list[dict]:
    out = []
    for r in _read_csv("sacramento/sacramento_police_dispatch_2019-01.csv"):
        rec = {}
        for k, v in r.items():
            if k in ARC_DATES:
                rec[k] = _epoch_ms(v)
            elif k in ARC_INTS:
                rec[k] = int(v) if v else None
            else:
                rec[k] = v or None
        out.append(rec)
    out.sort(key=lambda r: (r["Received_Date"], r["OBJECTID"]))
    return out


@lru_cache(maxsize=None)
def arcgis_fields() -> list[dict]:
    with open(DATA / "sacramento/sacramento_police_dispatch_2019-01.csv", newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    types = {**{k: "esriFieldTypeDate" for k in ARC_DATES}, **{k: "esriFieldTypeInteger" for k in ARC_INTS},
             "OBJECTID": "esriFieldTypeOID"}
    return [{"name": h, "type": types.get(h, "esriFieldTypeString"), "alias": h} for h in header]


@lru_cache(maxsize=None)
def open311_rows() -> list[dict]:
    out = []
    for r in _read_csv("los_angeles/MyLA311_Service_Request_Data_2017_Subset.csv"):
        def w3c(text):
            if not text:
                return None
            return datetime.strptime(text, "%m/%d/%Y %I:%M:%S %p").replace(tzinfo=LA_TZ).isoformat()
        out.append({
            "service_request_id": r["SRNumber"],
            "status": "open" if r["Status"] == "Open" else "closed",
            "status_notes": r["Status"] if r["Status"] not in ("Open", "Closed") else None,
            "service_name": r["RequestType"],
            "service_code": re.sub(r"[^a-z0-9]+", "_", r["RequestType"].lower()).strip("_"),
            "description": r["ActionTaken"] or None,
            "agency_responsible": r["Owner"] or None,
            "requested_datetime": w3c(r["CreatedDate"]),
            "updated_datetime": w3c(r["UpdatedDate"]),
            "expected_datetime": w3c(r["ServiceDate"]),
            "address": r["Address"] or None,
            "zipcode": r["ZipCode"] or None,
            "lat": float(r["Latitude"]) if r["Latitude"] else None,
            "long": float(r["Longitude"]) if r["Longitude"] else None,
            # optional GeoReport fields (address_id, service_notice, media_url) left out, as many servers do
        })
    out.sort(key=lambda r: (r["requested_datetime"], r["service_request_id"]))
    return out


# ---------------------------------------------------------------------- a city config for them
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _example_source(city: str, name: str) -> dict:
    import yaml

    doc = yaml.safe_load((EXAMPLES / city / "city.yaml").read_text())
    src = next(s for s in doc["sources"] if s["name"] == name)
    src = dict(src)
    src.pop("path")
    return src


def connector_city(url: str, timeout: float = 0.75) -> dict:
    """A city config with one source per loopback API, mappings taken from examples/*/city.yaml.

    Quick retries (0.05 s backoff); ``timeout`` below the fake's 1.5 s "slow" answer by default.
    """
    quick = {"backoff": 0.05, "timeout": timeout, "retries": 3}
    fire = _example_source("pittsburgh", "fire_incidents")
    fire["connector"] = {"type": "ckan", "url": url, "dataset": "8d76ac6b-5ae8-4428-82a4-043130d17b02",
                         "watermark": "alarm_time", "page_size": 1000, **quick}
    la = _example_source("los_angeles", "myla311_2017")
    la["name"] = "myla311_socrata"
    la.pop("date_formats")  # SODA serves ISO timestamps, not the CSV export's 12-hour clock
    la["record_id"] = [c.lower() for c in la["record_id"]]
    la["columns"] = {k: v.lower() for k, v in la["columns"].items()}
    la["connector"] = {"type": "socrata", "url": url, "dataset": "d4vt-q4t5", "watermark": "updateddate",
                       "page_size": 2000, **quick}
    sac = _example_source("sacramento", "police_dispatch")
    sac["connector"] = {"type": "arcgis", "url": f"{url}/arcgis/rest/services/Dispatch/FeatureServer/0",
                        "watermark": "Received_Date", "page_size": 2000, **quick}
    o311 = {
        "name": "requests_open311", "department": "customer_service", "kind": "service_request",
        "record_id": ["service_request_id"],
        "columns": {"category": "service_name", "service_code": "service_code", "status": "status",
                    "description": "description", "agency_responsible": "agency_responsible",
                    "opened_at": "requested_datetime", "updated_at": "updated_datetime",
                    "due_at": "expected_datetime", "address": "address", "zip": "zipcode",
                    "lat": "lat", "lon": "long"},
        "connector": {"type": "open311", "url": f"{url}/open311/v2", "start": "2017-12-01T00:00:00Z",
                      "window_days": 400, "page_size": 500, **quick},
    }
    return {"version": 1, "city": {"name": "Loopback City", "timezone": "America/New_York"},
            "sources": [fire, la, sac, o311]}
