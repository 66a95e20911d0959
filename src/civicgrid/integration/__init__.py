"""Integration: cross-department overlap, explained scores, early warning, property profiles, and
the Integration Team's meetings with packets and outcomes (docs/integration.md).

Public API (JSON-ready dicts; ``db`` is a warehouse path or an open DuckDB connection, ``app_db``
the app-state path or URL)::

    from civicgrid import integration as ig

    ig.ranked_list(db, "parcel", 25)                      # the ranked list, with components in text
    ig.score_detail(db, parcel_id)                        # one score with every component
    ig.property_profile(db, parcel_id, can_see_police_detail=False, app_db=app, username="ana")
    ig.early_warning_list(db, "parcel")                   # flags with one-sentence reasons
    ig.area_report(db)                                    # neighbourhood / district rates and demographics
    ig.run_backtest(db, "block")                          # flags at past dates vs serious events
    m = ig.new_meeting(app)                               # next meeting on the cadence
    ig.generate_agenda(app, db, m["id"])                  # new, escalating, carried over
    ig.add_action(app, case_id=1, department="code_enforcement", description="inspect", due_on=date(...))
    ig.decide(app, case_id=1, decision="close_resolved")  # takes the property off the list
    ig.write_packet(app, db, m["id"], "pdf", "packet.pdf")
    ig.outcomes(app, db)                                  # difference in differences, with counts
    ig.contest_score(app, level="parcel", location_key=pid, reason="...")
    ig.resolve_contest(app, 1, status="rejected", resolution="complaints verified", resolved_by="chair")
    ig.add_to_agenda(app, m["id"], "parcel", pid, **ig.agenda_entry(db, "parcel", pid))  # by hand
    ig.set_lead(app, case_id=1, department="public_works", allowed=ig.lead_choices(db))
    ig.set_meeting_status(app, m["id"], "held")           # planned → held | cancelled; cancelled → planned

The build hook: ``integration_hook(con, cfg, report)`` (run it after linkage).
Modules (one job each): ``settings`` the config section; ``rules`` exclusions, points, serious
events; ``events`` loading and placing records; ``scores`` activity, overlap, scores; ``early_warning``
flags; ``backtest``; ``areas`` roll-ups; ``profile``; ``meetings`` agendas; ``meeting_state`` meeting
status, additions by hand, lead choices, a location's history; ``casework`` actions,
notes, decisions, contests, audit; ``outcomes``; ``charts``; ``tables`` warehouse schemas;
``compute`` everything at once and the hook; ``api`` read functions; ``cli`` the commands.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "IntegrationSettings": "settings", "integration_hook": "compute", "compute_all": "compute",
    "ranked_list": "api", "score_detail": "api", "early_warning_list": "api", "area_report": "api",
    "run_backtest": "api", "property_profile": "profile",
    "new_meeting": "meetings", "list_meetings": "meetings", "generate_agenda": "meetings", "get_agenda": "meetings",
    "next_meeting_date": "meetings", "add_to_agenda": "meeting_state", "set_meeting_status": "meeting_state",
    "next_statuses": "meeting_state", "open_meetings": "meeting_state", "agenda_entry": "meeting_state",
    "lead_choices": "meeting_state", "location_history": "meeting_state",
    "agenda_options": "meeting_state", "contests_at": "casework",
    "get_case": "casework", "get_contest": "casework", "open_contests": "casework",
    "add_action": "casework", "close_action": "casework", "add_note": "casework", "decide": "casework",
    "set_lead": "casework", "contest_score": "casework", "resolve_contest": "casework", "contests_for": "casework",
    "actions_for": "casework", "outcomes": "outcomes",
}


def __getattr__(name: str):
    """Lazy imports: ``civicgrid.config`` imports the settings module, so nothing heavy loads here."""
    if name == "write_packet" or name == "build_packet":
        return getattr(importlib.import_module("civicgrid.reports.meeting_packet"), name)
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"civicgrid.integration.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'civicgrid.integration' has no attribute {name!r}")


__all__ = sorted(list(_EXPORTS) + ["build_packet", "write_packet"])
