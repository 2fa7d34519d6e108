"""External tasks: service tasks done by Camunda's external-task workers.

A service task drawn with `camunda:type="external" camunda:topic="…"` (or Camunda 8's
`zeebe:taskDefinition`) waits as a step routed to the role `service_worker`
(engine/foreign.py, engine/compiler.py), so its task row, the instance's row lock and
the projection of the next steps are those of every other step. A worker fetches such
steps by topic and locks them for a while (`fetch_and_lock`), then completes one with
variables the next gateway reads, reports a failure (at no retries left an incident
finance sees), or a BPMN error that a boundary error event on the task catches.

The worker's lock lives on a job row of kind `external_task` (status `external` while
the task waits for a worker; `incident` when its retries ran out, listed with the other
background incidents, whose retry opens the task to workers again). The background
worker never runs such a job: it claims only `pending` ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import engine
from app.engine.external import throw_error
from app.extensions import db
from app.models import AuditEvent, Job, ProcessDefinition, ProcessInstance, Task, User
from app.models.instance import STATUS_RUNNING, InstanceStatus
from app.models.job import JOB_DONE, JOB_INCIDENT
from app.models.org import RoleCode
from app.models.task import TASK_COMPLETED, TASK_READY
from app.services.foundation.clock import now
from app.services.foundation.errors import BadRequest, Conflict, NotFound, stored_text
from app.services.foundation.jobs import job_handler
from app.services.foundation.locking import lock_instance_of_task
from app.services.foundation.policy import require_service_worker
from app.services.foundation.transaction import after_rollback, transactional
from app.services.runtime.definitions import compiled
from app.services.runtime.incidents import record_incident
from app.services.runtime.projection import apply_step, write_columns

EXTERNAL_TASK = "external_task"
JOB_EXTERNAL = "external"  # waiting for (or locked by) an external worker
# Camunda caps a lock at what a worker asks; ours keeps a forgotten lock from lasting.
MAX_LOCK = timedelta(days=7)


def _lock_row(task: Task) -> Job | None:
    return db.session.scalar(
        select(Job)
        .where(Job.kind == EXTERNAL_TASK, Job.task_id == task.id, Job.status != JOB_DONE)
        .order_by(Job.id.desc())
        .limit(1)
    )


def _fetchable(row: Job | None, at: datetime) -> bool:
    if row is None:
        return True
    if row.status == JOB_INCIDENT:
        return False  # no retries left: finance retries it first
    return row.locked_until is None or row.locked_until <= at


def _topic(instance: ProcessInstance, task: Task) -> str | None:
    spec = compiled(instance.definition).user_tasks.get(task.activity_id)
    return spec.external_topic if spec is not None else None


@transactional
def fetch_and_lock(worker: User, worker_id: str, max_tasks: int, topics: list[dict]) -> list:
    """Lock up to `max_tasks` waiting external tasks of the `topics` asked for (each
    {topicName, lockDuration ms, variables?}) for `worker_id`; [(task, instance, job,
    variable names or None)] of the tasks locked."""
    require_service_worker(worker)
    wanted = {t["topicName"]: t for t in topics}
    at = now()
    locked: list = []
    candidates = db.session.execute(
        select(Task.id, Task.activity_id, ProcessInstance.definition_id)
        .join(ProcessInstance, ProcessInstance.id == Task.instance_id)
        .where(
            Task.status == TASK_READY,
            Task.role_code == RoleCode.SERVICE_WORKER,
            ProcessInstance.status == STATUS_RUNNING,
        )
        .order_by(Task.id)
    ).all()
    for task_id, activity_id, definition_id in candidates:
        if len(locked) >= max_tasks:
            break
        # Only a task of a topic asked for is worth its submission's row lock.
        spec = compiled(db.session.get(ProcessDefinition, definition_id)).user_tasks.get(
            activity_id
        )
        if spec is None or spec.external_topic not in wanted:
            continue
        instance = lock_instance_of_task(task_id)
        task = db.session.get(Task, task_id, populate_existing=True)
        if instance is None or task is None or task.status != TASK_READY:
            continue
        topic = _topic(instance, task)
        row = _lock_row(task)
        if topic not in wanted or not _fetchable(row, at):
            continue
        if row is None:
            row = Job(
                kind=EXTERNAL_TASK,
                payload={},
                run_at=at,
                created_at=at,
                max_attempts=1,
                instance_id=instance.id,
                task_id=task.id,
            )
            db.session.add(row)
        lock_for = timedelta(milliseconds=max(int(wanted[topic].get("lockDuration") or 0), 0))
        row.status = JOB_EXTERNAL
        row.locked_by = worker_id[:100]
        row.locked_until = at + min(lock_for, MAX_LOCK)
        row.payload = {**(row.payload or {}), "topic": topic}
        db.session.flush()
        locked.append((task, instance, row, wanted[topic].get("variables")))
    return locked


def _locked_by_worker(worker: User, task_id: int, worker_id: str) -> tuple[Task, Job, object]:
    """The ready external task `task_id` under its instance's lock, held by `worker_id`.
    Raises NotFound (no such external task) or Conflict (locked by another worker, or
    its lock expired and it was not fetched again)."""
    require_service_worker(worker)
    instance = lock_instance_of_task(task_id)
    task = db.session.get(Task, task_id, populate_existing=True)
    if instance is None or task is None or task.role_code != RoleCode.SERVICE_WORKER:
        raise NotFound(_l("There is no external task %(task_id)s.", task_id=task_id))
    if task.status != TASK_READY:
        raise NotFound(_l("The external task %(task_id)s is already done.", task_id=task_id))
    if instance.status != STATUS_RUNNING:
        raise Conflict(
            _l(
                "The submission is “%(status)s”: its external tasks cannot be done now.",
                status=InstanceStatus(instance.status).label,
            )
        )
    row = _lock_row(task)
    if row is None or row.status != JOB_EXTERNAL or row.locked_by != worker_id:
        raise Conflict(
            _l(
                "The external task %(task_id)s is not locked by the worker %(worker_id)s.",
                task_id=task_id,
                worker_id=worker_id,
            )
        )
    return task, row, instance


def _audit(task: Task, worker: User, action: str, comment: str | None, details: dict) -> None:
    db.session.add(
        AuditEvent(
            instance_id=task.instance_id,
            task_id=task.id,
            at=now(),
            actor_id=worker.id,
            action=action,
            activity_id=task.activity_id,
            activity_name=task.name,
            comment=comment,
            details=details,
        )
    )


def _finish(task: Task, row: Job, variables: dict) -> None:
    # The worker's account stays out of the row's holder and completer: a service worker
    # is handed no submission (it sees none); the history names it.
    write_columns(task, {"status": TASK_COMPLETED, "completed_at": now(), "data": variables})
    row.status, row.locked_until, row.finished_at = JOB_DONE, None, now()


def _engine_failure(instance, task: Task, worker: User, exc: Exception) -> BadRequest:
    failed = (instance.id, task.id, worker.id, str(exc))
    after_rollback(lambda: record_incident(*failed))
    return BadRequest(_l("The process could not go on: %(reason)s", reason=str(exc)))


@transactional
def complete_external_task(worker: User, task_id: int, worker_id: str, variables: dict) -> None:
    """Complete a locked external task with the worker's variables (the step's data:
    the next gateway reads them). Raises NotFound, Conflict, BadRequest."""
    task, row, instance = _locked_by_worker(worker, task_id, worker_id)
    context = {**(instance.data or {}), **variables}
    try:
        step = engine.complete_task(
            compiled(instance.definition), instance.engine_state, task.engine_task_id, context
        )
    except engine.TaskNotReady as exc:
        raise Conflict(_l("The task is already done: %(reason)s", reason=str(exc))) from exc
    except engine.EngineError as exc:
        raise _engine_failure(instance, task, worker, exc) from exc
    _finish(task, row, variables)
    _audit(task, worker, "completed", None, {"worker": worker_id, "fields": sorted(variables)})
    apply_step(instance, step, worker)


@transactional
def report_failure(
    worker: User,
    task_id: int,
    worker_id: str,
    message: str,
    error_details: str | None,
    retries: int,
    retry_timeout_ms: int,
) -> None:
    """Record a worker's failure: with retries left the task is fetched again after
    `retry_timeout_ms`; with none it becomes an incident finance is told of and retries."""
    task, row, instance = _locked_by_worker(worker, task_id, worker_id)
    at = now()
    row.payload = {
        **(row.payload or {}),
        "retries": max(retries, 0),
        "errorMessage": message,
        "errorDetails": error_details,
    }
    row.last_error = "\n".join(filter(None, [message, error_details]))[:4000] or None
    row.locked_until = at + min(timedelta(milliseconds=max(retry_timeout_ms, 0)), MAX_LOCK)
    _audit(task, worker, "external_failure", message[:2000] or None, {"retries": retries})
    if retries <= 0:
        row.status, row.finished_at, row.locked_until = JOB_INCIDENT, at, None
        row.attempts = 1
        failed = stored_text(_l("The external task failed: %(message)s", message=message))
        record_incident(instance.id, task.id, worker.id, failed)


@transactional
def report_bpmn_error(
    worker: User, task_id: int, worker_id: str, error_code: str, message: str, variables: dict
) -> None:
    """A business error from the worker: the boundary error event on the task catching
    `error_code` takes the flow on. Raises BadRequest when none on the task catches it
    (nothing moves, and the task stays locked until its lock runs out)."""
    task, row, instance = _locked_by_worker(worker, task_id, worker_id)
    try:
        step = throw_error(
            compiled(instance.definition),
            instance.engine_state,
            task.engine_task_id,
            error_code,
            {**(instance.data or {}), **variables},
        )
    except engine.TaskNotReady as exc:
        raise Conflict(_l("The task is already done: %(reason)s", reason=str(exc))) from exc
    except engine.EngineError as exc:
        raise _engine_failure(instance, task, worker, exc) from exc
    if step is None:
        raise BadRequest(
            _l(
                "No boundary error event on “%(task)s” catches the error code %(code)s.",
                task=task.name,
                code=error_code,
            )
        )
    _finish(task, row, variables)
    details = {"worker": worker_id, "errorCode": error_code, "fields": sorted(variables)}
    _audit(task, worker, "external_error", message[:2000] or None, details)
    # The task row is closed above; apply_step opens what the error event leads to.
    apply_step(instance, step, worker)


@transactional
def extend_lock(worker: User, task_id: int, worker_id: str, new_duration_ms: int) -> None:
    """Keep the task locked for `new_duration_ms` from now."""
    _, row, _ = _locked_by_worker(worker, task_id, worker_id)
    row.locked_until = now() + min(timedelta(milliseconds=max(new_duration_ms, 0)), MAX_LOCK)


@transactional
def unlock(worker: User, task_id: int) -> None:
    """Give the task back so that any worker may fetch it now."""
    require_service_worker(worker)
    instance = lock_instance_of_task(task_id)
    task = db.session.get(Task, task_id, populate_existing=True)
    if instance is None or task is None or task.role_code != RoleCode.SERVICE_WORKER:
        raise NotFound(_l("There is no external task %(task_id)s.", task_id=task_id))
    row = _lock_row(task)
    if row is not None and row.status == JOB_EXTERNAL:
        row.locked_by, row.locked_until = None, None


@job_handler(EXTERNAL_TASK)
def reopen_external_task(job: Job) -> None:
    """Finance retried an external task whose retries ran out: workers may fetch it
    again, with the retries they choose. Nothing to run: once this job is done the task
    has no lock row left, which is what `fetch_and_lock` takes as free."""
