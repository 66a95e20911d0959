"""The Integration Team's meetings: agendas, cases, action items, notes, decisions, score contests.

A **case** is one location (a parcel or a block) on the team's list. It opens when the location
first reaches an agenda and stays open — carried over to every following agenda — until a
decision with ``closes_case`` closes it. Action items (department, due date, status), notes and
decisions hang off the case; agenda items record why the location was on which meeting's agenda
and its score then. ``score_contests`` is where anyone records a disagreement with a score.
Rows are never deleted by civicgrid; closing sets a status and a time.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from civicgrid.appstate.base import Base

MEETING_STATUSES = ("planned", "held", "cancelled")
#: the statuses a meeting may move to (the rules: :func:`civicgrid.integration.meeting_state.set_meeting_status`).
#: A held meeting is the record of what the team discussed, so it stays held.
MEETING_TRANSITIONS = {"planned": ("held", "cancelled"), "cancelled": ("planned",), "held": ()}
CASE_STATUSES = ("open", "closed")
AGENDA_REASONS = ("new", "escalating", "carried_over", "added", "high_score")
ACTION_STATUSES = ("open", "done", "dropped")
CONTEST_STATUSES = ("open", "upheld", "rejected", "corrected")
LEVELS = ("parcel", "block")


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Meeting(Base):
    """One meeting (every ``meeting_cadence_days`` by default). ``data_as_of``: the warehouse's
    as-of instant its agenda was generated from."""

    __tablename__ = "meetings"
    __table_args__ = (CheckConstraint(f"status IN {MEETING_STATUSES!r}", name="status_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    held_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    data_as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agenda_generated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class IntegrationCase(Base):
    """A location on the team's list, from its first agenda until a decision closes it."""

    __tablename__ = "integration_cases"
    __table_args__ = (CheckConstraint(f"status IN {CASE_STATUSES!r}", name="status_known"),
                      CheckConstraint(f"level IN {LEVELS!r}", name="level_known"),
                      Index("ix_integration_cases_location", "level", "location_key"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    level: Mapped[str] = mapped_column(String(16))
    location_key: Mapped[str] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="open")
    lead_department: Mapped[str | None] = mapped_column(String(64))
    first_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by_decision_id: Mapped[int | None] = mapped_column(Integer)


class AgendaItem(Base):
    """Why a case was on a meeting's agenda, and its score and flags at that time."""

    __tablename__ = "agenda_items"
    __table_args__ = (CheckConstraint(f"reason IN {AGENDA_REASONS!r}", name="reason_known"),
                      UniqueConstraint("meeting_id", "case_id", name="uq_agenda_items_meeting_case"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("integration_cases.id"))
    reason: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
    flags: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)


class ActionItem(Base):
    """Who does what by when, for one case."""

    __tablename__ = "action_items"
    __table_args__ = (CheckConstraint(f"status IN {ACTION_STATUSES!r}", name="status_known"),
                      Index("ix_action_items_case", "case_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("integration_cases.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    department: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    assigned_to: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(100))
    close_note: Mapped[str | None] = mapped_column(Text)


class MeetingNote(Base):
    """A note on a case, taken at a meeting (or between meetings: ``meeting_id`` empty)."""

    __tablename__ = "meeting_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("integration_cases.id"))
    author: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    text: Mapped[str] = mapped_column(Text)


class Decision(Base):
    """What the team decided about a case at a meeting; ``closes_case`` takes it off the list."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("integration_cases.id"))
    decision: Mapped[str] = mapped_column(String(64))
    closes_case: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ScoreContest(Base):
    """A disagreement with a score (or one component), and how it was resolved (GUIDE §6)."""

    __tablename__ = "score_contests"
    __table_args__ = (CheckConstraint(f"status IN {CONTEST_STATUSES!r}", name="status_known"),
                      Index("ix_score_contests_location", "level", "location_key"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    level: Mapped[str] = mapped_column(String(16))
    location_key: Mapped[str] = mapped_column(String(300))
    score_as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    component: Mapped[str | None] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[str | None] = mapped_column(String(100))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(Text)
