"""process drafts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "process_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("bpmn_xml", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user.id"],
            name="fk_process_draft_updated_by_id_user",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_process_draft"),
        sa.UniqueConstraint("key", name="uq_process_draft_key"),
    )


def downgrade() -> None:
    op.drop_table("process_draft")
