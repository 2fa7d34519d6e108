"""the indicator library: finance's 共性指标 and each department's 个性指标

`library_indicator` holds level-3 indicators under their level-1 and level-2 headings,
with sign, unit, scoring standard and an optional standard value and explanation. A row
without a department is a common indicator finance keeps for the county; a row with one
is that department's own. Rows are deactivated rather than deleted.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 07:05:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "library_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("org.id"), nullable=True),
        sa.Column("level1", sa.String(length=20), nullable=False),
        sa.Column("level2", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("sign", sa.String(length=4), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("scoring_standard", sa.String(length=500), nullable=True),
        sa.Column("standard_value", sa.String(length=200), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_library_indicator_owner_levels", "library_indicator", ["department_id", "level1"]
    )


def downgrade() -> None:
    op.drop_index("ix_library_indicator_owner_levels", table_name="library_indicator")
    op.drop_table("library_indicator")
