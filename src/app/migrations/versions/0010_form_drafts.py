"""form drafts saved in the form editor, and their audit

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 05:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user.id"], name="fk_form_draft_updated_by_id_user"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_form_draft"),
        sa.UniqueConstraint("filename", name="uq_form_draft_filename"),
    )
    op.create_table(
        "form_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name="fk_form_event_actor_id_user"),
        sa.PrimaryKeyConstraint("id", name="pk_form_event"),
    )
    op.create_index("ix_form_event_filename_at", "form_event", ["filename", "at"])


def downgrade() -> None:
    op.drop_index("ix_form_event_filename_at", table_name="form_event")
    op.drop_table("form_event")
    op.drop_table("form_draft")
