"""The app-state database: what people decide, kept apart from the rebuildable warehouse.

The warehouse (DuckDB) is derived and rebuilt from the exports; the app state holds what a
person entered — a link confirmed or reassigned today, and (in later issues) users, roles, the
audit log, meetings and action items. It is never rebuilt and never dropped: every schema change
is an Alembic migration, run with :func:`upgrade`.

SQLite by default (``civicgrid_app.sqlite`` in the working folder, or ``$CIVICGRID_APP_DB``); a
PostgreSQL URL (``postgresql+psycopg://user@host/civicgrid``) for a multi-user server::

    from civicgrid.appstate import upgrade, session_scope, LinkDecision
    url = upgrade("civicgrid_app.sqlite")          # create / migrate to the latest schema
    with session_scope(url) as s:
        s.add(LinkDecision(source="pli_condemned", record_id="17", decision="reject",
                           decided_by="inspector1"))

Layout (one module per area; later issues add theirs beside ``linkage.py`` and one migration
each under ``migrations/versions``): ``base.py`` (declarative base, naming convention),
``db.py`` (URLs, engines, sessions), ``migrate.py`` (Alembic run programmatically),
``linkage.py`` (``link_decisions``), ``accounts.py`` (``users``, ``audit_log``),
``meetings.py`` (meetings, cases, agenda, actions, notes, decisions, score contests),
``transfer.py`` (copy every table to another database, e.g. SQLite → PostgreSQL, and migrate),
``cli.py`` (``civicgrid appstate migrate|copy``).
"""

from civicgrid.appstate.accounts import ROLES, AuditEntry, User
from civicgrid.appstate.base import Base
from civicgrid.appstate.db import DEFAULT_APP_DB, app_url, engine_for, session_scope
from civicgrid.appstate.linkage import DECISIONS, LinkDecision
from civicgrid.appstate.meetings import (ActionItem, AgendaItem, Decision, IntegrationCase, Meeting, MeetingNote,
                                         ScoreContest)
from civicgrid.appstate.migrate import current_revision, head_revision, upgrade

__all__ = ["ActionItem", "AgendaItem", "Decision", "IntegrationCase", "Meeting", "MeetingNote", "ScoreContest",
           "AuditEntry", "ROLES", "User", "Base", "DECISIONS", "DEFAULT_APP_DB", "LinkDecision", "app_url", "current_revision",
           "engine_for", "head_revision", "session_scope", "upgrade"]
