"""The audit log: property-profile views, exports and changes are written, and only admins read them
(on SQLite and on PostgreSQL app state)."""

from __future__ import annotations

import json

from sqlalchemy import select
from web_helpers import make_app, signed_in

from civicgrid.appstate import LinkDecision, session_scope
from civicgrid.web.audit import entries


def _token(c):
    return c.get("/api/v1/me").json()["csrf_token"]


def test_profile_views_exports_and_changes_are_audited(scored_db, app_state):
    app = make_app(scored_db, app_state)
    adb = app.state.app_db
    integ = signed_in(app, "integration")
    parcel = integ.get("/api/v1/properties?limit=1").json()["properties"][0]["parcel_id"]

    assert integ.get(f"/integration/property/{parcel}").status_code == 200
    assert integ.get(f"/api/v1/properties/{parcel}").status_code == 200
    views = entries(adb, username="integration", action="property.view")[0]
    assert [v["object_id"] for v in views] == [parcel, parcel]
    assert views[0]["ip"] and views[0]["object_type"] == "parcel"

    assert integ.get("/export/integration_ranked.csv?window=90").status_code == 200
    assert integ.get("/export/chart/property_timeline_chart.svg?parcel=" + parcel).status_code == 200
    exp = entries(adb, username="integration", action="export")[0]
    assert {e["action"] for e in exp} == {"export.csv", "export.svg"}
    csv_row = next(e for e in exp if e["action"] == "export.csv")
    assert csv_row["object_id"] == "integration_ranked" and json.loads(csv_row["detail"])["params"] == {"window": "90"}

    queue = integ.get("/api/v1/review-queue").json()
    addr = next(q for q in queue if q["is_address"])
    r = integ.post("/integration/review/decide", data={"csrf_token": _token(integ), "decision": "reject",
                                                       "address_key": addr["group_key"], "note": "site visit"},
                   follow_redirects=False)
    assert r.status_code == 303
    dec = entries(adb, action="link.decide")[0][0]
    assert dec["username"] == "integration" and dec["object_id"] == addr["group_key"]
    with session_scope(adb) as s:
        stored = s.scalars(select(LinkDecision)).all()
        assert [(d.decision, d.address_key, d.decided_by) for d in stored] == [("reject", addr["group_key"], "integration")]

    admin = signed_in(app, "admin")
    t = _token(admin)
    admin.post("/admin/users", data={"csrf_token": t, "username": "newbie", "password": "a long password 1",
                                     "role": "viewer"})
    admin.post("/admin/users/newbie/role", data={"csrf_token": t, "role": "hr"})
    admin.post("/admin/users/newbie/remove", data={"csrf_token": t})
    changes = [(e["action"], e["username"], e["object_id"]) for e in entries(adb, action="user.")[0]]
    assert changes[:3] == [("user.remove", "admin", "newbie"), ("user.set_role", "admin", "newbie"),
                           ("user.add", "admin", "newbie")]

    page = admin.get("/admin/audit?action=property.view")
    assert page.status_code == 200 and parcel in page.text
    assert integ.get("/admin/audit").status_code == 403
    assert admin.get("/api/v1/audit?action=export").json()["total"] == 2
    csv = admin.get("/export/admin_audit.csv?action=link").text
    assert "link.decide" in csv and "property.view" not in csv


def test_workforce_pdf_export_is_audited(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path / "a.sqlite")
    hr = signed_in(app, "hr")
    r = hr.get("/workforce/report.pdf")
    assert r.status_code == 200 and r.content[:4] == b"%PDF"
    assert entries(app.state.app_db, action="export.pdf")[0][0]["username"] == "hr"
