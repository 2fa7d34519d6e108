"""Background jobs: escalations, e-mails, scheduled launches and digests, run by workers.

A row is claimed with `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite serialises writers), so
any number of workers on any number of hosts never run one job twice. A claimed job holds
a lease (`locked_until`); a worker killed mid-job leaves it `running` past its lease, and
the next worker puts it back in the queue. A job that keeps failing becomes an incident.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

JOB_PENDING = "pending"
JOB_RUNNING = "running"
JOB_DONE = "done"
JOB_INCIDENT = "incident"  # gave up after its last attempt; finance sees and retries it
JOB_CANCELLED = "cancelled"  # e.g. a scheduled round finance called off


class Job(db.Model):
    __tablename__ = "job"
    __table_args__ = (
        Index("ix_job_status_run_at", "status", "run_at"),
        # The same escalation, launch or digest is queued at most once, however often
        # the code that schedules it runs.
        UniqueConstraint("dedupe_key", name="uq_job_dedupe_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    run_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=JOB_PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    # The worker (host:pid) holding the job, or the last one that ran it.
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    # What the job is about, so the tracking page can link an incident to its submission.
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))

    task = relationship("Task", lazy="raise_on_sql")
