"""The task projection: one row per user task, what every inbox and tracking query reads.

The service that runs the engine keeps these rows in step with the engine state, so no
read ever deserializes workflow state.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.instance import STATUS_COMPLETED, STATUS_LABELS, ProcessInstance
from app.models.org import Org, User

TASK_READY = "ready"
TASK_COMPLETED = "completed"
TASK_CANCELLED = "cancelled"

# What people read for a step's status; a submission's are beside it (STATUS_LABELS).
TASK_STATUS_LABELS = {
    TASK_READY: lazy_gettext("To do"),
    TASK_COMPLETED: STATUS_LABELS[STATUS_COMPLETED],
    TASK_CANCELLED: lazy_gettext("Cancelled"),
}


def status_label(status: str) -> str:
    """A submission's or a step's status as people read it, in their language."""
    label = STATUS_LABELS.get(status) or TASK_STATUS_LABELS.get(status)
    return str(label) if label is not None else status


class Task(db.Model):
    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_status_role_org", "status", "role_code", "org_path"),
        Index("ix_task_assignee_status", "assignee_id", "status"),
        Index("ix_task_status_due", "status", "due_at"),
        Index("ix_task_completed_by", "completed_by_id"),
        # PostgreSQL also has partial and covering indexes (migrations 0012, 0013).
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    engine_task_id: Mapped[str] = mapped_column(String(36))
    process_key: Mapped[str] = mapped_column(String(100))
    # The process version this step ran under: a migration moves open rows to the new
    # version, finished ones stay where they ran (the step table counts them there).
    version: Mapped[int]
    activity_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    role_code: Mapped[str] = mapped_column(String(64))
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    org_path: Mapped[str] = mapped_column(String(500))
    form_schema: Mapped[str | None] = mapped_column(String(200))
    form_ui: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=TASK_READY)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # What was submitted at this step, kept here rather than in the engine state.
    data: Mapped[dict | None] = mapped_column(JSON)

    instance: Mapped[ProcessInstance] = relationship(lazy="raise_on_sql")
    # Lists and the task's page ask for both (services.runtime.queries.with_org_and_holder); the
    # API's answer to a start or completion names the new tasks' organisations and holders
    # through queries.name_org_and_holder.
    org: Mapped[Org] = relationship(lazy="raise_on_sql")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="raise_on_sql")
    completed_by: Mapped[User | None] = relationship(
        foreign_keys=[completed_by_id], lazy="raise_on_sql"
    )
