"""job queue for workers: escalations, e-mails, scheduled launches, digests

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 05:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("run_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("locked_by", sa.String(length=100), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["process_instance.id"], name="fk_job_instance_id"
        ),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name="fk_job_task_id"),
        sa.PrimaryKeyConstraint("id", name="pk_job"),
        sa.UniqueConstraint("dedupe_key", name="uq_job_dedupe_key"),
    )
    op.create_index("ix_job_status_run_at", "job", ["status", "run_at"])


def downgrade() -> None:
    op.drop_index("ix_job_status_run_at", table_name="job")
    op.drop_table("job")
