"""Meetings on the integration module's API: agenda → action → note → decision → packet, all audited
(on SQLite and on PostgreSQL app state)."""

from __future__ import annotations

import re

import pytest
from web_helpers import make_app, signed_in

from civicgrid.web.audit import entries


@pytest.fixture()
def team(scored_db, app_state):
    """The scored demo app (app state on SQLite, then PostgreSQL) and a signed-in integration client."""
    pytest.importorskip("civicgrid.integration.meetings")
    app = make_app(scored_db, app_state)
    return app, signed_in(app, "integration")


def test_meeting_agenda_actions_and_packet(team):
    app, c = team
    tok = c.get("/api/v1/me").json()["csrf_token"]
    r = c.post("/integration/meetings", data={"csrf_token": tok, "held_on": "2026-11-12"}, follow_redirects=False)
    mid = re.search(r"/integration/meetings/(\d+)", r.headers["location"]).group(1)
    assert "Generate the agenda" in c.get(f"/integration/meetings/{mid}").text
    r = c.post(f"/integration/meetings/{mid}/agenda", data={"csrf_token": tok}, follow_redirects=False)
    assert "Agenda%20generated" in r.headers["location"]
    page = c.get(f"/integration/meetings/{mid}").text
    case = re.search(r'id="case-(\d+)"', page).group(1)
    base = {"csrf_token": tok, "meeting_id": mid}
    assert c.post(f"/integration/cases/{case}/action", data={**base, "department": "code_enforcement",
                                                              "description": "reinspect the porch",
                                                              "due_on": "2026-12-01"}).status_code == 200
    c.post(f"/integration/cases/{case}/note", data={**base, "text": "owner called back"})
    c.post(f"/integration/cases/{case}/decision", data={**base, "decision": "continue", "text": "watch"})
    bad = c.post(f"/integration/cases/{case}/decision", data={**base, "decision": "burn it"}, follow_redirects=False)
    assert "err=" in bad.headers["location"]
    ag = c.get(f"/api/v1/meetings/{mid}").json()
    item = next(i for i in ag["items"] if str(i["case"]["id"]) == case)
    assert item["actions"][0]["description"] == "reinspect the porch" and item["notes"][0]["text"] == "owner called back"
    assert item["decisions"][0]["decision"] == "continue"
    action_id = item["actions"][0]["id"]
    c.post(f"/integration/actions/{action_id}/close", data={**base})
    assert c.get(f"/api/v1/meetings/{mid}").json()["items"][0]["actions"][0]["status"] in ("done", "open")
    csv = c.get(f"/integration/meetings/{mid}/packet.csv")
    assert csv.status_code == 200 and csv.text.startswith("position,reason")
    assert "reinspect the porch" in csv.text
    acts = {e["action"] for e in entries(app.state.app_db)[0]}
    assert {"meeting.new", "meeting.agenda", "action.add", "note.add", "case.decide", "action.close",
            "export.packet.csv"} <= acts
    assert signed_in(app, "viewer").get(f"/integration/meetings/{mid}").status_code == 403


def test_score_contest_from_the_profile(team, top_parcel):
    app, c = team
    tok = c.get("/api/v1/me").json()["csrf_token"]
    r = c.post(f"/integration/property/{top_parcel}/contest",
               data={"csrf_token": tok, "reason": "the dumping case was at the neighbour's"}, follow_redirects=False)
    assert r.status_code == 303
    assert "the dumping case was at the neighbour" in c.get(f"/integration/property/{top_parcel}").text
    assert entries(app.state.app_db, action="score.contest")[1] == 1
