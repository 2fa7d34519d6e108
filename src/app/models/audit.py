"""The history of a submission: who did what, at which step, when, and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import User


def request_address() -> str | None:
    """The address the current request came from; None outside a request (CLI, worker).

    Behind nginx this is the proxy's address unless the deployment trusts its
    X-Forwarded-For (werkzeug's ProxyFix), which deploy/README.md describes.
    """
    from flask import has_request_context, request

    return request.remote_addr if has_request_context() else None


class AuditEvent(db.Model):
    """Append-only: no code path updates or deletes a row (a test greps for one), and on
    PostgreSQL a trigger of migration 0009 refuses UPDATE, DELETE and TRUNCATE."""

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
    # Where the request came from; filled for every event written during a request.
    remote_addr: Mapped[str | None] = mapped_column(String(64), default=request_address)

    actor: Mapped[User | None] = relationship(lazy="raise_on_sql")


class AuditLogIsAppendOnly(Exception):
    """Raised when code tries to change or remove a recorded audit event."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(_mapper, _connection, target: AuditEvent) -> None:
    raise AuditLogIsAppendOnly(f"audit event {target.id} cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(_mapper, _connection, target: AuditEvent) -> None:
    raise AuditLogIsAppendOnly(f"audit event {target.id} cannot be deleted")


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

    actor: Mapped[User | None] = relationship(lazy="raise_on_sql")
