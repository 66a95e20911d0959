"""The team's work around a meeting: add a property to an agenda from its profile, set and change a
case's lead department, resolve score contests, move a meeting through its statuses, outcomes —
each audited, each refused to roles without ``integration.meetings``, each with a one-sentence error."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from urllib.parse import unquote_plus

import pytest
from fastapi.testclient import TestClient
from web_helpers import make_app, signed_in

from civicgrid.web.audit import entries

HX = {"HX-Request": "true"}
OTHERS = ("viewer", "hr", "service_supervisor")


@pytest.fixture(scope="module")
def team(scored_db, tmp_path_factory):
    pytest.importorskip("civicgrid.integration.meeting_state")
    app = make_app(scored_db, tmp_path_factory.mktemp("work") / "a.sqlite")
    c = signed_in(app, "integration")
    return app, c, c.get("/api/v1/me").json()["csrf_token"]


@pytest.fixture(scope="module")
def parcels(team) -> list[str]:
    _, c, _ = team
    return [p["parcel_id"] for p in c.get("/api/v1/properties?limit=60").json()["properties"]]


def _msg(r) -> str:
    """The msg= or err= a redirect carries, decoded."""
    m = re.search(r"[?&](?:msg|err)=([^&#]*)", r.headers["location"])
    return unquote_plus(m.group(1)) if m else ""


def _actions(app, prefix: str) -> list[dict]:
    return entries(app.state.app_db, action=prefix)[0]


def _meeting(c, tok, held_on: date) -> int:
    r = c.post("/integration/meetings", data={"csrf_token": tok, "held_on": held_on.isoformat()},
               follow_redirects=False)
    return int(re.search(r"/integration/meetings/(\d+)", r.headers["location"]).group(1))


def test_add_to_agenda_from_the_profile(team, parcels):
    app, c, tok = team
    pid = parcels[40]
    page = c.get(f"/integration/property/{pid}").text
    section = re.search(r'<section id="agenda".*?</section>', page, re.S).group(0)
    reason = re.search(r'<textarea id="ag-detail"[^>]*>([^<]*)</textarea>', section).group(1)
    assert reason.startswith("Score ") and "rank" in reason  # prefilled from the score
    assert 'value="new"' in section and 'name="csrf_token"' in section
    r = c.post(f"/integration/property/{pid}/agenda", data={"csrf_token": tok, "meeting": "new", "detail": reason},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("#agenda") and "Added to the agenda" in _msg(r)
    mid = int(re.search(r"meeting (\d+)", _msg(r)).group(1))
    ag = c.get(f"/api/v1/meetings/{mid}").json()
    item = ag["items"][0]
    assert item["reason"] == "added" and item["case"]["location_key"] == pid and item["score"] is not None
    assert item["detail"] == unescape(reason) and item["case"]["lead_department"]
    assert {"meeting.new", "agenda.add"} <= {e["action"] for e in _actions(app, "")}
    # the meeting is now offered, already holding the property; a second property goes onto it (htmx)
    page = c.get(f"/integration/property/{pid}").text
    assert f'<option value="{mid}" disabled>' in page and f"/integration/meetings/{mid}#case-" in page
    r = c.post(f"/integration/property/{parcels[41]}/agenda", data={"csrf_token": tok, "meeting": str(mid),
                                                                    "detail": "same owner"}, headers=HX)
    assert r.status_code == 200 and 'role="status"' in r.text and r.text.lstrip().startswith("<section id=\"agenda\"")
    assert 'id="ag-add"' in r.text  # the button keeps its id: focus stays on it after the swap
    # bad input: one-sentence errors, shown in place (htmx, 422) or carried back (no JavaScript)
    bad = [({"meeting": str(mid), "detail": "again"}, "already on the agenda"),
           ({"meeting": "", "detail": "why"}, "Choose a planned meeting"),
           ({"meeting": "next tuesday", "detail": "why"}, "Choose a planned meeting"),
           ({"meeting": "new", "detail": "   "}, "Say why the team should discuss"),
           ({"meeting": str(mid), "detail": "x" * 2001}, "longer than 2,000 characters"),
           ({"meeting": "987654", "detail": "why"}, "There is no meeting 987654.")]
    for body, text in bad:
        r = c.post(f"/integration/property/{pid}/agenda", data={"csrf_token": tok, **body}, headers=HX)
        assert r.status_code == 422 and 'role="alert"' in r.text and text in unescape(r.text), (body, r.text[-300:])
        r = c.post(f"/integration/property/{pid}/agenda", data={"csrf_token": tok, **body}, follow_redirects=False)
        assert r.status_code == 303 and text in _msg(r)
    r = c.post("/integration/property/NO-SUCH-PARCEL/agenda", data={"csrf_token": tok, "meeting": str(mid),
                                                                    "detail": "why"}, follow_redirects=False)
    assert "no parcel NO-SUCH-PARCEL" in _msg(r)
    assert len(c.get(f"/api/v1/meetings/{mid}").json()["items"]) == 2  # nothing else was added
    assert c.post(f"/integration/property/{pid}/agenda", data={"csrf_token": "forged", "meeting": str(mid),
                                                                "detail": "x"}).status_code == 403


def test_roles_without_meetings_cannot_change_anything(team, parcels):
    app, c, tok = team
    mid = _meeting(c, tok, date.today() + timedelta(days=400))
    posts = [(f"/integration/property/{parcels[42]}/agenda", {"meeting": str(mid), "detail": "x"}),
             ("/integration/cases/1/lead", {"department": "police"}),
             ("/integration/contests/1/resolve", {"status": "rejected", "resolution": "x"}),
             (f"/integration/meetings/{mid}/status", {"status": "cancelled"})]
    for role in OTHERS:
        other = signed_in(app, role)
        t = other.get("/api/v1/me").json()["csrf_token"]
        for path, body in posts:
            r = other.post(path, data={"csrf_token": t, **body}, follow_redirects=False)
            assert r.status_code == 403, (role, path)
        assert other.get(f"/integration/meetings/{mid}/outcomes").status_code == 403
    anon = TestClient(app)
    r = anon.post(f"/integration/meetings/{mid}/status", data={"status": "cancelled"}, follow_redirects=False)
    assert r.status_code in (303, 403)
    assert c.get(f"/api/v1/meetings/{mid}").json()["meeting"]["status"] == "planned"
    assert len(c.get(f"/api/v1/meetings/{mid}").json()["items"]) == 0


def test_lead_department_on_the_meeting_page(team):
    app, c, tok = team
    mid = _meeting(c, tok, date.today() - timedelta(days=1))
    c.post(f"/integration/meetings/{mid}/agenda", data={"csrf_token": tok})
    page = c.get(f"/integration/meetings/{mid}").text
    case = re.search(r'id="case-(\d+)"', page).group(1)
    form = re.search(rf'<form method="post" action="/integration/cases/{case}/lead".*?</form>', page, re.S).group(0)
    current = re.search(r'<option value="(\w+)" selected>', form).group(1)
    choices = re.findall(r'<option value="(\w+)"', form)
    assert 'hx-post=' in form and 'name="csrf_token"' in form and f'<label for="lead-sel-{case}">' in form
    other = next(d for d in choices if d != current)
    r = c.post(f"/integration/cases/{case}/lead", data={"csrf_token": tok, "department": other, "meeting_id": mid},
               headers=HX)
    assert r.status_code == 200 and f'<option value="{other}" selected>' in r.text and 'role="status"' in r.text
    assert f'id="lead-sel-{case}"' in r.text and f'id="lead-btn-{case}"' in r.text
    r = c.post(f"/integration/cases/{case}/lead", data={"csrf_token": tok, "department": current, "meeting_id": mid},
               follow_redirects=False)
    assert r.status_code == 303 and f"/integration/meetings/{mid}?msg=" in r.headers["location"]
    assert r.headers["location"].endswith(f"#case-{case}")
    for dept, text in (("parks_and_rec", "not one of this city's departments"), ("", "Choose a lead department"),
                       (current, "already the lead department")):
        r = c.post(f"/integration/cases/{case}/lead", data={"csrf_token": tok, "department": dept, "meeting_id": mid},
                   headers=HX)
        assert r.status_code == 422 and text in unescape(r.text) and 'role="alert"' in r.text
        assert f'id="lead-sel-{case}"' in r.text  # the form is still there to correct
    r = c.post("/integration/cases/987654/lead", data={"csrf_token": tok, "department": "police"}, headers=HX)
    assert r.status_code == 422 and "no case 987654" in r.text
    leads = [e for e in _actions(app, "case.lead") if e["object_id"] == case]
    assert len(leads) == 2 and f'"lead": "{other}"' in leads[-1]["detail"]
    assert current in (c.get(f"/api/v1/meetings/{mid}").json()["items"][0]["case"]["lead_department"],)


def test_meeting_status_follows_the_backend_rules(team):
    app, c, tok = team
    future = _meeting(c, tok, date.today() + timedelta(days=30))
    page = c.get(f"/integration/meetings/{future}").text
    form = re.search(r'<form method="post" action="/integration/meetings/\d+/status".*?</form>', page, re.S).group(0)
    assert '<option value="held">' in form and '<option value="cancelled">' in form and 'name="csrf_token"' in form

    def move(mid, status):
        return c.post(f"/integration/meetings/{mid}/status", data={"csrf_token": tok, "status": status},
                      follow_redirects=False)

    assert "Generate the agenda before" in _msg(move(future, "held"))
    c.post(f"/integration/meetings/{future}/agenda", data={"csrf_token": tok})
    assert "cannot be marked held before its date" in _msg(move(future, "held"))
    assert "status is one of" in _msg(move(future, "closed"))
    assert "already planned" in _msg(move(future, "planned"))
    r = move(future, "cancelled")
    assert r.status_code == 303 and _msg(r) == "The meeting is now cancelled."
    assert c.get(r.headers["location"]).text.count("The meeting is now cancelled.") == 1  # not in every item
    page = c.get(f"/integration/meetings/{future}").text
    assert "was cancelled" in page and "/action\"" not in page and "Generate the agenda" not in page
    assert 'id="lead-sel-' not in page  # nothing is changed at a cancelled meeting
    assert '<option value="planned">' in page
    assert _msg(move(future, "planned")) == "The meeting is now planned."
    past = _meeting(c, tok, date.today() - timedelta(days=2))
    c.post(f"/integration/meetings/{past}/agenda", data={"csrf_token": tok})
    case = re.search(r'id="case-(\d+)"', c.get(f"/integration/meetings/{past}").text).group(1)
    c.post(f"/integration/cases/{case}/note", data={"csrf_token": tok, "meeting_id": past, "text": "discussed"})
    assert "held, not cancelled" in _msg(move(past, "cancelled"))
    assert _msg(move(past, "held")) == "The meeting is now held."
    assert "stays held" in _msg(move(past, "planned"))
    page = c.get(f"/integration/meetings/{past}").text
    assert 'action="/integration/meetings/%d/status"' % past not in page  # no status left to move to
    changes = [(e["object_id"], e["detail"]) for e in _actions(app, "meeting.status")]
    assert (str(past), '{"from": "planned", "to": "held"}') in changes and len(changes) == 3
    assert move(987654, "held").headers["location"].startswith("/integration/meetings/987654?err=")


def test_contests_resolved_with_a_note(team, parcels):
    app, c, tok = team
    pid = parcels[43]
    c.post(f"/integration/property/{pid}/contest", data={"csrf_token": tok, "reason": "tenant, not owner, called"})
    r = c.post(f"/integration/property/{pid}/contest", data={"csrf_token": tok, "reason": " "}, follow_redirects=False)
    assert "Say why the score is wrong" in _msg(r)
    page = c.get(f"/integration/property/{pid}").text
    cid = re.search(r'id="contest-(\d+)"', page).group(1)
    form = re.search(rf'<form method="post" action="/integration/contests/{cid}/resolve".*?</form>', page,
                     re.S).group(0)
    assert 'name="csrf_token"' in form and 'hx-post=' in form and "upheld" in form and "corrected" in form
    assert f"#contest-{cid}" in c.get("/integration/meetings").text  # listed as waiting for the team
    # on the meeting page too, once the property is on an agenda
    mid = _meeting(c, tok, date.today() + timedelta(days=60))
    c.post(f"/integration/property/{pid}/agenda", data={"csrf_token": tok, "meeting": str(mid), "detail": "contested"})
    assert f'action="/integration/contests/{cid}/resolve"' in c.get(f"/integration/meetings/{mid}").text
    url = f"/integration/contests/{cid}/resolve"
    for body, text in (({"status": "rejected", "resolution": "  "}, "Say in a note why"),
                       ({"status": "ignored", "resolution": "x"}, "upheld, rejected or corrected")):
        r = c.post(url, data={"csrf_token": tok, **body}, headers=HX)
        assert r.status_code == 422 and text in unescape(r.text) and f'id="cr-b-{cid}"' in r.text
    r = c.post(url, data={"csrf_token": tok, "status": "rejected", "resolution": "complaints verified on site"},
               headers=HX)
    assert r.status_code == 200 and "Contest resolved: rejected." in r.text and "complaints verified on site" in r.text
    assert f'id="cr-b-{cid}" tabindex="-1"' in r.text and "<form" not in r.text  # focus lands on the confirmation
    r = c.post(url, data={"csrf_token": tok, "status": "upheld", "resolution": "again", "back": "//evil.example/x"},
               follow_redirects=False)
    assert r.headers["location"].startswith("/integration/meetings?err=") and "already resolved" in _msg(r)
    r = c.post(url, data={"csrf_token": tok, "status": "upheld", "resolution": "again",
                          "back": f"/integration/property/{pid}?x=1"}, follow_redirects=False)
    assert r.headers["location"].startswith(f"/integration/property/{pid}?err=")
    assert "Resolved" in c.get(f"/integration/property/{pid}").text
    assert f"#contest-{cid}" not in c.get("/integration/meetings").text
    done = _actions(app, "score.contest.resolve")
    assert len(done) == 1 and done[0]["username"] == "integration" and done[0]["object_id"] == pid


def test_outcomes_on_the_meeting_page(team):
    app, c, tok = team
    mid = _meeting(c, tok, date(2026, 3, 1))
    c.post(f"/integration/meetings/{mid}/agenda", data={"csrf_token": tok})
    page = c.get(f"/integration/meetings/{mid}").text
    assert f'hx-get="/integration/meetings/{mid}/outcomes"' in page and 'hx-trigger="load"' in page
    frag = c.get(f"/integration/meetings/{mid}/outcomes", headers=HX)
    assert frag.status_code == 200 and "<html" not in frag.text
    assert "Parcels</strong>" in frag.text and "DiD" in frag.text
    assert f"/export/meeting_outcomes.csv?meeting={mid}" in frag.text
    full = c.get(f"/integration/meetings/{mid}/outcomes")
    assert full.status_code == 200 and "<h1>Outcomes" in full.text
    csv = c.get(f"/export/meeting_outcomes.csv?meeting={mid}").text.splitlines()
    assert csv[1].startswith("position,address,level,location_key,first_discussed,note")
    rows = csv[2:]
    assert len(rows) == len(c.get(f"/api/v1/meetings/{mid}").json()["items"])
    assert any(re.search(r",-?\d+\.\d+$", r) for r in rows)  # a difference in differences per location
    assert c.get("/integration/meetings/987654/outcomes").status_code == 404


def test_every_new_post_form_carries_the_token(team, parcels):
    _, c, tok = team
    mid = _meeting(c, tok, date.today() + timedelta(days=90))
    c.post(f"/integration/property/{parcels[44]}/agenda", data={"csrf_token": tok, "meeting": str(mid), "detail": "x"})
    c.post(f"/integration/property/{parcels[44]}/contest", data={"csrf_token": tok, "reason": "x"})
    for path in (f"/integration/meetings/{mid}", f"/integration/property/{parcels[44]}"):
        html = c.get(path).text
        forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", html, re.S | re.I)
        assert len(forms) >= 3, path
        for form in forms:
            assert 'name="csrf_token"' in form, (path, form[:200])
            for field in re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*id="([^"]+)"', form):
                assert f'for="{field}"' in form, (path, field)  # every visible control is labelled


def test_the_walk_on_sqlite_and_postgresql(scored_db, app_state):
    """Add to agenda → lead → contest resolved → agenda → held, on either app database."""
    pytest.importorskip("civicgrid.integration.meeting_state")
    app = make_app(scored_db, app_state)
    c = signed_in(app, "integration")
    tok = c.get("/api/v1/me").json()["csrf_token"]
    pid = c.get("/api/v1/properties?limit=1").json()["properties"][0]["parcel_id"]
    mid = _meeting(c, tok, date.today())
    r = c.post(f"/integration/property/{pid}/agenda", data={"csrf_token": tok, "meeting": str(mid), "detail": "why"},
               follow_redirects=False)
    assert "Added to the agenda" in _msg(r)
    case = c.get(f"/api/v1/meetings/{mid}").json()["items"][0]["case"]
    other = "public_works" if case["lead_department"] != "public_works" else "police"
    r = c.post(f"/integration/cases/{case['id']}/lead", data={"csrf_token": tok, "department": other,
                                                              "meeting_id": mid}, follow_redirects=False)
    assert "Lead department set" in _msg(r)
    c.post(f"/integration/property/{pid}/contest", data={"csrf_token": tok, "reason": "wrong parcel"})
    cid = re.search(r'id="contest-(\d+)"', c.get(f"/integration/property/{pid}").text).group(1)
    r = c.post(f"/integration/contests/{cid}/resolve", data={"csrf_token": tok, "status": "corrected",
                                                            "resolution": "relinked"}, follow_redirects=False)
    assert "Contest resolved: corrected." == _msg(r)
    c.post(f"/integration/meetings/{mid}/agenda", data={"csrf_token": tok})
    r = c.post(f"/integration/meetings/{mid}/status", data={"csrf_token": tok, "status": "held"},
               follow_redirects=False)
    assert _msg(r) == "The meeting is now held."
    ag = c.get(f"/api/v1/meetings/{mid}").json()
    assert ag["meeting"]["status"] == "held" and ag["items"][-1]["case"]["lead_department"] == other
    assert {"agenda.add", "case.lead", "score.contest.resolve", "meeting.status"} <= {
        e["action"] for e in entries(app.state.app_db)[0]}
