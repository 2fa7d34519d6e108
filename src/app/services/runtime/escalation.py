"""Escalation (督办): a boundary timer on a user task falls due while the task is open.

The diagram draws it as a non-interrupting timer on the task's edge; its `escalateTo`
property names the roles to tell (by default the department above the holder and
finance). Opening the task queues one job at the due time, counted in working days; the
worker runs it once. A task finished by then is left alone; a suspended submission's
escalation waits until it is resumed.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import AuditEvent, Job, Task, User
from app.models.instance import STATUS_RUNNING, STATUS_SUSPENDED
from app.models.task import TASK_READY
from app.services.foundation.clock import now
from app.services.foundation.errors import stored_text
from app.services.foundation.jobs import RunLater, job_handler
from app.services.foundation.notify import county_time, notify
from app.services.foundation.policy import role_holders
from app.services.foundation.roles import resolve_role
from app.services.runtime.timers import ESCALATE


@job_handler(ESCALATE)
def escalate(job: Job) -> None:
    task = db.session.scalar(
        select(Task)
        .where(Task.id == job.task_id)
        .options(joinedload(Task.instance), joinedload(Task.org), joinedload(Task.assignee))
    )
    if task is None or task.status != TASK_READY:
        return  # done in time, or withdrawn: nobody to chase
    instance = task.instance
    if instance.status == STATUS_SUSPENDED:
        raise RunLater(
            now() + timedelta(days=1),
            stored_text(
                _l("The submission is suspended: the escalation happens once it is resumed.")
            ),
        )
    if instance.status != STATUS_RUNNING:
        return
    recipients: dict[int, User] = {}
    for role in job.payload.get("roles", []):
        for user in role_holders(resolve_role(role) or role, task.org_id, task.org_path):
            recipients.setdefault(user.id, user)
    holder = task.assignee.display_name if task.assignee else "（尚未认领）"
    due = county_time(task.due_at, with_time=False)
    since = county_time(task.created_at, with_time=False)
    title = f"督办：{instance.title} · {task.name} 已超时"
    body = (
        f"“{task.name}”（{task.org.name}）自 {since} 起待办，"
        f"办理人：{holder}，期限 {due}，至今未完成，请督促办理。"
    )
    notify(recipients.values(), kind="escalation", title=title, body=body, task=task)
    db.session.add(
        AuditEvent(
            instance_id=task.instance_id,
            task_id=task.id,
            at=now(),
            actor_id=None,  # the diagram's timer, not a person
            action="escalated",
            activity_id=task.activity_id,
            activity_name=task.name,
            comment=body,
            details={
                "to": sorted(u.username for u in recipients.values()),
                "event": job.payload.get("event_id"),
            },
        )
    )
