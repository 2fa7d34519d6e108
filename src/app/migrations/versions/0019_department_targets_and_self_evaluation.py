"""a department's year targets and its year-end self-evaluation as a whole

`department_targets` holds a department's 部门整体绩效目标 for a year (overall goal, its
alignment with the county's annual goals, the 职能分类 targets with amounts in 万元 and
three-level indicators), filed once per department and year through the
`department_targets` process and approved by finance. `department_self_evaluation`
holds the department's 部门整体支出绩效自评 of a year against those targets: results per
function, the year's project grades rolled up from the registry, the score and grade,
finance's opinion and when the report was delivered to, and read by, the government.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 07:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

AMOUNT = sa.Numeric(precision=16, scale=2, asdecimal=False)


def upgrade() -> None:
    op.create_table(
        "department_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("org.id"), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("overall_goal", sa.Text(), nullable=True),
        sa.Column("county_goal_alignment", sa.Text(), nullable=True),
        sa.Column("functions", sa.JSON(), nullable=False),
        sa.Column("total_amount", AMOUNT, nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("finance_opinion", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("department_id", "fiscal_year", name="uq_department_targets_year"),
    )
    op.create_table(
        "department_self_evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("org.id"), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column(
            "targets_id", sa.Integer(), sa.ForeignKey("department_targets.id"), nullable=True
        ),
        sa.Column("overall_result", sa.Text(), nullable=True),
        sa.Column("function_results", sa.JSON(), nullable=False),
        sa.Column("indicator_results", sa.JSON(), nullable=False),
        sa.Column("project_grades", sa.JSON(), nullable=False),
        sa.Column("budget_total", AMOUNT, nullable=True),
        sa.Column("spent_total", AMOUNT, nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(length=4), nullable=True),
        sa.Column("conclusion", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("finance_opinion", sa.Text(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("government_read_at", sa.DateTime(), nullable=True),
        sa.Column("government_comment", sa.Text(), nullable=True),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("department_id", "fiscal_year", name="uq_department_evaluation_year"),
    )


def downgrade() -> None:
    op.drop_table("department_self_evaluation")
    op.drop_table("department_targets")
