"""meetings, integration_cases, agenda_items, action_items, meeting_notes, decisions, score_contests.

Revision ID: 0003_meetings
Revises: 0002_users_audit
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_meetings"
down_revision = "0002_users_audit"
branch_labels = None
depends_on = None

MEETING_STATUSES = ("planned", "held", "cancelled")
CASE_STATUSES = ("open", "closed")
AGENDA_REASONS = ("new", "escalating", "carried_over", "added", "high_score")
ACTION_STATUSES = ("open", "done", "dropped")
CONTEST_STATUSES = ("open", "upheld", "rejected", "corrected")
LEVELS = ("parcel", "block")
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(200)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("data_as_of", TZ),
        sa.Column("agenda_generated_at", TZ),
        sa.Column("created_by", sa.String(100)),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint(f"status IN {MEETING_STATUSES!r}", name="ck_meetings_status_known"),
    )
    op.create_table(
        "integration_cases",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("location_key", sa.String(300), nullable=False),
        sa.Column("address", sa.String(300)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lead_department", sa.String(64)),
        sa.Column("first_meeting_id", sa.Integer(), sa.ForeignKey("meetings.id", name="fk_integration_cases_first_meeting_id_meetings")),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("closed_at", TZ),
        sa.Column("closed_by_decision_id", sa.Integer()),
        sa.CheckConstraint(f"status IN {CASE_STATUSES!r}", name="ck_integration_cases_status_known"),
        sa.CheckConstraint(f"level IN {LEVELS!r}", name="ck_integration_cases_level_known"),
    )
    op.create_index("ix_integration_cases_location", "integration_cases", ["level", "location_key"])
    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("meetings.id", name="fk_agenda_items_meeting_id_meetings"),
                  nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("integration_cases.id",
                                                         name="fk_agenda_items_case_id_integration_cases"),
                  nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float()),
        sa.Column("rank", sa.Integer()),
        sa.Column("flags", sa.String(200)),
        sa.Column("detail", sa.Text()),
        sa.CheckConstraint(f"reason IN {AGENDA_REASONS!r}", name="ck_agenda_items_reason_known"),
        sa.UniqueConstraint("meeting_id", "case_id", name="uq_agenda_items_meeting_case"),
    )
    op.create_table(
        "action_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("integration_cases.id",
                                                         name="fk_action_items_case_id_integration_cases"),
                  nullable=False),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("meetings.id", name="fk_action_items_meeting_id_meetings")),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assigned_to", sa.String(100)),
        sa.Column("created_by", sa.String(100)),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("closed_at", TZ),
        sa.Column("closed_by", sa.String(100)),
        sa.Column("close_note", sa.Text()),
        sa.CheckConstraint(f"status IN {ACTION_STATUSES!r}", name="ck_action_items_status_known"),
    )
    op.create_index("ix_action_items_case", "action_items", ["case_id"])
    op.create_table(
        "meeting_notes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("meetings.id", name="fk_meeting_notes_meeting_id_meetings")),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("integration_cases.id",
                                                         name="fk_meeting_notes_case_id_integration_cases")),
        sa.Column("author", sa.String(100)),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("meetings.id", name="fk_decisions_meeting_id_meetings")),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("integration_cases.id",
                                                         name="fk_decisions_case_id_integration_cases"),
                  nullable=False),
        sa.Column("decision", sa.String(64), nullable=False),
        sa.Column("closes_case", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text()),
        sa.Column("decided_by", sa.String(100)),
        sa.Column("decided_at", TZ, nullable=False),
    )
    op.create_table(
        "score_contests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("location_key", sa.String(300), nullable=False),
        sa.Column("score_as_of", TZ),
        sa.Column("component", sa.String(300)),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(100)),
        sa.Column("submitted_at", TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolved_by", sa.String(100)),
        sa.Column("resolved_at", TZ),
        sa.Column("resolution", sa.Text()),
        sa.CheckConstraint(f"status IN {CONTEST_STATUSES!r}", name="ck_score_contests_status_known"),
    )
    op.create_index("ix_score_contests_location", "score_contests", ["level", "location_key"])


def downgrade() -> None:
    op.drop_index("ix_score_contests_location", table_name="score_contests")
    op.drop_table("score_contests")
    op.drop_table("decisions")
    op.drop_table("meeting_notes")
    op.drop_index("ix_action_items_case", table_name="action_items")
    op.drop_table("action_items")
    op.drop_table("agenda_items")
    op.drop_index("ix_integration_cases_location", table_name="integration_cases")
    op.drop_table("integration_cases")
    op.drop_table("meetings")
