"""``link_decisions``: a person's verdict on a record-to-parcel link, re-applied on every rebuild."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civicgrid.appstate.base import Base

#: what a reviewer can decide
DECISIONS = ("confirm", "reject", "reassign")


def _now() -> datetime:
    return datetime.now(timezone.utc)


class LinkDecision(Base):
    """One decision about one record (``source`` + ``record_id``) or one address (``address_key``).

    - ``confirm``: the current link is right (``parcel_id`` = the parcel confirmed, or empty to
      confirm that the record has no parcel). If a rebuild later links the record elsewhere,
      the confirmation no longer applies and the record returns to review.
    - ``reject``: the record must not be linked to a parcel (it keeps its block).
    - ``reassign``: link to ``parcel_id``.

    A decision on a record beats one on its address; among several, the latest wins. Rows are
    never updated in place: a new decision is a new row, so the history is the audit trail.
    ``decided_by`` is a user name today; the users issue will add a users table to point at.
    """

    __tablename__ = "link_decisions"
    __table_args__ = (
        CheckConstraint("decision IN ('confirm', 'reject', 'reassign')", name="decision_known"),
        CheckConstraint("(source IS NOT NULL AND record_id IS NOT NULL) OR address_key IS NOT NULL",
                        name="has_target"),
        CheckConstraint("decision <> 'reassign' OR parcel_id IS NOT NULL", name="reassign_has_parcel"),
        Index("ix_link_decisions_record", "source", "record_id"),
        Index("ix_link_decisions_address", "address_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str | None] = mapped_column(String(100))
    record_id: Mapped[str | None] = mapped_column(String(200))
    address_key: Mapped[str | None] = mapped_column(String(300))
    decision: Mapped[str] = mapped_column(String(16))
    parcel_id: Mapped[str | None] = mapped_column(String(64))
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    note: Mapped[str | None] = mapped_column(Text)

    def as_dict(self) -> dict:
        return {c: getattr(self, c) for c in ("id", "source", "record_id", "address_key", "decision",
                                              "parcel_id", "decided_by", "decided_at", "note")}
