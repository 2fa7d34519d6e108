"""a project names the department function it serves; finance sets control totals

`project.department_function` is the 职能分类 of the department's work that the project
serves (for example 义务教育保障), a different field from `functional_category`, the
功能分类科目 budget subject (2050203 初中教育). The 5 % filing route of a mid-year
reallocation needs both projects in the same 职能分类. Rows from before this revision have
none: a reallocation involving them is reviewed, never filed.

`control_total` is the 控制数 finance sets per department and year; 遴选排序 records each
selected project's amount and its place in its department's order
(`project.selected_amount`, `project.priority_rank`) and refuses a department's projects
above the control total unless finance records an override reason.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-04 20:55:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department_function", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column(
                "selected_amount", sa.Numeric(precision=16, scale=2, asdecimal=False), nullable=True
            )
        )
        batch_op.add_column(sa.Column("priority_rank", sa.Integer(), nullable=True))
    op.create_table(
        "control_total",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("org.id"), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2, asdecimal=False), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "department_id", "fiscal_year", name="uq_control_total_department_year"
        ),
    )


def downgrade() -> None:
    op.drop_table("control_total")
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_column("priority_rank")
        batch_op.drop_column("selected_amount")
        batch_op.drop_column("department_function")
