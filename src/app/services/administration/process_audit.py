"""The process administration log: every deployment, rollback, import and migration, with
who did it and why. Written inside the transaction of the change it records, so the log
never claims what did not happen."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import ProcessAuditEvent, User
from app.services.foundation.clock import now
from app.services.foundation.policy import require_can_deploy

DEPLOYED = "deployed"
ROLLED_BACK = "rolled_back"
IMPORTED = "imported"
MIGRATED = "migrated"


def record_process_event(
    actor: User | None,
    key: str,
    version: int | None,
    action: str,
    comment: str | None = None,
    details: dict | None = None,
) -> ProcessAuditEvent:
    """Add one entry to the log (the caller's transaction commits it)."""
    event = ProcessAuditEvent(
        process_key=key,
        version=version,
        action=action,
        at=now(),
        actor_id=actor.id if actor is not None else None,
        comment=comment,
        details=details,
    )
    db.session.add(event)
    return event


def process_events(actor: User, key: str, limit: int = 200) -> list[ProcessAuditEvent]:
    """The log of process `key`, newest first. Raises Forbidden for non-administrators."""
    require_can_deploy(actor)
    return list(
        db.session.scalars(
            select(ProcessAuditEvent)
            .where(ProcessAuditEvent.process_key == key)
            .order_by(ProcessAuditEvent.at.desc(), ProcessAuditEvent.id.desc())
            .limit(limit)
            .options(joinedload(ProcessAuditEvent.actor))  # the log names who did it
        )
    )
