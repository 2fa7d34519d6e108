"""The read side: inbox, submissions, tracking. Indexed columns only, never engine state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import defer, joinedload

from app.extensions import db
from app.models import AuditEvent, ProcessInstance, Task, User
from app.models.instance import HALTED_STATUSES, OPEN_STATUSES
from app.models.task import TASK_COMPLETED, TASK_READY
from app.services.clock import now
from app.services.errors import NotFound
from app.services.policy import instance_visibility, task_instance_visibility, task_visibility

INBOX_SORTS = {
    "waiting": Task.created_at.asc(),
    "-waiting": Task.created_at.desc(),
    "due": Task.due_at.asc().nulls_last(),
    "-due": Task.due_at.desc().nulls_last(),
}


@dataclass
class Inbox:
    tasks: list[Task]
    mine_count: int
    roles_count: int


def list_inbox(
    actor: User,
    mine: bool = False,
    process: str | None = None,
    overdue: bool = False,
    sort: str = "waiting",
    limit: int = 200,
) -> Inbox:
    """Ready tasks `actor` may see: "mine" (claimed by me) or all of my roles'."""
    visible = (
        select(Task.id)
        # A suspended submission's tasks wait out of sight until finance resumes it. Said
        # as "not among the few halted ones" so that no open task joins its submission.
        .where(Task.status == TASK_READY, Task.instance_id.not_in(_halted_instances()))
        .where(task_visibility(actor))
    )
    if process:
        visible = visible.where(Task.process_key == process)
    if overdue:
        visible = visible.where(Task.due_at < now())
    counted = visible.with_only_columns(
        func.count(), func.sum((Task.assignee_id == actor.id).cast(db.Integer))
    )
    roles_count, mine_count = db.session.execute(counted).one()
    page = visible.where(Task.assignee_id == actor.id) if mine else visible
    order = (INBOX_SORTS.get(sort, INBOX_SORTS["waiting"]), Task.id)
    # The page's ids first (narrow, in index order), then only those rows in full.
    query = (
        select(Task)
        .where(Task.id.in_(page.order_by(*order).limit(limit)))
        .order_by(*order)
        .options(joinedload(Task.instance), joinedload(Task.org), joinedload(Task.assignee))
    )
    return Inbox(
        list(db.session.scalars(query).unique()), int(mine_count or 0), int(roles_count or 0)
    )


def _halted_instances():
    return select(ProcessInstance.id).where(ProcessInstance.status.in_(HALTED_STATUSES))


def list_instances(
    actor: User,
    process: str | None = None,
    status: str | None = None,
    activity: str | None = None,
    org_id: int | None = None,
    overdue: bool = False,
    limit: int = 200,
    offset: int = 0,
) -> list[ProcessInstance]:
    query = select(ProcessInstance).where(instance_visibility(actor))
    if process:
        query = query.where(ProcessInstance.process_key == process)
    if status:
        query = query.where(ProcessInstance.status == status)
    if org_id is not None:
        query = query.where(ProcessInstance.org_id == org_id)
    if activity or overdue:
        if not status:  # only open submissions have ready tasks: walk those alone
            query = query.where(ProcessInstance.status.in_(OPEN_STATUSES))
        open_task = select(Task.instance_id).where(Task.status == TASK_READY)
        if activity:
            open_task = open_task.where(Task.activity_id == activity)
        if overdue:
            open_task = open_task.where(Task.due_at < now())
        query = query.where(ProcessInstance.id.in_(open_task))
    query = query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc())
    # A list shows no submission's form data: leave each row's merged data in the database.
    query = query.options(defer(ProcessInstance.data))
    return list(db.session.scalars(query.limit(limit).offset(offset)).unique())


def open_tasks_of(instance_ids: list[int]) -> dict[int, list[Task]]:
    """Current (ready) tasks for many instances in one query."""
    result: dict[int, list[Task]] = {i: [] for i in instance_ids}
    if not instance_ids:
        return result
    rows = db.session.scalars(
        select(Task)
        .where(Task.instance_id.in_(instance_ids), Task.status == TASK_READY)
        .order_by(Task.id)
    ).unique()
    for task in rows:
        result[task.instance_id].append(task)
    return result


@dataclass
class InstanceDetail:
    instance: ProcessInstance
    current: list[Task]
    history: list[AuditEvent]
    completed: list[Task]


def instance_detail(actor: User, instance_id: int) -> InstanceDetail:
    """A submission with its current tasks, history and every step's submitted data."""
    instance = db.session.scalar(
        select(ProcessInstance).where(ProcessInstance.id == instance_id, instance_visibility(actor))
    )
    if instance is None:
        raise NotFound(f"提交 {instance_id} 不存在或无权查看 (no such submission)")
    history = list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.instance_id == instance.id).order_by(AuditEvent.id)
        ).unique()
    )
    completed = list(
        db.session.scalars(
            select(Task)
            .where(Task.instance_id == instance.id, Task.status == TASK_COMPLETED)
            .order_by(Task.completed_at, Task.id)
        ).unique()
    )
    return InstanceDetail(instance, open_tasks_of([instance.id])[instance.id], history, completed)


@dataclass
class StepSummary:
    process_key: str
    activity_id: str
    name: str
    role: str
    open: int
    overdue: int
    oldest_since: datetime | None


def tracking_summary(actor: User, process: str | None = None) -> list[StepSummary]:
    """Per process step: how many wait there, how many are late, since when the oldest."""
    at = now()
    query = (
        select(
            Task.process_key,
            Task.activity_id,
            func.min(Task.name),
            Task.role_code,
            func.count(),
            func.sum((Task.due_at < at).cast(db.Integer)),
            func.min(Task.created_at),
        )
        .where(Task.status == TASK_READY)
        .where(task_instance_visibility(actor))
        .group_by(Task.process_key, Task.activity_id, Task.role_code)
        .order_by(Task.process_key, func.min(Task.created_at))
    )
    if process:
        query = query.where(Task.process_key == process)
    return [
        StepSummary(key, activity, name, role, count, int(late or 0), oldest)
        for key, activity, name, role, count, late, oldest in db.session.execute(query)
    ]
