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

from app import engine
from app.extensions import db
from app.models import AuditEvent, Job, Task, User
from app.models.instance import STATUS_RUNNING, STATUS_SUSPENDED
from app.models.org import RoleCode
from app.models.task import TASK_READY
from app.services.foundation.clock import now
from app.services.foundation.errors import stored_text
from app.services.foundation.jobs import RunLater, enqueue, job_handler
from app.services.foundation.notify import county_time, notify
from app.services.foundation.roles import resolve_role
from app.services.runtime.calendar import WorkCalendar
from app.services.runtime.withdrawal import schedule_withdrawal

ESCALATE = "escalate_task"
# Who hears of a task still open when its boundary timer falls due, unless the timer's
# `escalateTo` property names other roles: the department above the holder, and finance.
DEFAULT_ESCALATE_TO = (RoleCode.BUDGET_DEPARTMENT, RoleCode.FINANCE_BUREAU)


def schedule_escalation(row: Task, spec: engine.UserTaskSpec, calendar: WorkCalendar) -> None:
    """Queue the escalation of a task just opened, if its diagram draws one (and its
    withdrawal, if an interrupting timer sits on it)."""
    schedule_withdrawal(row, spec, calendar)
    if spec.escalation is None:
        return
    enqueue(
        ESCALATE,
        run_at=calendar.due_after(row.created_at, spec.escalation.after, spec.escalation.counting),
        payload={
            "roles": [str(role) for role in spec.escalation.to or DEFAULT_ESCALATE_TO],
            "event_id": spec.escalation.event_id,
        },
        instance_id=row.instance_id,
        task=row,
    )


@job_handler(ESCALATE)
def escalate(job: Job) -> None:
    from app.services.tracking.reminders import role_holders

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
