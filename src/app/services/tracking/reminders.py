"""Chasing (催办): reminders to whoever holds a task, in the app and by e-mail.

A claimed task's reminder goes to its holder; an unclaimed one to every user eligible
for it. Every reminder is written into the submission's history. E-mail goes out after
the commit, and only when SMTP is configured (MAIL_SERVER).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from app.extensions import db
from app.models import (
    AuditEvent,
    Campaign,
    Notification,
    ProcessInstance,
    Task,
    User,
)
from app.models.task import TASK_READY
from app.services.foundation.clock import now
from app.services.foundation.errors import BadRequest, Forbidden, NotFound
from app.services.foundation.notify import county_time, notify
from app.services.foundation.policy import (
    eligible_users,
    holds_role_for,
    instance_visibility,
    may_chase,
    may_start_on_behalf,
    require_can_chase,
)
from app.services.foundation.transaction import transactional


def _tracked_tasks(actor: User):
    """Tasks of the submissions `actor` may see: who chases sees more than their inbox."""
    return (
        select(Task)
        .join(ProcessInstance, ProcessInstance.id == Task.instance_id)
        .where(instance_visibility(actor))
        .options(contains_eager(Task.instance))  # its title names it in the reminder
    )


@transactional
def send_reminder(actor: User, task_id: int, message: str | None = None) -> list[User]:
    """Remind whoever holds the task. Returns who was reminded."""
    task = db.session.scalar(_tracked_tasks(actor).where(Task.id == task_id))
    if task is None:
        raise NotFound(
            _l("Task %(task_id)s does not exist or is not yours to see.", task_id=task_id)
        )
    require_can_chase(actor, task)
    if task.status != TASK_READY:
        raise BadRequest(
            _l("The task “%(name)s” is done: there is nothing to chase.", name=task.name)
        )
    return _remind(actor, task, message)


@transactional
def remind_overdue(actor: User, campaign_id: int | None = None, message: str | None = None) -> int:
    """Remind the holders of every overdue task the actor may chase (of one round, or all).

    Raises Forbidden for those who chase nobody, and for a round unless finance (rounds
    are finance's); NotFound for a round that does not exist.
    """
    require_can_chase(actor)
    query = _tracked_tasks(actor).where(Task.status == TASK_READY, Task.due_at < now())
    if campaign_id is not None:
        if not may_start_on_behalf(actor):
            raise Forbidden(_l("Only the finance bureau starts and sees rounds."))
        if db.session.get(Campaign, campaign_id) is None:
            raise NotFound(_l("There is no round %(campaign_id)s.", campaign_id=campaign_id))
        query = query.where(ProcessInstance.campaign_id == campaign_id)
    reminded = 0
    for task in db.session.scalars(query):
        if not may_chase(actor, task):  # seen (e.g. once handed to them), not theirs to chase
            continue
        _remind(actor, task, message)
        reminded += 1
    return reminded


def _remind(actor: User, task: Task, message: str | None) -> list[User]:
    at = now()
    recipients = [
        u for u in eligible_users(task) if u.id == task.assignee_id or holds_role_for(u, task)
    ]
    title = f"催办：{task.instance.title} · {task.name}"
    body = message or "请尽快办理。"
    if task.due_at:
        body += f"（截止 {county_time(task.due_at)}）"
    notify(recipients, kind="reminder", title=title, body=body, task=task, sender=actor)
    db.session.add(
        AuditEvent(
            instance_id=task.instance_id,
            task_id=task.id,
            at=at,
            actor_id=actor.id,
            action="reminded",
            activity_id=task.activity_id,
            activity_name=task.name,
            comment=body,
            details={"to": [u.username for u in recipients]},
        )
    )
    return recipients


def unread_count(user: User) -> int:
    from sqlalchemy import func

    return db.session.scalar(
        select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def list_notifications(user: User, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


@transactional
def mark_read(user: User) -> None:
    for note in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ):
        note.read_at = now()


@transactional
def send_overdue_digests() -> int:
    """Each user's daily digest of the overdue tasks they hold or may take. Returns how
    many users got one."""
    from collections import defaultdict

    overdue = list(
        db.session.scalars(
            select(Task)
            .where(Task.status == TASK_READY, Task.due_at < now())
            .options(joinedload(Task.instance))
        )
    )
    per_user: dict[int, tuple[User, list[Task]]] = defaultdict(lambda: (None, []))
    for task in overdue:
        for user in eligible_users(task):
            holder, tasks = per_user[user.id]
            per_user[user.id] = (user, tasks + [task])
    for user, tasks in per_user.values():
        title = f"逾期待办日报：{len(tasks)} 项"
        body = "\n".join(
            f"· {t.instance.title} · {t.name}（截止 {county_time(t.due_at, with_time=False)}）"
            for t in tasks
        )
        notify([user], kind="digest", title=title, body=body)
    return len(per_user)
