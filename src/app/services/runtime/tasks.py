"""Claiming, releasing and completing user tasks."""

from __future__ import annotations

import functools
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, insert, select
from sqlalchemy.orm import joinedload, undefer
from sqlalchemy.orm.attributes import set_committed_value

from app import engine
from app.extensions import db
from app.forms import FieldError, form_spec
from app.forms.ownership import owned_data, without_row_keys
from app.forms.relations import relation_errors
from app.forms.validation import schema_errors, unstorable_text
from app.models import AuditEvent, ProcessDefinition, ProcessInstance, Task, User
from app.models.instance import STATUS_RUNNING
from app.models.task import TASK_COMPLETED, TASK_READY
from app.performance.context import Run, running
from app.performance.form_rules import form_rule_problems
from app.performance.operators import current_thresholds
from app.services.foundation.clock import now
from app.services.foundation.errors import BadRequest, Conflict, NotFound, ValidationFailed
from app.services.foundation.locking import lock_instance, take_lock_of_task
from app.services.foundation.policy import (
    holds_role_for,
    require_can_complete,
    sees_loaded_task,
    task_visibility,
)
from app.services.foundation.transaction import after_rollback, transactional
from app.services.runtime.attachments import store_uploads
from app.services.runtime.calendar import CALENDAR_AS_STORED, calendar_from_stored
from app.services.runtime.definitions import compiled, pinned_form
from app.services.runtime.incidents import record_incident
from app.services.runtime.projection import (
    RowSeen,
    apply_step,
    rows_seen_column,
    write_columns,
)

# Fields whose values the history shows as the step's decision and comment: these names,
# or names ending in them (dept_decision, gov_opinion, target_grade, ...).
DECISION_FIELDS = ("decision", "conclusion", "grade")
COMMENT_FIELDS = ("opinion", "comment", "comments")
# A task drawn without a form writes nothing.
EMPTY_FORM = {"type": "object", "properties": {}}


def visible_task(actor: User, task_id: int) -> Task:
    """The task if `actor` may see it. Raises NotFound otherwise (also for other depts')."""
    task = db.session.scalar(
        select(Task)
        .where(Task.id == task_id, task_visibility(actor))
        # What the task's page and its API answer name, in the same round trip.
        .options(
            joinedload(Task.instance).joinedload(ProcessInstance.definition),
            joinedload(Task.org),
            joinedload(Task.assignee),
        )
    )
    if task is None:
        raise NotFound(
            _l("Task %(task_id)s does not exist or is not yours to see.", task_id=task_id)
        )
    return task


class Locked(NamedTuple):
    """A ready task under its submission's lock, with what completing it reads besides."""

    task: Task
    instance: ProcessInstance
    calendar: str | None  # the setting as stored (calendar.calendar_from_stored)
    rows_seen: list[RowSeen]  # see projection.rows_seen_column


def _locked_ready_task(actor: User, task_id: int) -> Locked:
    # Lock first, then read the task once, fresh, with its instance and what the step will
    # ask for (one round trip instead of four; a refusal rolls the lock back). Whether the
    # actor may see it is decided on the row read, by the rule the inbox's SQL applies.
    found = take_lock_of_task(task_id)
    row = found and db.session.execute(_task_under_lock(_dialect()), {"task_id": task_id}).first()
    if not row or not sees_loaded_task(actor, row[0]):
        raise NotFound(
            _l("Task %(task_id)s does not exist or is not yours to see.", task_id=task_id)
        )
    task, instance, definition, calendar, rows_seen = row
    # Read together: the instance names its version, and the task its instance, with no
    # query (the task keeps it alive in the session for whoever names it after the commit).
    set_committed_value(instance, "definition", definition)
    set_committed_value(task, "instance", instance)
    if task.status != TASK_READY:
        raise Conflict(
            _l("The task “%(name)s” is already done; it cannot be sent again.", name=task.name)
        )
    if instance.status != STATUS_RUNNING:  # suspended by finance: nothing moves until resumed
        raise Conflict(_l("The submission is suspended; it can be worked on once resumed."))
    return Locked(task, instance, calendar, rows_seen)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


# Built once per database (a statement built per call costs its construction and cache
# key each time). The lock's bump came first, so everything read here is fresh. The task,
# its instance with the engine's state (it runs next) and its deployed version (never
# changed once deployed) are three entities of one plain join: joined eager loading of
# the same cost more than the statement.
@functools.cache
def _task_under_lock(dialect: str) -> Select:
    return (
        select(Task, ProcessInstance, ProcessDefinition)
        .add_columns(CALENDAR_AS_STORED.scalar_subquery(), rows_seen_column(dialect))
        .join_from(Task, ProcessInstance, ProcessInstance.id == Task.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(Task.id == bindparam("task_id"))
        .options(undefer(ProcessInstance.engine_state))
        .execution_options(populate_existing=True)
    )


def _audit(task: Task, actor: User, action: str, comment: str | None = None, details=None) -> None:
    # A plain INSERT: the history is append-only and nothing reads the row back from the
    # session, so it need not wait for (nor cost) a flush of the unit of work.
    db.session.connection().execute(
        _AUDIT_INSERT,
        {
            "instance_id": task.instance_id,
            "task_id": task.id,
            "at": now(),
            "actor_id": actor.id,
            "action": action,
            "activity_id": task.activity_id,
            "activity_name": task.name,
            "comment": comment,
            "details": details,
        },
    )


_AUDIT_INSERT = insert(AuditEvent.__table__)


@transactional(keep_loaded=True)  # the answer names the task's submission and holder
def claim_task(actor: User, task_id: int) -> Task:
    """Make a ready task the actor's. Raises Conflict when someone else holds it."""
    task = _locked_ready_task(actor, task_id).task
    if task.assignee_id == actor.id:
        return task
    if task.assignee_id is not None:
        raise Conflict(
            _l("The task is claimed by %(display_name)s.", display_name=_holder_name(task))
        )
    task.assignee = actor
    _audit(task, actor, "claimed")
    return task


def _holder_name(task: Task) -> str:
    """Who holds `task`, for a refusal: read only when one names them."""
    return db.session.get(User, task.assignee_id).display_name


@transactional(keep_loaded=True)  # the answer names the task's submission
def unclaim_task(actor: User, task_id: int) -> Task:
    """Give a claimed task back to the role's pool. Only its holder may."""
    task = _locked_ready_task(actor, task_id).task
    if task.assignee_id is None:
        return task
    if task.assignee_id != actor.id:
        raise Conflict(
            _l(
                "The task is claimed by %(display_name)s; you cannot release it.",
                display_name=_holder_name(task),
            )
        )
    task.assignee = None
    _audit(task, actor, "unclaimed")
    return task


@transactional
def release_claimed_tasks(
    actor: User, holder: User, reason: str, keep_eligible: bool = False
) -> list[Task]:
    """Give the ready tasks `holder` has claimed back to their role's pool, each with
    `reason` in its submission's history. With `keep_eligible`, tasks `holder` may still
    hold by role (after a change of org or roles) stay theirs.

    A task whose role reaches only by name (an expert's) has no pool: it waits unheld,
    and the finance bureau sees it in tracking and reassigns it.
    """
    claimed = db.session.scalars(
        select(Task)
        .where(Task.assignee_id == holder.id, Task.status == TASK_READY)
        .order_by(Task.instance_id, Task.id)
    )
    released = []
    for task in list(claimed):
        lock_instance(task.instance_id)
        db.session.refresh(task)
        if task.status != TASK_READY or task.assignee_id != holder.id:
            continue
        if keep_eligible and holds_role_for(holder, task):
            continue
        task.assignee_id = None
        _audit(task, actor, "unclaimed", reason)
        released.append(task)
    return released


@transactional(keep_loaded=True)
def complete_task(actor: User, task_id: int, data: dict) -> tuple[ProcessInstance, list[Task]]:
    """Submit a task's form and run the process to its next wait state, all or nothing.

    Raises NotFound (not visible), Forbidden (claimed by another), Conflict (already
    completed), ValidationFailed (the form's JSON Schema refuses the data: details are
    [{path, message}]), BadRequest (the process could not go on with this data).
    """
    # Who may act comes first: a task of another department answers 404 whatever is sent.
    locked = _locked_ready_task(actor, task_id)
    task, instance = locked.task, locked.instance
    require_can_complete(actor, task)
    if not isinstance(data, dict):
        raise ValidationFailed(
            _l("data must be a JSON object."),
            details=[{"path": "", "message": _l("Must be an object.")}],
        )
    refuse_unstorable(data)
    if task.form_schema is None and data:
        # A step without a form sets nothing (the lint counts on it): refuse, never drop.
        raise ValidationFailed(
            _l("This step has no form: it sets no fields."),
            details=[
                {
                    "path": f"/{name}",
                    "message": _l("This step has no form: the field cannot be filled."),
                }
                for name in sorted(data)
            ],
        )
    definition = instance.definition
    schema = pinned_form(definition, task.form_schema) or EMPTY_FORM
    spec = form_spec(schema, pinned_form(definition, task.form_ui) or {})
    owned = owned_data(spec.fields, data, instance.data or {}, spec.readonly)
    submission = store_uploads(actor, instance, task, owned.data)
    errors = form_errors(schema, submission)
    if errors:
        raise form_refusal(errors)
    context = {**(instance.data or {}), **submission}
    try:
        with running(instance, actor) as run:
            step = engine.complete_task(
                compiled(definition), instance.engine_state, task.engine_task_id, context
            )
    except engine.TaskNotReady as exc:
        raise Conflict(_l("The task is already done: %(reason)s", reason=str(exc))) from exc
    except engine.EngineError as exc:
        if run.refusals:  # the submitter named what is not theirs: a form error, no incident
            raise refused_input(run) from exc
        failed = (instance.id, task.id, actor.id, str(exc))
        after_rollback(lambda: record_incident(*failed))
        raise BadRequest(_l("The process could not go on: %(reason)s", reason=str(exc))) from exc
    write_columns(
        task,
        {
            "status": TASK_COMPLETED,
            "assignee_id": actor.id,
            "completed_by_id": actor.id,
            "completed_at": now(),
            "data": submission,
        },
    )
    decision = _first(submission, DECISION_FIELDS)
    _audit(
        task,
        actor,
        "completed",
        comment=_first(submission, COMMENT_FIELDS),
        # What changed: the fields this step submitted (their values are in the task row).
        # and what it sent that was not its own to write (kept as it was).
        details={
            "decision": decision,
            "fields": sorted(submission),
            **({"ignored": owned.ignored} if owned.ignored else {}),
        },
    )
    # The rows as read under the lock, this task now completed (as just written).
    seen = [(row_id, status, step_id) for row_id, status, step_id in locked.rows_seen]
    seen = [(i, TASK_COMPLETED if i == task.id else status, s) for i, status, s in seen]
    calendar = calendar_from_stored(locked.calendar)
    ready = apply_step(instance, step, actor, decision, rows_seen=seen, calendar=calendar)
    db.session.flush()
    return instance, ready


def rehearse_completion(actor: User, task_id: int) -> None:
    """Run a completion's statements on a task `actor` may see, then roll them all back:
    how a web worker warming up (services/operations/warmup.py) readies them, since an ORM
    statement's first run costs several times its later ones. Nothing is validated and
    the engine runs nothing; the lock is held for those few milliseconds only. Raises
    what `complete_task` raises for a task one may not complete."""
    try:
        locked = _locked_ready_task(actor, task_id)
        task, instance = locked.task, locked.instance
        engine.inspect_state(compiled(instance.definition), instance.engine_state)
        completed = {"status": task.status, "assignee_id": task.assignee_id}
        completed.update(completed_by_id=None, completed_at=None, data=None)
        write_columns(task, completed)
        _audit(task, actor, "completed", details={"fields": []})
        calendar_from_stored(locked.calendar)
        stored = {"engine_state": instance.engine_state, "data": instance.data}
        stored.update(returned=instance.returned)
        write_columns(instance, stored)
    finally:
        db.session.rollback()


def refuse_unstorable(data: dict) -> None:
    """Before anything recursive reads a post: text no database stores, numbers that are
    not JSON, nesting deeper than any reader after this one copes with. Raises
    ValidationFailed naming each place."""
    unstorable = list(unstorable_text(data))
    if unstorable:
        raise form_refusal(unstorable)


def form_refusal(errors: list[FieldError]) -> ValidationFailed:
    return ValidationFailed(
        _l("The form has %(count)s error(s).", count=len(errors)),
        details=[{"path": e.path, "message": e.message} for e in errors],
    )


def form_errors(schema: dict, data: dict) -> list[FieldError]:
    """Everything wrong with `data` as `schema`'s step would submit it: jsonschema, what
    belongs together (`x-compare`), and the domain rules the form names (`x-rules`).
    `data` has passed `refuse_unstorable` (as posted; what ownership adds was stored)."""
    plain = without_row_keys(data)
    rules = schema.get("x-rules")  # the settings are read only for a form that names rules
    domain = form_rule_problems(rules, plain, current_thresholds()) if rules else []
    return (
        schema_errors(schema, plain)
        + relation_errors(schema, plain)
        + [FieldError(path, message) for path, message in domain]
    )


def refused_input(run: Run) -> ValidationFailed:
    """The form error for what operators refused in `run` (e.g. another org's project)."""
    return ValidationFailed(
        str(run.refusals[0]),
        details=[{"path": f"/{r.field}", "message": str(r)} for r in run.refusals],
    )


def _first(data: dict, names: tuple[str, ...]) -> str | None:
    for name in names:
        for key, value in data.items():
            if (key == name or key.endswith("_" + name)) and value not in (None, "", [], {}):
                return str(value)
    return None


@transactional
def check_can_complete(actor: User, task_id: int) -> None:
    """The checks `complete_task` makes before it reads what was sent, alone: for a
    request whose body is refused before it reaches `complete_task`, so that one who may
    not complete the task learns nothing from sending a bad one. Changes nothing.

    Raises NotFound (not visible), Conflict (not ready), Forbidden (claimed by another).
    """
    task = _locked_ready_task(actor, task_id).task
    require_can_complete(actor, task)
