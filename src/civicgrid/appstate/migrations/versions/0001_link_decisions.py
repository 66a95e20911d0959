"""link_decisions: review decisions about record-to-parcel links.

Revision ID: 0001_link_decisions
Revises:
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_link_decisions"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_decisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(100)),
        sa.Column("record_id", sa.String(200)),
        sa.Column("address_key", sa.String(300)),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("parcel_id", sa.String(64)),
        sa.Column("decided_by", sa.String(100), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text()),
        sa.CheckConstraint("decision IN ('confirm', 'reject', 'reassign')", name="decision_known"),
        sa.CheckConstraint("(source IS NOT NULL AND record_id IS NOT NULL) OR address_key IS NOT NULL",
                           name="has_target"),
        sa.CheckConstraint("decision <> 'reassign' OR parcel_id IS NOT NULL", name="reassign_has_parcel"),
    )
    op.create_index("ix_link_decisions_record", "link_decisions", ["source", "record_id"])
    op.create_index("ix_link_decisions_address", "link_decisions", ["address_key"])


def downgrade() -> None:
    op.drop_index("ix_link_decisions_address", table_name="link_decisions")
    op.drop_index("ix_link_decisions_record", table_name="link_decisions")
    op.drop_table("link_decisions")
