"""Keeping the task rows and the instance row in step with what the engine just did.

Also where a submission is marked "returned" (sent back at least once, the tracking
league's column): a completed step's decision was a return (the code every shipped
return flow tests), or a step opened again after it had been completed (a loop back in
the diagram, whatever its field names).
"""

from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    ColumnElement,
    Insert,
    Table,
    Update,
    bindparam,
    event,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session, SessionTransaction, make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app import engine
from app.extensions import db
from app.models import AuditEvent, ProcessInstance, Task, User
from app.models.instance import STATUS_COMPLETED
from app.models.task import TASK_CANCELLED, TASK_COMPLETED, TASK_READY
from app.services.foundation.clock import now
from app.services.foundation.errors import BadRequest
from app.services.foundation.jobs import enqueue
from app.services.foundation.policy import holds_role
from app.services.foundation.roles import resolve_role
from app.services.runtime.calendar import WorkCalendar, work_calendar
from app.services.runtime.definitions import lane_role
from app.services.runtime.timers import schedule_catch_timers, schedule_escalation

RETURN_DECISIONS = ("return", "returned", "退回")
# The job that delivers a message one submission threw to the others waiting for it
# (handled in messages.py, after this step has committed).
THROWN_MESSAGE = "deliver_thrown_message"


def apply_step(
    instance: ProcessInstance,
    step: engine.Step,
    actor: User,
    decision: str | None = None,
    *,
    new_instance: bool = False,
    rows_seen: list[RowSeen] | None = None,
    calendar: WorkCalendar | None = None,
) -> list[Task]:
    """Store the engine's new state, open rows for newly ready tasks, close vanished ones;
    `decision` is the one of the step just completed, if any; a `new_instance` (just
    started) has no task rows to look for. A caller that read the instance's rows
    (`rows_seen`, see `rows_seen_column`) or the calendar beside its own, under the lock, passes
    them: they are not read again.

    Returns the instance's ready tasks after the step.

    The hot path of every start and completion, so its writes are plain statements (one
    INSERT … RETURNING for the opened rows, one UPDATE of the instance) instead of the
    ORM's unit of work; the objects in the session are given the written values, so
    they read as what was just stored without a round trip.
    """
    at = now()
    data = {**(instance.data or {}), **_json_safe(step.data)}
    open_rows, done_steps = {}, set()
    if not new_instance:
        again = [ready.spec.id for ready in step.ready]
        open_rows, done_steps = rows_before(instance, again, rows_seen)
    returned = instance.returned or decision in RETURN_DECISIONS
    ready_rows, opened = [], []
    if calendar is None and step.ready:
        calendar = work_calendar()
    for ready in step.ready:
        row = open_rows.pop(ready.engine_task_id, None)
        if row is None:
            row = _new_task(instance, ready, at, data, calendar)
            opened.append((row, ready.spec))
            if row.activity_id in done_steps:  # opened again: sent back
                returned = True
                row.sent_back = True  # read by services/runtime/returns.py: whom to tell
        ready_rows.append(row)
    _insert_tasks(opened, calendar)
    for vanished in open_rows.values():  # e.g. cancelled by an interrupting event
        vanished.status = TASK_CANCELLED
        vanished.completed_at = at
    written = {"engine_state": step.state, "data": data, "returned": returned}
    if step.finished:
        written.update(status=STATUS_COMPLETED, ended_at=at)
        db.session.add(
            AuditEvent(instance_id=instance.id, at=at, actor_id=actor.id, action="finished")
        )
    write_columns(instance, written)
    if step.timers:  # an intermediate timer: the worker fires it at its due time
        schedule_catch_timers(instance, step.timers, at)
    for name, payload in step.thrown:
        enqueue(
            THROWN_MESSAGE,
            payload={"name": name, "message": _json_safe(payload), "sender_id": actor.id},
            instance_id=instance.id,
        )
    return ready_rows


def write_columns(row: db.Model, values: dict) -> None:
    """UPDATE one row's columns now, in one statement, and give its object in the session
    those values as stored (no flush left pending for them)."""
    db.session.connection().execute(_update_by_id(row.__table__), {**values, "row_id": row.id})
    for name, value in values.items():
        set_committed_value(row, name, value)


@functools.cache
def _update_by_id(table: Table) -> Update:
    """One UPDATE per table, built once: its SET clause is the columns each call passes
    (SQLAlchemy compiles and caches one form per set of columns), so no statement is
    built, nor its cache key computed, per call."""
    return update(table).where(table.c.id == bindparam("row_id"))


def _insert_tasks(opened: list[tuple[Task, engine.UserTaskSpec]], calendar) -> None:
    """The rows a step opens, stored in one statement (see `insert_rows`), each then with
    its escalation scheduled."""
    if not opened:
        return
    # The submission stays NULL until completed (JSON would store None as 'null').
    insert_rows([row for row, _ in opened], left_null=("data",))
    for row, spec in opened:
        schedule_escalation(row, spec, calendar)


def insert_rows(rows: list[db.Model], left_null: tuple[str, ...] = ()) -> None:
    """Store new rows of one table with one INSERT … RETURNING, then attach each to the
    session as stored: its id set, nothing left to flush, so answers and later reads see
    it without a round trip (the unit of work's flush costs several times the INSERT).

    Every column but the id (and those `left_null`) must be set on each row: a row
    given whole has nothing to load afterwards.
    """
    table = rows[0].__table__
    columns = [c.key for c in table.columns if c.key != "id" and c.key not in left_null]
    values = [{key: getattr(row, key) for key in columns} for row in rows]
    result = db.session.connection().execute(_insert_returning_id(table), values)
    for row, (row_id,) in zip(rows, result.all(), strict=True):
        row.id = row_id
        make_transient_to_detached(row)
        db.session.add(row)
    db.session.info.setdefault(_STORED_NOW, []).extend(rows)


_STORED_NOW = "rows stored by insert_rows in this transaction"


@event.listens_for(Session, "after_soft_rollback")
def _forget_rows_stored_now(session: Session, transaction: SessionTransaction) -> None:
    """A rollback takes back what `insert_rows` stored: forget those objects, as the unit
    of work forgets rows it inserted (SQLite hands their ids out again, and a new row
    must not meet a stale object in the session). Savepoints never hold such rows."""
    if transaction.parent is None:
        for row in session.info.pop(_STORED_NOW, ()):
            if row in session:
                session.expunge(row)


@event.listens_for(Session, "after_commit")
def _keep_rows_stored_now(session: Session) -> None:
    session.info.pop(_STORED_NOW, None)


@functools.cache
def _insert_returning_id(table: Table) -> Insert:
    """One INSERT per table, built once (see `_update_by_id`); ids come back in the order
    of the rows given (SQLAlchemy's insertmanyvalues)."""
    return insert(table).returning(table.c.id, sort_by_parameter_order=True)


RowSeen = tuple[int, str, str]  # a task row's id, status and step id


def rows_before(
    instance: ProcessInstance, again: list[str], seen: list[RowSeen] | None = None
) -> tuple[dict, set[str]]:
    """The instance's open task rows by engine task id, and which of the steps `again`
    (those ready now) were completed before; from the rows a caller has `seen` (as
    `rows_seen_column` reads them) or else read here.

    Until a submission is first sent back each step has at most one completed row, so
    looking at those stays cheap; once it has been, the mark stays and they are skipped.
    One plain query of three columns answers both; only open rows left beside the step
    (parallel branches) are then loaded as objects, which most steps never need.
    """
    if seen is not None:
        found = seen
    elif not instance.returned and again:
        found = db.session.connection().execute(
            _OPEN_OR_DONE_ROWS, {"instance_id": instance.id, "again": again}
        )
    else:
        found = db.session.connection().execute(_OPEN_ROWS, {"instance_id": instance.id})
    open_ids, done_steps = [], set()
    for row_id, status, activity_id in found:
        if status == TASK_READY:
            open_ids.append(row_id)
        elif activity_id in again:
            done_steps.add(activity_id)
    open_rows = {}
    if open_ids:
        rows = select(Task).where(Task.id.in_(open_ids))
        open_rows = {row.engine_task_id: row for row in db.session.scalars(rows)}
    return open_rows, done_steps


# The two forms of rows_before's look, built once (see _update_by_id); plain columns, so
# that they run as Core statements.
_task = Task.__table__.c
_OPEN_ROWS = select(_task.id, _task.status, _task.activity_id).where(
    _task.instance_id == bindparam("instance_id"), _task.status == TASK_READY
)
_OPEN_OR_DONE_ROWS = select(_task.id, _task.status, _task.activity_id).where(
    _task.instance_id == bindparam("instance_id"),
    (_task.status == TASK_READY)
    | (
        (_task.status == TASK_COMPLETED) & _task.activity_id.in_(bindparam("again", expanding=True))
    ),
)


def rows_seen_column(dialect: str) -> ColumnElement:
    """What `rows_before` needs, as one column of a statement that reads a task row (its
    instance's open rows, and its completed ones until the submission is first sent back,
    as a JSON array of [id, status, step id]), so that a completion reads them under its
    lock with its own task instead of in a round trip of its own. The enclosing statement
    must name the instance (its `returned` decides)."""
    other = Task.__table__.alias("other")
    row = (other.c.id, other.c.status, other.c.activity_id)
    if dialect == "postgresql":
        rows = func.json_agg(func.json_build_array(*row))
    else:
        rows = func.json_group_array(func.json_array(*row))
    instance = ProcessInstance.__table__.c
    return (
        select(type_coerce(rows, JSON))
        .where(
            other.c.instance_id == instance.id,
            (other.c.status == TASK_READY)
            | ((other.c.status == TASK_COMPLETED) & instance.returned.is_(False)),
        )
        .scalar_subquery()
    )


def _new_task(
    instance: ProcessInstance, ready: engine.ReadyTask, at, data: dict, calendar: WorkCalendar
) -> Task:
    """The row of a task the engine has just made ready, not yet stored."""
    spec = ready.spec
    return Task(
        id=None,
        instance_id=instance.id,
        engine_task_id=ready.engine_task_id,
        process_key=instance.process_key,
        version=instance.version,
        activity_id=spec.id,
        name=spec.name,
        role_code=lane_role(instance.definition, spec.lane) or spec.lane or "",
        org_id=instance.org_id,
        org_path=instance.org_path,
        form_schema=spec.form,
        form_ui=spec.ui_form,
        status=TASK_READY,
        created_at=at,
        due_at=calendar.due_after(at, spec.due_in, spec.due_counting) if spec.due_in else None,
        assignee_id=_assignee_from(spec, data),
        completed_at=None,
        completed_by_id=None,
        data=None,
    )


def _assignee_from(spec: engine.UserTaskSpec, data: dict) -> int | None:
    """A task whose diagram names a data field with a username goes to that person.

    How experts get their reviews: their role sees only what is assigned to them. Only
    holders of the lane's role may be named, so the field cannot hand a task to anyone.
    """
    if not spec.assignee_from:
        return None
    username = data.get(spec.assignee_from)
    if not username:
        return None
    user = db.session.scalar(
        select(User).where(User.username == str(username)).options(selectinload(User.roles))
    )
    role = resolve_role(spec.lane)
    if user is None or not holds_role(user, role):
        raise BadRequest(
            _l(
                "The user %(username)s named by “%(field)s” does not exist or does not hold "
                "the step's role.",
                username=username,
                field=spec.assignee_from,
            )
        )
    return user.id


def _json_safe(data: dict) -> dict:
    """Scripts may leave values JSON cannot hold; keep those as text rather than fail."""
    import json

    return json.loads(json.dumps(data, default=str))


def move_rows(instance: ProcessInstance, step: engine.Step, actor: User, at) -> list[Task]:
    """After a migration: point the open task rows at the new version's steps.

    A step keeps its row (and so its holder, since and due date) when it still waits
    under the same engine task, or under the same step id (the engine may re-create a
    task below a boundary event); its name, role and forms are the new version's.
    """
    instance.engine_state = step.state
    open_rows = list(
        db.session.scalars(
            select(Task).where(Task.instance_id == instance.id, Task.status == TASK_READY)
        )
    )
    by_engine_id = {row.engine_task_id: row for row in open_rows}
    calendar = work_calendar() if step.ready else None
    kept = []
    for ready in step.ready:
        row = by_engine_id.pop(ready.engine_task_id, None)
        if row is None:
            row = next((r for r in by_engine_id.values() if r.activity_id == ready.spec.id), None)
            if row is not None:
                del by_engine_id[row.engine_task_id]
                row.engine_task_id = ready.engine_task_id
        if row is None:
            row = _new_task(instance, ready, at, instance.data or {}, calendar)
            db.session.add(row)
            schedule_escalation(row, ready.spec, calendar)
        else:
            row.version = instance.version
            row.name = ready.spec.name
            row.role_code = resolve_role(ready.spec.lane) or ready.spec.lane or ""
            row.form_schema = ready.spec.form
            row.form_ui = ready.spec.ui_form
        kept.append(row)
    for vanished in by_engine_id.values():
        vanished.status = TASK_CANCELLED
        vanished.completed_at = at
    if step.finished:
        instance.status = STATUS_COMPLETED
        instance.ended_at = at
    return kept
