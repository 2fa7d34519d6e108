"""A running or finished submission: one process instance."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.definition import ProcessDefinition
from app.models.org import Org, User


class InstanceStatus(StrEnum):
    """A submission's status: the one place its codes and labels are written."""

    RUNNING = "running"
    COMPLETED = "completed"
    SUSPENDED = "suspended"  # by finance, with a reason; resumable
    TERMINATED = "terminated"  # withdrawn by finance; its open tasks cancelled

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_RUNNING = InstanceStatus.RUNNING
STATUS_COMPLETED = InstanceStatus.COMPLETED
STATUS_SUSPENDED = InstanceStatus.SUSPENDED
STATUS_TERMINATED = InstanceStatus.TERMINATED
# Not running although not finished: their open tasks wait out of sight.
HALTED_STATUSES = (STATUS_SUSPENDED, STATUS_TERMINATED)
# Not finished: the only submissions that can have ready tasks.
OPEN_STATUSES = (STATUS_RUNNING, STATUS_SUSPENDED)

# What people read for each status of a submission (and, in models/task.py, of a step).
STATUS_LABELS = {
    InstanceStatus.RUNNING: lazy_gettext("In progress"),
    InstanceStatus.COMPLETED: lazy_gettext("Completed"),
    InstanceStatus.SUSPENDED: lazy_gettext("Suspended"),
    InstanceStatus.TERMINATED: lazy_gettext("Terminated"),
}


class ProcessInstance(db.Model):
    __tablename__ = "process_instance"
    __table_args__ = (
        Index("ix_instance_key_status", "process_key", "status"),
        Index("ix_instance_org_path", "org_path"),
        # The submission lists' newest-first order, with and without filters (0012).
        Index("ix_instance_started", "started_at", "id"),
        Index("ix_instance_status_started", "status", "started_at", "id"),
        Index("ix_instance_key_status_started", "process_key", "status", "started_at", "id"),
        Index("ix_instance_started_by", "started_by_id"),
        # A round starts one submission per project, however often it is launched.
        UniqueConstraint("campaign_id", "round_item", name="uq_instance_campaign_item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    # Denormalised from the definition so that filters never join it.
    process_key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    org_path: Mapped[str] = mapped_column(String(500))
    started_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(20), default=STATUS_RUNNING)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    # The merged data of every submission so far: what forms are prefilled with.
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # The registry project this submission is about, when it is about one.
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    # What the round started this submission for (the project code).
    round_item: Mapped[str | None] = mapped_column(String(100))
    # Sent back at least once (services/runtime/projection.py says when): the league's column.
    returned: Mapped[bool] = mapped_column(default=False, server_default=false())
    # SpiffWorkflow's serialized state, without the spec (that lives with the definition).
    # Deferred: lists and pages never read it; the locking reads that run the engine
    # (services/foundation/locking.py) load it with the row.
    engine_state: Mapped[str] = mapped_column(Text, deferred=True)
    # Bumped by every write; on SQLite the bump is what takes the write lock.
    lock_version: Mapped[int] = mapped_column(default=0)

    # A plain many-to-one: once loaded, the identity map answers it without a query.
    definition: Mapped[ProcessDefinition] = relationship(lazy="raise_on_sql")
    # Lists ask for it with joinedload; the performance operators read the running
    # submission's by id during a step (performance.context.run_org).
    org: Mapped[Org] = relationship(lazy="raise_on_sql")
    started_by: Mapped[User] = relationship(lazy="raise_on_sql")
