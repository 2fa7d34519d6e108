"""the county's budget draft of a year, reviewed and approved as a whole

`county_budget` holds one row per fiscal year: the county review's submission, its
status (reviewing, approved), the draft's total, every return of one department's budget
to finance (who, which department, why, when) and when the congress approved it.
Compilation rounds before this revision had the government and the congress review
each project: they have no row, and need none.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 05:25:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "county_budget",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=True),
        sa.Column("total", sa.Numeric(precision=16, scale=2, asdecimal=False), nullable=True),
        sa.Column("returns", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fiscal_year"),
    )


def downgrade() -> None:
    op.drop_table("county_budget")
