"""tracking at a million: the step table and the league table from covering indexes

The tracking screen's two tables missed their 200 ms bar at 1,000,000 submissions (0.8 s
and 0.6 s, benchmarks/scale.py) because each joined every task to its submission: for
the version of the step, and for "was it ever sent back", which was worked out anew
from the whole task and audit history on every view. Both become columns written when
they happen:

- `task.version`: the process version the step ran under (the submission's version
  when the row opened; a migration moves the open rows along, finished ones stay with
  the version they ran under);
- `process_instance.returned`: the submission was sent back at least once (a "return"
  decision, or a step opened again after it had been completed).

PostgreSQL then answers both tables from index-only scans; the open-submissions index
serves the "overdue" and "running" submission filters, newest first, and the open
tasks' indexes by submission and by date the list sorted by waiting or due date, and
the inbox reads each role's pool index-only.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

READY = sa.text("status = 'ready'")
# What the inbox filters and counts by, besides the role: every arm index-only.
INBOX_COLUMNS = ["instance_id", "assignee_id", "process_key", "due_at", "org_path", "org_id"]
COMPLETED = sa.text("status = 'completed'")
OPEN = sa.text("status IN ('running', 'suspended')")

# The rule of services/runtime/projection.py, applied once to the history already stored.
BACKFILL_RETURNED = """
UPDATE process_instance SET returned = true
WHERE id IN (
    SELECT later.instance_id FROM task later JOIN task earlier
        ON earlier.instance_id = later.instance_id
        AND earlier.activity_id = later.activity_id
        AND earlier.id != later.id
        AND earlier.status = 'completed'
        AND earlier.completed_at <= later.created_at
    UNION
    SELECT instance_id FROM audit_event
    WHERE action = 'completed' AND instance_id IS NOT NULL AND ({decision}) IN
        ('return', 'returned', '退回')
)
"""


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE task SET version = (SELECT version FROM process_instance "
        "WHERE process_instance.id = task.instance_id)"
    )
    with op.batch_alter_table("task") as batch:
        batch.alter_column("version", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("process_instance") as batch:
        batch.add_column(
            sa.Column("returned", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    decision = (
        "details::jsonb ->> 'decision'" if postgres else "json_extract(details, '$.decision')"
    )
    op.execute(BACKFILL_RETURNED.format(decision=decision))
    if not postgres:
        return
    op.create_index(
        "ix_task_done_steps",
        "task",
        ["process_key", "version", "activity_id"],
        postgresql_where=COMPLETED,
        postgresql_include=["created_at", "completed_at", "name", "role_code", "org_path"],
    )
    # The open tasks' summary index of 0012, now also carrying the version.
    op.drop_index("ix_task_ready_summary", table_name="task")
    _ready_summary(["version"])
    op.create_index(
        "ix_task_ready_instance",
        "task",
        ["instance_id"],
        postgresql_where=READY,
        postgresql_include=["due_at", "activity_id", "created_at"],
    )
    # The inbox reads each role's pool from this one index alone (queries.list_inbox).
    op.drop_index("ix_task_ready_role_created", table_name="task")
    _ready_role_created(INBOX_COLUMNS)
    # The submission list sorted by waiting: open tasks walked oldest first.
    op.create_index(
        "ix_task_ready_created",
        "task",
        ["created_at", "id"],
        postgresql_where=READY,
        postgresql_include=["instance_id"],
    )
    op.create_index(
        "ix_instance_open_started", "process_instance", ["started_at", "id"], postgresql_where=OPEN
    )
    op.create_index(
        "ix_instance_league",
        "process_instance",
        ["process_key", "org_id"],
        postgresql_include=["status", "returned", "version", "campaign_id", "org_path"],
    )


def _ready_summary(extra: list[str]) -> None:
    op.create_index(
        "ix_task_ready_summary",
        "task",
        ["process_key", "activity_id", "role_code"],
        postgresql_where=READY,
        postgresql_include=[
            "created_at",
            "due_at",
            "name",
            "org_path",
            "org_id",
            "instance_id",
            *extra,
        ],
    )


def _ready_role_created(include: list[str]) -> None:
    op.create_index(
        "ix_task_ready_role_created",
        "task",
        ["role_code", "created_at", "id"],
        postgresql_where=READY,
        postgresql_include=include,
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_task_ready_role_created", table_name="task")
        _ready_role_created([])
        op.drop_index("ix_task_ready_summary", table_name="task")
        _ready_summary([])
        op.drop_index("ix_instance_league", table_name="process_instance")
        op.drop_index("ix_instance_open_started", table_name="process_instance")
        op.drop_index("ix_task_ready_created", table_name="task")
        op.drop_index("ix_task_ready_instance", table_name="task")
        op.drop_index("ix_task_done_steps", table_name="task")
    with op.batch_alter_table("process_instance") as batch:
        batch.drop_column("returned")
    with op.batch_alter_table("task") as batch:
        batch.drop_column("version")
