"""Pages render for the demo and a real city; the synthetic label; the staffing calculator; build swaps."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from web_helpers import make_app, signed_in

PAGES = ["/", "/data", "/data/quarantine", "/integration", "/integration/map", "/integration/review",
         "/integration/meetings", "/service", "/service/close", "/service/backlog", "/service/forecast",
         "/service/staffing", "/service/staff", "/service/feedback", "/service/cad", "/workforce", "/admin/users",
         "/admin/audit"]


def test_every_page_is_labelled_synthetic(clients):
    for path in PAGES:
        r = clients["admin"].get(path)
        assert r.status_code == 200, path
        assert "SYNTHETIC DEMO DATA" in r.text, path
        assert '<a class="skip-link" href="#main">' in r.text and '<main id="main"' in r.text


def test_real_city_pages_are_not_labelled_synthetic(la_app):
    c = signed_in(la_app, "admin")
    for path in ("/", "/data", "/service", "/service/close", "/service/cad", "/workforce", "/service/forecast"):
        r = c.get(path)
        assert r.status_code == 200, path
        assert "SYNTHETIC" not in r.text, path
    assert "Los Angeles" in c.get("/data").text
    unlinked = c.get("/integration")  # this fixture is built without linkage
    assert unlinked.status_code == 409 and "civicgrid linkage link" in unlinked.text
    assert c.get("/api/v1/properties").status_code == 409


def test_interim_ranking_without_integration_scores(demo_app):
    c = signed_in(demo_app, "integration")
    html = c.get("/integration").text
    assert "Interim ranking" in html and "records_in_window".replace("_", " ") in html
    top = c.get("/api/v1/properties?limit=1").json()["properties"][0]
    assert c.get(f"/integration/property/{top['parcel_id']}").status_code == 200


def test_scored_ranking_and_profile(clients, top_parcel):
    c = clients["integration"]
    html = c.get("/integration").text
    assert "Interim ranking" not in html and "Scores as of" in html
    prof = c.get(f"/integration/property/{top_parcel}").text
    assert "Score components" in prof and "Early warnings" in prof and "Block" in prof
    api = c.get(f"/api/v1/properties/{top_parcel}").json()
    assert api["score"]["location_key"] == top_parcel and api["score"]["components"]
    assert c.get("/integration/property/NO-SUCH-PARCEL").status_code == 404
    gj = c.get("/integration/properties.geojson?window=90").json()
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) > 100
    assert gj["features"][0]["properties"]["url"].startswith("/integration/property/")


def test_filters_narrow_the_ranking(clients):
    c = clients["integration"]
    allp = c.get("/api/v1/properties?limit=10000").json()["total"]
    over = c.get("/api/v1/properties?flag=over_threshold&limit=10000").json()
    assert 0 < over["total"] < allp
    assert all(p["over_threshold"] for p in over["properties"])
    hood = over["properties"][0]["neighborhood"]
    inhood = c.get(f"/api/v1/properties?neighborhood={hood}&limit=10000").json()["properties"]
    assert {p["neighborhood"] for p in inhood} == {hood}


def test_staffing_calculator_reference_case(clients):
    q = "calls=100&interval_minutes=30&aht_seconds=180&target=80&answer_seconds=20&shrinkage=30"
    html = clients["viewer"].get(f"/service/staffing?{q}").text
    stats = dict((label, value) for value, label in re.findall(
        r'<div class="stat-value">([^<]+)</div><div class="stat-label">([^<]+)</div>', html))
    assert stats["agents on the phones"] == "14" and stats["staff to schedule"] == "20"
    assert stats["service level"] == "88.8 %"
    api = clients["viewer"].get(f"/api/v1/service/staffing?{q}").json()
    assert api["agents"] == 14 and api["scheduled_staff"] == 20
    assert api["service_level"] == pytest.approx(0.888350, abs=1e-6)
    assert api["asa_seconds"] == pytest.approx(7.836, abs=1e-3)
    part = clients["viewer"].get(f"/service/staffing?{q}", headers={"HX-Request": "true"}).text
    assert "<html" not in part and "agents on the phones" in part
    bad = clients["viewer"].get("/service/staffing?calls=abc").text
    assert "must be a number" in bad


def test_privacy_of_service_api(clients):
    v = clients["viewer"].get("/api/v1/service/report").json()
    assert "withheld" in v["staff"] and "withheld" in v["feedback"]["low_ratings"]
    s = clients["service_supervisor"].get("/api/v1/service/report").json()
    assert s["staff"]["agent"]["groups"] and isinstance(s["feedback"]["low_ratings"]["requests"], list)
    cad_v = clients["viewer"].get("/api/v1/service/cad").json()
    assert cad_v["by"]["officer"] is None and cad_v["by"]["call_type"]
    assert "Staff and teams" not in clients["viewer"].get("/service").text
    assert "Low-rated requests (rating" not in clients["viewer"].get("/service/feedback").text


def test_openapi_lists_the_api_and_open311(clients):
    spec = clients["viewer"].get("/api/v1/openapi.json").json()
    paths = set(spec["paths"])
    assert "/open311/v2/requests.json" in paths and "/api/v1/properties" in paths
    assert all(p.startswith(("/api/v1/", "/open311/v2/")) for p in paths)
    params = {p["name"] for p in spec["paths"]["/open311/v2/requests.json"]["get"]["parameters"]}
    assert params == {"service_request_id", "service_code", "start_date", "end_date", "status", "page", "page_size"}


def test_a_swapped_in_build_is_served_without_restart(demo_db, la_db, tmp_path):
    live = tmp_path / "live.duckdb"
    shutil.copy2(demo_db, live)
    app = make_app(live, tmp_path / "a.sqlite")
    c = signed_in(app, "admin")
    first = c.get("/healthz").json()["build_id"]
    assert "SYNTHETIC" in c.get("/data").text
    staged = tmp_path / "live.duckdb.building-1"
    shutil.copy2(la_db, staged)
    os.replace(staged, live)  # what `civicgrid build` does
    assert c.get("/healthz").json()["build_id"] != first
    html = c.get("/data").text
    assert "Los Angeles" in html and "SYNTHETIC" not in html


def test_missing_warehouse_is_a_clear_page(tmp_path):
    from civicgrid.web import users
    from web_helpers import PASSWORD, settings

    from civicgrid.web import create_app

    app = create_app(tmp_path / "none.duckdb", tmp_path / "a.sqlite", settings())
    users.add_user(app.state.app_db, "admin", PASSWORD, "admin")
    c = signed_in(app, "admin")
    r = c.get("/data")
    assert r.status_code == 503 and "civicgrid build" in r.text
    assert c.get("/api/v1/status").status_code == 503


def test_filters_that_leave_nothing_give_an_empty_list(clients):
    """A department filter on an empty neighbourhood (found by schemathesis: a 500 before)."""
    r = clients["admin"].get("/api/v1/properties?department=code_enforcement&neighborhood=Nowhere")
    assert r.status_code == 200 and r.json()["properties"] == []
    page = clients["admin"].get("/integration?department=code_enforcement&neighborhood=Nowhere")
    assert page.status_code == 200
