"""``users`` and ``audit_log``: who may sign in, with which role, and what they did.

Roles (GUIDE §6; permissions per role live with the web app): ``admin``, ``integration``,
``service_supervisor``, ``hr``, ``viewer``. Passwords are stored only as argon2 hashes
(argon2-cffi); this module never sees a plain password.

The audit log is append-only: every view of a property profile, every export and every change
is one row (who, when, what, which object, from where). Rows are never updated or deleted by
civicgrid.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Boolean, CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civicgrid.appstate.base import Base

ROLES = ("admin", "integration", "service_supervisor", "hr", "viewer")


def _now() -> datetime:
    return datetime.now(timezone.utc)


class User(Base):
    """A local account. ``password_hash`` is an argon2id hash; ``failed_logins`` and
    ``locked_until`` carry the login rate limit across restarts."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One audited event. ``action`` is a dotted verb (``property.view``, ``export.csv``,
    ``user.add``, ``link.decide``, ``login.fail`` …); ``object_type``/``object_id`` name what
    it touched (a parcel id, a table name); ``detail`` is JSON text."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"), Index("ix_audit_log_object", "object_type", "object_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    username: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(300))
    detail: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(64))
