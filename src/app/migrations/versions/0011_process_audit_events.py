"""process audit events: who deployed, rolled back, imported or migrated, and why

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 05:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "process_audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name="fk_process_audit_event_actor_id_user"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_process_audit_event"),
    )
    op.create_index("ix_process_audit_event_key_at", "process_audit_event", ["process_key", "at"])


def downgrade() -> None:
    op.drop_index("ix_process_audit_event_key_at", table_name="process_audit_event")
    op.drop_table("process_audit_event")
