"""The biweekly meeting on the demo city: agendas, cases that stay until a decision closes them,
action items, the packet (HTML, PDF with charts, CSV), outcomes, score contests, the migration."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from civicgrid.appstate import AuditEntry, Base, current_revision, engine_for, head_revision, session_scope, upgrade
from civicgrid.integration import casework, meetings
from civicgrid.integration.outcomes import outcomes
from civicgrid.reports.meeting_packet import build_packet, write_packet


def test_migration_0003_matches_the_models(tmp_path):
    url = upgrade(tmp_path / "app.sqlite")
    assert head_revision() == current_revision(url) == "0003_meetings"
    with engine_for(url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], diff


@pytest.fixture(scope="module")
def flow(demo, tmp_path_factory):
    """Two meetings two weeks apart in July 2026, with an action and a closing decision between."""
    app = tmp_path_factory.mktemp("meetings") / "app.sqlite"
    m1 = meetings.new_meeting(app, date(2026, 7, 1), created_by="chair")
    a1 = meetings.generate_agenda(app, demo.db, m1["id"], as_of=date(2026, 7, 1))
    first, second = a1["items"][0]["case"], a1["items"][1]["case"]
    act = casework.add_action(app, case_id=first["id"], department="code_enforcement",
                              description="Joint inspection with police", due_on=date(2026, 7, 10),
                              meeting_id=m1["id"], created_by="chair")
    casework.add_note(app, case_id=first["id"], text="Owner out of state; tenant complaints", meeting_id=m1["id"])
    dec = casework.decide(app, case_id=second["id"], decision="close_resolved", text="owner abated", meeting_id=m1["id"])
    m2 = meetings.new_meeting(app)  # on the cadence
    a2 = meetings.generate_agenda(app, demo.db, m2["id"], as_of=date(2026, 7, 15))
    return {"app": app, "m1": m1, "a1": a1, "m2": m2, "a2": a2, "first": first, "second": second, "action": act,
            "decision": dec}


def test_first_agenda_holds_new_and_escalating_within_capacity(flow, demo):
    a1 = flow["a1"]
    assert 0 < len(a1["items"]) <= demo.cfg.integration.team_capacity
    assert {i["reason"] for i in a1["items"]} <= {"new", "escalating", "high_score"}
    assert a1["meeting"]["data_as_of"].startswith("2026-07-01")
    assert all(i["case"]["status"] in ("open", "closed") and i["case"]["lead_department"] for i in a1["items"])
    parcels = [i for i in a1["items"] if i["case"]["level"] == "parcel"]
    assert parcels and a1["items"][0]["case"]["level"] == "parcel"  # properties before blocks


def test_cases_stay_on_the_list_until_a_decision_closes_them(flow):
    a2, m2 = flow["a2"], flow["m2"]
    assert m2["held_on"] == "2026-07-15"  # 14 days after the first meeting
    carried = {i["case"]["id"]: i for i in a2["items"] if i["reason"] == "carried_over"}
    open_before = {i["case"]["id"] for i in flow["a1"]["items"]} - {flow["second"]["id"]}
    assert set(carried) == open_before
    assert flow["second"]["id"] not in {i["case"]["id"] for i in a2["items"]}  # closed: off the list
    first = carried[flow["first"]["id"]]
    assert first["open_actions"] == 1 and first["actions"][0]["due_on"] == "2026-07-10"
    assert first["notes"][0]["text"].startswith("Owner out of state")
    assert a2["items"][0]["reason"] == "carried_over"
    with pytest.raises(ValueError, match="already closed"):
        casework.decide(flow["app"], case_id=flow["second"]["id"], decision="continue")


def test_generating_twice_returns_the_same_agenda(flow, demo):
    again = meetings.generate_agenda(flow["app"], demo.db, flow["m2"]["id"], as_of=date(2026, 7, 15))
    assert [i["id"] for i in again["items"]] == [i["id"] for i in flow["a2"]["items"]]


def test_closing_an_action(flow):
    done = casework.close_action(flow["app"], flow["action"]["id"], closed_by="inspector", note="inspected")
    assert done["status"] == "done" and done["closed_at"]
    acts = casework.actions_for(flow["app"], flow["first"]["level"], flow["first"]["location_key"])
    assert acts[0]["status"] == "done"


def test_packet_html_pdf_csv(flow, demo, tmp_path):
    app, mid = flow["app"], flow["m2"]["id"]
    p = build_packet(app, demo.db, mid)
    assert len(p["items"]) == len(flow["a2"]["items"]) and p["scores_chart"].startswith("data:image/png;base64,")
    assert any(i["chart"] for i in p["items"]) and all(i["components"] is not None for i in p["items"])
    html = write_packet(app, demo.db, mid, "html", tmp_path / "p.html", username="chair", packet=p).read_text()
    assert "SYNTHETIC DEMO DATA" in html and "Joint inspection with police" in html and "data:image/png" in html
    pdf = write_packet(app, demo.db, mid, "pdf", tmp_path / "p.pdf", username="chair", packet=p).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    rows = list(csv.DictReader(io.StringIO(write_packet(app, demo.db, mid, "csv", tmp_path / "p.csv").read_text())))
    assert len(rows) == len(flow["a2"]["items"]) and rows[0]["reason"] == "carried_over"
    with session_scope(app) as s:
        actions = [a.action for a in s.scalars(select(AuditEntry))]
    assert {"export.packet.html", "export.packet.pdf", "export.packet.csv"} <= set(actions)


def test_outcomes_difference_in_differences_with_counts(flow, demo):
    r = outcomes(flow["app"], demo.db, months=3)
    lv = r["levels"]["parcel"]
    assert lv["discussed"] >= 10 and lv["with_after_data"] == lv["discussed"]
    assert lv["comparison_locations"] >= 5 * lv["with_after_data"] - 5
    assert lv["difference_in_differences"] is not None and lv["events_before"] > 0
    assert lv["reading"]
    case = next(c for c in r["cases"] if "did" in c)
    assert case["did"] == pytest.approx((case["after_per_month"] - case["before_per_month"])
                                        - (case["comparison_after_per_month"] - case["comparison_before_per_month"]),
                                        abs=0.01)


def test_score_contests(flow):
    app = flow["app"]
    key = flow["first"]["location_key"]
    c = casework.contest_score(app, level="parcel", location_key=key, reason="tenant, not owner, called 311",
                               component="customer_service · complaint", submitted_by="owner-rep")
    assert casework.contests_for(app, "parcel", key)[-1]["status"] == "open"
    r = casework.resolve_contest(app, c["id"], status="rejected", resolution="complaints verified", resolved_by="chair")
    assert r["status"] == "rejected" and r["resolved_at"]


def _actions(app) -> list[tuple[str, str]]:
    with session_scope(app) as s:
        return [(a.action, a.detail or "") for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_meeting_status_moves_only_as_the_rules_allow(demo, tmp_path):
    from civicgrid.integration.meeting_state import next_statuses, set_meeting_status

    app = tmp_path / "app.sqlite"
    m = meetings.new_meeting(app, date(2026, 7, 1))
    assert next_statuses("planned") == ("held", "cancelled") and next_statuses("held") == ()
    with pytest.raises(ValueError, match="Generate the agenda"):
        set_meeting_status(app, m["id"], "held", today=date(2026, 7, 2))
    a = meetings.generate_agenda(app, demo.db, m["id"], as_of=date(2026, 7, 1))
    with pytest.raises(ValueError, match=r"before its date \(2026-07-01\)"):
        set_meeting_status(app, m["id"], "held", today=date(2026, 6, 30))
    with pytest.raises(ValueError, match="status is one of"):
        set_meeting_status(app, m["id"], "closed")
    casework.add_note(app, case_id=a["items"][0]["case"]["id"], text="seen", meeting_id=m["id"])
    with pytest.raises(ValueError, match="held, not cancelled"):
        set_meeting_status(app, m["id"], "cancelled")
    assert set_meeting_status(app, m["id"], "held", username="chair", today=date(2026, 7, 1))["status"] == "held"
    for status in ("planned", "cancelled", "held"):
        with pytest.raises(ValueError, match="held"):
            set_meeting_status(app, m["id"], status)
    m2 = meetings.new_meeting(app)  # on the cadence, nothing recorded at it
    assert set_meeting_status(app, m2["id"], "cancelled", username="chair")["status"] == "cancelled"
    with pytest.raises(ValueError, match="cancelled; reinstate it"):
        meetings.generate_agenda(app, demo.db, m2["id"])
    with pytest.raises(ValueError, match="was cancelled"):
        casework.add_note(app, case_id=a["items"][0]["case"]["id"], text="x", meeting_id=m2["id"])
    with pytest.raises(ValueError, match="cannot become held"):
        set_meeting_status(app, m2["id"], "held")
    assert set_meeting_status(app, m2["id"], "planned")["status"] == "planned"
    changes = [d for act, d in _actions(app) if act == "meeting.status"]
    assert len(changes) == 3 and '"from": "planned", "to": "held"' in changes[0]


def test_adding_a_location_by_hand_before_and_after_the_agenda(demo, tmp_path):
    from civicgrid.integration.meeting_state import add_to_agenda, agenda_entry, location_history, open_meetings

    app = tmp_path / "app.sqlite"
    con = demo.con()
    try:
        low = [r[0] for r in con.execute("SELECT location_key FROM property_scores WHERE level = 'parcel' AND NOT "
                                         "over_threshold ORDER BY score DESC LIMIT 60").fetchall()]
    finally:
        con.close()
    first, second = low[0], low[1]
    entry = agenda_entry(demo.db, "parcel", first)
    assert entry["detail"].startswith("Score ") and entry["rank"] and entry["lead_department"]
    assert agenda_entry(demo.db, "parcel", "NO-SUCH")["score"] is None
    m = meetings.new_meeting(app, date(2026, 7, 1))
    assert [x["id"] for x in open_meetings(app)] == [m["id"]]
    item = add_to_agenda(app, m["id"], "parcel", first, detail="  neighbours' petition  ", score=entry["score"],
                         rank=entry["rank"], flags=entry["flags"], lead_department=entry["lead_department"],
                         username="chair")
    assert item["reason"] == "added" and item["detail"] == "neighbours' petition" and item["score"] == entry["score"]
    with pytest.raises(ValueError, match="already on the agenda"):
        add_to_agenda(app, m["id"], "parcel", first)
    with pytest.raises(ValueError, match="longer than 2,000"):
        add_to_agenda(app, m["id"], "parcel", second, detail="x" * 2001)
    with pytest.raises(ValueError, match="no meeting 99"):
        add_to_agenda(app, 99, "parcel", second)
    with pytest.raises(ValueError, match="not 'street'"):
        add_to_agenda(app, m["id"], "street", second)
    ag = meetings.generate_agenda(app, demo.db, m["id"], as_of=date(2026, 7, 1))  # keeps the hand-added item
    cases = [i["case"]["id"] for i in ag["items"]]
    assert len(cases) == len(set(cases)) and [i["position"] for i in ag["items"]] == list(range(1, len(cases) + 1))
    assert ag["items"][-1]["reason"] == "added" and ag["items"][-1]["case"]["location_key"] == first
    later = next(k for k in low if (("parcel", k) not in {(i["case"]["level"], i["case"]["location_key"])
                                                          for i in ag["items"]}))
    add_to_agenda(app, m["id"], "parcel", later, detail="after the agenda")
    assert meetings.get_agenda(app, m["id"])["counts"]["added"] == 2
    hist = location_history(app, "parcel", first)
    assert hist[0]["status"] == "open" and hist[0]["agendas"][0]["meeting"]["id"] == m["id"]
    from civicgrid.integration.meeting_state import set_meeting_status

    set_meeting_status(app, m["id"], "held", today=date(2026, 7, 1))
    with pytest.raises(ValueError, match="only a planned meeting's agenda can change"):
        add_to_agenda(app, m["id"], "parcel", "another")
    assert open_meetings(app) == []
    assert [a for a, _ in _actions(app)].count("agenda.add") == 2


def test_lead_department_rules(demo, tmp_path):
    from civicgrid.integration.meeting_state import lead_choices

    app = tmp_path / "app.sqlite"
    choices = lead_choices(demo.db)
    assert choices[:len(demo.cfg.integration.lead_departments)] == demo.cfg.integration.lead_departments
    assert len(choices) == len(set(choices))
    m = meetings.new_meeting(app, date(2026, 7, 1))
    item = meetings.generate_agenda(app, demo.db, m["id"], as_of=date(2026, 7, 1))["items"][0]
    case, lead = item["case"]["id"], item["case"]["lead_department"]
    other = next(d for d in choices if d != lead)
    with pytest.raises(ValueError, match="not one of this city's departments"):
        casework.set_lead(app, case, "parks_and_rec", allowed=choices)
    with pytest.raises(ValueError, match="Choose a lead department"):
        casework.set_lead(app, case, "  ")
    with pytest.raises(ValueError, match="already the lead"):
        casework.set_lead(app, case, lead, allowed=choices)
    assert casework.set_lead(app, case, other, "chair", allowed=choices)["lead_department"] == other
    assert any(a == "case.lead" and f'"from": "{lead}"' in d for a, d in _actions(app))
    casework.decide(app, case_id=case, decision="close_resolved")
    with pytest.raises(ValueError, match="is closed"):
        casework.set_lead(app, case, lead, allowed=choices)
    with pytest.raises(ValueError, match="no case 9999"):
        casework.set_lead(app, 9999, other)


def test_resolving_a_contest_needs_a_note_and_an_open_contest(tmp_path):
    app = tmp_path / "app.sqlite"
    c = casework.contest_score(app, level="parcel", location_key="P1", reason="the fire was next door")
    with pytest.raises(ValueError, match="upheld, rejected or corrected"):
        casework.resolve_contest(app, c["id"], status="ignored", resolution="x")
    with pytest.raises(ValueError, match="Say in a note"):
        casework.resolve_contest(app, c["id"], status="upheld", resolution="   ")
    r = casework.resolve_contest(app, c["id"], status="upheld", resolution="fire record moved", resolved_by="chair")
    assert r["status"] == "upheld" and r["resolved_by"] == "chair"
    with pytest.raises(ValueError, match="already resolved"):
        casework.resolve_contest(app, c["id"], status="rejected", resolution="second thoughts")
    with pytest.raises(ValueError, match="no score contest 42"):
        casework.resolve_contest(app, 42, status="rejected", resolution="x")
    found = casework.contests_at(app, [("parcel", "P1"), ("block", "P1")])
    assert list(found) == [("parcel", "P1")] and [x["status"] for x in found[("parcel", "P1")]] == ["upheld"]
    assert ("score.contest.resolve", '{"contest_id": 1, "status": "upheld"}') in _actions(app)
