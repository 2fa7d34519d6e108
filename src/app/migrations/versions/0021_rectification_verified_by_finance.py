"""rectification items are closed by finance's verification, with a due date and a record

A department reporting an item "已完成" now claims it (`claimed`, 待核实); finance's
verification closes it (`closed`, with `verified_by_id` and `closed_at`) or sends it back
(`open` again, one more of `failures`, with `last_reason`). Every verification is a row
of `rectification_verification`, so the accountability list names who decided each.
An item also has its source (evaluation or monitoring), its 整改期限 (`due_date`), who
set it, and the department's latest report (`action_taken`, who claimed it and when).

Items from before this revision: those the department closed itself ("done") stay
closed, with no verifier; their due date is read from the deadline finance gave at
评价结果应用 in the submission that set them, where it can be found.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 07:40:00.000000
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rectification_item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=20), nullable=False, server_default="evaluation")
        )
        batch_op.add_column(sa.Column("due_date", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "created_by_id",
                sa.Integer(),
                sa.ForeignKey("user.id", name="fk_rectification_item_created_by_id"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("action_taken", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "claimed_by_id",
                sa.Integer(),
                sa.ForeignKey("user.id", name="fk_rectification_item_claimed_by_id"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("failures", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("last_reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "verified_by_id",
                sa.Integer(),
                sa.ForeignKey("user.id", name="fk_rectification_item_verified_by_id"),
                nullable=True,
            )
        )
        batch_op.create_index("ix_rectification_item_status_due", ["status", "due_date"])
    op.create_table(
        "rectification_verification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("rectification_item.id"), nullable=False),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_rectification_verification_item_id", "rectification_verification", ["item_id"]
    )
    item = sa.table(
        "rectification_item",
        sa.column("id", sa.Integer),
        sa.column("instance_id", sa.Integer),
        sa.column("description", sa.Text),
        sa.column("status", sa.String),
        sa.column("due_date", sa.Date),
    )
    op.execute(item.update().where(item.c.status == "done").values(status="closed"))
    _due_dates_from_their_submissions(item)


def _due_dates_from_their_submissions(item) -> None:
    instance = sa.table("process_instance", sa.column("id", sa.Integer), sa.column("data", sa.JSON))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(item.c.id, item.c.description, instance.c.data).join(
            instance, instance.c.id == item.c.instance_id
        )
    ).all()
    for item_id, description, data in rows:
        deadline = _deadline(data, description)
        if deadline is not None:
            conn.execute(item.update().where(item.c.id == item_id).values(due_date=deadline))


def _deadline(data, description: str) -> date | None:
    rows = data.get("rectification") if isinstance(data, dict) else None
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and row.get("description") == description:
            try:
                return date.fromisoformat(str(row.get("deadline")))
            except ValueError:
                return None
    return None


def downgrade() -> None:
    op.drop_index("ix_rectification_verification_item_id", table_name="rectification_verification")
    op.drop_table("rectification_verification")
    item = sa.table("rectification_item", sa.column("status", sa.String))
    op.execute(item.update().where(item.c.status == "closed").values(status="done"))
    # A claim waiting for verification was, before this revision, still open.
    op.execute(item.update().where(item.c.status == "claimed").values(status="open"))
    with op.batch_alter_table("rectification_item", schema=None) as batch_op:
        batch_op.drop_index("ix_rectification_item_status_due")
        for column in (
            "verified_by_id",
            "last_reason",
            "failures",
            "claimed_by_id",
            "claimed_at",
            "action_taken",
            "created_by_id",
            "due_date",
            "source",
        ):
            batch_op.drop_column(column)
