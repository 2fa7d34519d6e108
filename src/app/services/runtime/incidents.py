"""Incidents: a step the engine could not run (a script or condition that failed, or was
stopped at its time limit). The step itself rolls back — nothing half-done is stored and
the task stays ready, so it can be completed again once the cause is fixed (the data
corrected, or the diagram fixed and the submission migrated) — but the failure must not
vanish with it: the submission's history records it and finance, who follow every
submission, are notified, naming the submission, the step and the error.
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Notification, ProcessInstance, Task, User
from app.models.org import RoleCode
from app.services.foundation.clock import now
from app.services.foundation.transaction import transactional


@transactional
def record_incident(instance_id: int, task_id: int | None, actor_id: int, error: str) -> None:
    """Record, in a transaction of its own, that a step of `instance_id` failed."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:  # the failed step was the start: nothing to attach it to
        return
    task = db.session.get(Task, task_id) if task_id else None
    at = now()
    db.session.add(
        AuditEvent(
            instance_id=instance.id,
            task_id=task.id if task else None,
            at=at,
            actor_id=actor_id,
            action="incident",
            activity_id=task.activity_id if task else None,
            activity_name=task.name if task else None,
            comment=error[:2000],
        )
    )
    step = f"“{task.name}”" if task else ""
    finance = db.session.scalars(
        select(User).where(User.roles.any(code=RoleCode.FINANCE_BUREAU), User.active.is_(True))
    )
    for user in finance:
        db.session.add(
            Notification(
                user_id=user.id,
                at=at,
                kind="incident",
                title=f"流程异常：{instance.title} {step}未能办理，可修正后重试",
                body=error[:2000],
                instance_id=instance.id,
                sender_id=actor_id,
            )
        )
