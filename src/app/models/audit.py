"""The history of a submission: who did what, at which step, when, and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import User


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # started | claimed | unclaimed | completed | finished
    action: Mapped[str] = mapped_column(String(40))
    activity_id: Mapped[str | None] = mapped_column(String(200))
    activity_name: Mapped[str | None] = mapped_column(String(300))
    comment: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship(lazy="joined")


class ProcessAuditEvent(db.Model):
    """What happened to a process definition: deployments, rollbacks, migrations, imports.

    Kept apart from `AuditEvent`, which belongs to one submission: these belong to a
    process key (and the version they produced or moved submissions to).
    """

    __tablename__ = "process_audit_event"
    __table_args__ = (Index("ix_process_audit_event_key_at", "process_key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int | None]
    # deployed | rolled_back | imported | migrated
    action: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship(lazy="joined")
