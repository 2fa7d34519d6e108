"""read-side indexes at scale: 1,000,000 submissions, 100,000 open tasks

What the inbox, the submission filters and tracking need so that their plans stay index
scans at county-years of data (benchmarks/scale.py EXPLAINs them). The partial and
pattern indexes are PostgreSQL's; SQLite gets the portable ones.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 06:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

READY = sa.text("status = 'ready'")
HALTED = sa.text("status IN ('suspended', 'terminated')")


def upgrade() -> None:
    # Portable: the "handed a task" visibility arm and the submission lists' ordering.
    op.create_index("ix_task_completed_by", "task", ["completed_by_id"])
    op.create_index("ix_instance_started", "process_instance", ["started_at", "id"])
    op.create_index(
        "ix_instance_status_started", "process_instance", ["status", "started_at", "id"]
    )
    op.create_index(
        "ix_instance_key_status_started",
        "process_instance",
        ["process_key", "status", "started_at", "id"],
    )
    op.create_index("ix_instance_started_by", "process_instance", ["started_by_id"])
    if op.get_bind().dialect.name != "postgresql":
        return
    # Open tasks are a tenth of the table: partial indexes on them stay small and hot.
    op.create_index(
        "ix_task_ready_role_org",
        "task",
        ["role_code", "org_id", "created_at"],
        postgresql_where=READY,
    )
    op.create_index(
        "ix_task_ready_role_path",
        "task",
        ["role_code", "org_path"],
        postgresql_where=READY,
        postgresql_ops={"org_path": "varchar_pattern_ops"},  # LIKE 'prefix%' in any collation
    )
    op.create_index(
        "ix_task_ready_role_created",
        "task",
        ["role_code", "created_at", "id"],
        postgresql_where=READY,
    )
    op.create_index(
        "ix_task_ready_activity", "task", ["activity_id", "instance_id"], postgresql_where=READY
    )
    op.create_index("ix_task_ready_due", "task", ["due_at", "instance_id"], postgresql_where=READY)
    op.create_index(
        "ix_task_ready_summary",
        "task",
        ["process_key", "activity_id", "role_code"],
        postgresql_where=READY,
        postgresql_include=["created_at", "due_at", "name", "org_path", "org_id", "instance_id"],
    )
    op.create_index(
        "ix_instance_org_path_pattern",
        "process_instance",
        ["org_path"],
        postgresql_ops={"org_path": "varchar_pattern_ops"},
    )
    op.create_index("ix_instance_halted", "process_instance", ["id"], postgresql_where=HALTED)
    # Open tasks are the only ones at most steps: without this the planner multiplies the
    # selectivities of status and step as if independent and misjudges by 10x.
    op.execute(
        "CREATE STATISTICS IF NOT EXISTS st_task_status_step (dependencies, mcv) "
        "ON status, activity_id, role_code FROM task"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_task_status_step")
        for name in (
            "ix_task_ready_role_org",
            "ix_task_ready_role_path",
            "ix_task_ready_role_created",
            "ix_task_ready_activity",
            "ix_task_ready_due",
            "ix_task_ready_summary",
        ):
            op.drop_index(name, table_name="task")
        op.drop_index("ix_instance_org_path_pattern", table_name="process_instance")
        op.drop_index("ix_instance_halted", table_name="process_instance")
    op.drop_index("ix_instance_started_by", table_name="process_instance")
    op.drop_index("ix_instance_key_status_started", table_name="process_instance")
    op.drop_index("ix_instance_status_started", table_name="process_instance")
    op.drop_index("ix_instance_started", table_name="process_instance")
    op.drop_index("ix_task_completed_by", table_name="task")
