"""the registry keeps a project's spending as monitored, and where its money comes from

A self-evaluation scored its execution rate on 全年执行数 B as the department typed it.
B is now what the quarterly monitoring reported and finance passed, kept on the project
(`project.spent`) and shown read-only to the department and the unit. Rows from before
this revision have none until their next monitoring report is passed.

`project.funding_source` (本级财政 / 上级转移支付 / 其他) is what the target form says and
批复 records; rows from before this revision show none.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 17:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spent", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("funding_source", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_column("funding_source")
        batch_op.drop_column("spent")
