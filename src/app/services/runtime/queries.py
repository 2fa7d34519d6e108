"""The read side: inbox, submissions, tracking. Indexed columns only, never engine state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, false, func, inspect, not_, select, union_all
from sqlalchemy.orm import defer, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.extensions import db
from app.models import AuditEvent, Org, ProcessInstance, Task, User
from app.models.instance import HALTED_STATUSES, OPEN_STATUSES
from app.models.task import TASK_COMPLETED, TASK_READY
from app.services.foundation.clock import now
from app.services.foundation.errors import NotFound
from app.services.foundation.policy import (
    instance_visibility,
    task_instance_visibility,
    task_visibility_arms,
)

# Column, descending.
INBOX_SORTS = {
    "waiting": ("created_at", False),
    "-waiting": ("created_at", True),
    "due": ("due_at", False),
    "-due": ("due_at", True),
}


def with_org_and_holder() -> tuple:
    """Loader options for a task's organisation and holder, joined into the statement that
    reads the task. Both load by raise: a list that names them asks."""
    return (joinedload(Task.org), joinedload(Task.assignee))


def name_org_and_holder(tasks: list[Task]) -> list[Task]:
    """`tasks` as they came back from a step (new rows, the locked task), given their
    organisation and holder: those the session holds already from its identity map, the
    others in one statement each (none when it holds them all, as for a start by someone
    of the task's own organisation)."""
    session = db.session()

    def loaded(model, ids: set) -> dict:
        found = {i: session.identity_map.get(identity_key(model, i)) for i in ids}
        if missing := sorted(i for i, row in found.items() if row is None):
            found.update(
                (row.id, row) for row in session.scalars(select(model).where(model.id.in_(missing)))
            )
        return found

    orgs = loaded(Org, {task.org_id for task in tasks})
    holders = loaded(User, {task.assignee_id for task in tasks} - {None})
    for task in tasks:
        unloaded = inspect(task).unloaded
        if "org" in unloaded:
            set_committed_value(task, "org", orgs.get(task.org_id))
        if "assignee" in unloaded:
            set_committed_value(task, "assignee", holders.get(task.assignee_id))
    return tasks


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
    """Ready tasks `actor` may see: "mine" (claimed by me) or all of my roles'.

    Each arm of the visibility rule (assigned to me, each role's pool) is read from its
    own index of the open tasks, and the arms are made disjoint so that they can simply
    be appended: one OR over them would make the database fetch every row to test it,
    and a UNION would hash every row to drop duplicates. Counting reads the indexes
    alone; each arm's first page is read in index order, stopping there, and the page
    taken from those, whose rows alone are loaded in full.
    """

    def arm_rows() -> list:
        arms, earlier = [], []
        for arm in task_visibility_arms(actor):
            # A suspended submission's tasks wait out of sight until finance resumes it.
            # Said as "not among the few halted ones" so that no open task joins its
            # submission.
            rows = select(Task.id, Task.created_at, Task.due_at, Task.assignee_id).where(
                Task.status == TASK_READY,
                Task.instance_id.not_in(_halted_instances()),
                arm,
                # NULL (e.g. no assignee) is not a match of an earlier arm.
                *(not_(func.coalesce(clause, false())) for clause in earlier),
            )
            if process:
                rows = rows.where(Task.process_key == process)
            if overdue:
                rows = rows.where(Task.due_at < now())
            arms.append(rows)
            earlier.append(arm)
        return arms

    # Each statement gets its own arms: compiling one marks the selects inside it, so
    # shared ones would give the next statement another cache key whenever the first
    # was compiled, and a worker would compile the page again for the next person.
    visible = union_all(*arm_rows()).subquery()
    is_mine = case((visible.c.assignee_id == actor.id, 1), else_=0)
    counted = select(func.count(), func.sum(is_mine)).select_from(visible)
    roles_count, mine_count = db.session.execute(counted).one()
    column, descending = INBOX_SORTS.get(sort, INBOX_SORTS["waiting"])

    def in_order(columns):
        key = columns[column].desc() if descending else columns[column].asc()
        return key.nulls_last(), columns.id

    # Each arm's own first page (an ordered index scan that stops there), then the
    # page of those.
    firsts = []
    for rows in arm_rows():
        if mine:
            rows = rows.where(Task.assignee_id == actor.id)
        first = rows.order_by(*in_order(Task.__table__.c)).limit(limit).subquery()
        firsts.append(select(first))
    candidates = union_all(*firsts).subquery()
    page = select(candidates.c.id).order_by(*in_order(candidates.c)).limit(limit)
    tasks = db.session.scalars(
        select(Task)
        .where(Task.id.in_(page))
        .order_by(*in_order(Task.__table__.c))
        .options(
            joinedload(Task.instance).joinedload(ProcessInstance.definition),
            *with_org_and_holder(),
        )
    )
    return Inbox(list(tasks), int(mine_count or 0), int(roles_count or 0))


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
    query = query.options(
        defer(ProcessInstance.data),
        joinedload(ProcessInstance.org),
        joinedload(ProcessInstance.definition),
    )
    return list(db.session.scalars(query.limit(limit).offset(offset)))


def open_tasks_of(instance_ids: list[int]) -> dict[int, list[Task]]:
    """Current (ready) tasks for many instances in one query."""
    result: dict[int, list[Task]] = {i: [] for i in instance_ids}
    if not instance_ids:
        return result
    rows = db.session.scalars(
        select(Task)
        .where(Task.instance_id.in_(instance_ids), Task.status == TASK_READY)
        .order_by(Task.id)
        .options(*with_org_and_holder())
    )
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
        select(ProcessInstance)
        .where(ProcessInstance.id == instance_id, instance_visibility(actor))
        .options(
            joinedload(ProcessInstance.org),
            joinedload(ProcessInstance.definition),
            joinedload(ProcessInstance.started_by),
        )
    )
    if instance is None:
        raise NotFound(
            _l(
                "Submission %(instance_id)s does not exist or is not yours to see.",
                instance_id=instance_id,
            )
        )
    history = list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.instance_id == instance.id)
            .order_by(AuditEvent.id)
            .options(joinedload(AuditEvent.actor))
        )
    )
    completed = list(
        db.session.scalars(
            select(Task)
            .where(Task.instance_id == instance.id, Task.status == TASK_COMPLETED)
            .order_by(Task.completed_at, Task.id)
            .options(joinedload(Task.completed_by))
        )
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
