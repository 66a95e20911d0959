"""The audit log: who viewed which property profile, who exported what, who changed what.

Rows go to the app-state table ``audit_log`` (:class:`civicgrid.appstate.AuditEntry`) and are never
updated or deleted. Actions are dotted verbs: ``property.view``, ``export.csv``, ``export.png``,
``export.svg``, ``export.pdf``, ``link.decide``, ``user.add``, ``user.remove``, ``user.set_role``,
``user.set_password``, ``user.unlock``, ``login.ok``, ``login.fail``, ``login.lock``,
``login.locked``, ``logout``, ``audit.view``, ``quarantine.view``.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select

from civicgrid.appstate import AuditEntry, session_scope


def record(app_db, username: str | None, action: str, object_type: str | None = None,
           object_id: str | None = None, detail: dict | None = None, ip: str | None = None) -> None:
    """Append one audit row."""
    with session_scope(app_db) as s:
        s.add(AuditEntry(username=username, action=action, object_type=object_type,
                         object_id=None if object_id is None else str(object_id)[:300],
                         detail=None if detail is None else json.dumps(detail, default=str, sort_keys=True),
                         ip=ip))


def entries(app_db, *, username: str | None = None, action: str | None = None, object_id: str | None = None,
            since: datetime | None = None, limit: int = 200, offset: int = 0) -> tuple[list[dict], int]:
    """Audit rows, newest first, with optional filters (``action`` matches a prefix, e.g. ``export``).

    Returns ``(rows, total matching)``.
    """
    q = select(AuditEntry)
    conds = []
    if username:
        conds.append(AuditEntry.username == username)
    if action:
        conds.append(AuditEntry.action.startswith(action, autoescape=True))
    if object_id:
        conds.append(AuditEntry.object_id == object_id)
    if since is not None:
        conds.append(AuditEntry.at >= since)
    if conds:
        q = q.where(*conds)
    with session_scope(app_db) as s:
        total = s.scalar(select(func.count()).select_from(q.subquery()))
        rows = s.scalars(q.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()
        return [{"id": r.id, "at": r.at, "username": r.username, "action": r.action,
                 "object_type": r.object_type, "object_id": r.object_id, "detail": r.detail, "ip": r.ip}
                for r in rows], int(total or 0)
