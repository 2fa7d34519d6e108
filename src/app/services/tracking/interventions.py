"""Administrative actions on a stuck submission: reassign, suspend, resume, terminate.

Only the finance bureau may take them, and always with a reason, which the submission's
history keeps beside who did it and when. Each runs under the instance's row lock, like
completing a task, so it cannot interleave with a completion of the same submission.

A suspended submission keeps its open tasks (they come back as they were on resuming);
tasks.complete_task / claim_task refuse them while the instance is not "running". A
terminated (withdrawn) one has its open tasks cancelled, so they leave every inbox.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Org, ProcessInstance, Task, User
from app.models.instance import STATUS_RUNNING, STATUS_SUSPENDED, STATUS_TERMINATED
from app.models.org import ACTING
from app.models.task import TASK_CANCELLED, TASK_READY
from app.services.foundation.clock import now
from app.services.foundation.errors import BadRequest, Conflict, Forbidden, NotFound
from app.services.foundation.locking import lock_instance
from app.services.foundation.policy import holds_role, holds_role_for, may_start_on_behalf
from app.services.foundation.transaction import transactional


def _require_finance(actor: User) -> None:
    if not may_start_on_behalf(actor):
        raise Forbidden(_l("Only the finance bureau may intervene."))


def _require_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise BadRequest(_l("Write the reason: it goes into the history."))
    return text


def _audit(
    actor: User,
    instance: ProcessInstance,
    action: str,
    reason: str,
    task: Task | None = None,
    details: dict | None = None,
) -> None:
    db.session.add(
        AuditEvent(
            instance_id=instance.id,
            task_id=task.id if task else None,
            at=now(),
            actor_id=actor.id,
            action=action,
            activity_id=task.activity_id if task else None,
            activity_name=task.name if task else None,
            comment=reason,
            details=details,
        )
    )


def _open_tasks(instance: ProcessInstance) -> list[Task]:
    return list(
        db.session.scalars(
            select(Task)
            .where(Task.instance_id == instance.id, Task.status == TASK_READY)
            .order_by(Task.id)
        )
    )


@transactional(keep_loaded=True)  # the page names the new holder
def reassign_task(actor: User, task_id: int, username: str, reason: str | None) -> Task:
    """Hand a waiting task to a named user who holds its role within scope.

    Raises Forbidden (not finance), BadRequest (no reason; no such user; the user lacks
    the task's role for its organisation), NotFound, Conflict (the task is done or the
    submission is not running).
    """
    _require_finance(actor)
    reason = _require_reason(reason)
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound(_l("Task %(task_id)s does not exist.", task_id=task_id))
    instance = lock_instance(task.instance_id)
    db.session.refresh(task)
    if task.status != TASK_READY:
        raise Conflict(
            _l("The task “%(name)s” is done or cancelled: it cannot be reassigned.", name=task.name)
        )
    if instance.status == STATUS_TERMINATED:
        raise Conflict(_l("The submission is terminated: its tasks cannot be reassigned."))
    target = db.session.scalar(
        select(User).where(User.username == (username or "").strip()).options(*ACTING)
    )
    if target is None or not target.active:
        raise BadRequest(_l("There is no active user “%(username)s”.", username=username))
    if not holds_role_for(target, task):
        who = f"{target.display_name}（{target.username}）"
        if not holds_role(target, task.role_code):
            raise BadRequest(
                _l(
                    "%(who)s does not hold the role %(role_code)s that “%(name)s” needs.",
                    who=who,
                    name=task.name,
                    role_code=task.role_code,
                )
            )
        raise BadRequest(
            _l(
                "%(who)s holds the role %(role_code)s but not for the tasks of %(name)s.",
                who=who,
                role_code=task.role_code,
                name=db.session.get(Org, task.org_id).name,
            )
        )
    holder = db.session.get(User, task.assignee_id) if task.assignee_id else None
    previous = holder.username if holder else None
    task.assignee = target
    _audit(
        actor,
        instance,
        "reassigned",
        reason,
        task,
        {"from": previous, "to": target.username},
    )
    db.session.flush()
    return task


@transactional
def suspend_instance(actor: User, instance_id: int, reason: str | None) -> ProcessInstance:
    """Put a running submission on hold: its tasks stay, but nobody may act on them.

    Raises Forbidden, BadRequest (no reason), NotFound, Conflict (not running).
    """
    _require_finance(actor)
    reason = _require_reason(reason)
    instance = lock_instance(instance_id)
    if instance.status != STATUS_RUNNING:
        raise Conflict(_l("Only a submission in progress can be suspended."))
    instance.status = STATUS_SUSPENDED
    _audit(actor, instance, "suspended", reason)
    return instance


@transactional
def resume_instance(actor: User, instance_id: int, reason: str | None) -> ProcessInstance:
    """Let a suspended submission go on where it stopped.

    Raises Forbidden, BadRequest (no reason), NotFound, Conflict (not suspended).
    """
    _require_finance(actor)
    reason = _require_reason(reason)
    instance = lock_instance(instance_id)
    if instance.status != STATUS_SUSPENDED:
        raise Conflict(_l("Only a suspended submission can be resumed."))
    instance.status = STATUS_RUNNING
    _audit(actor, instance, "resumed", reason)
    return instance


@transactional
def terminate_instance(actor: User, instance_id: int, reason: str | None) -> ProcessInstance:
    """Withdraw a submission for good: its open tasks are cancelled and leave every inbox.

    Raises Forbidden, BadRequest (no reason), NotFound, Conflict (already ended).
    """
    _require_finance(actor)
    reason = _require_reason(reason)
    instance = lock_instance(instance_id)
    if instance.status not in (STATUS_RUNNING, STATUS_SUSPENDED):
        raise Conflict(_l("The submission has ended: it cannot be terminated."))
    at = now()
    cancelled = []
    for task in _open_tasks(instance):
        task.status = TASK_CANCELLED
        task.completed_at = at
        cancelled.append(task.activity_id)
    instance.status = STATUS_TERMINATED
    instance.ended_at = at
    _audit(actor, instance, "terminated", reason, details={"cancelled": cancelled})
    return instance
