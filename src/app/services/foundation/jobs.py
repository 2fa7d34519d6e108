"""The job queue the workers run: claim, run exactly once, retry with backoff, give up.

A job's work and its "done" mark commit in one transaction, so a worker that dies
mid-job leaves nothing half-done: the job stays `running` until its lease runs out, then
any worker puts it back in the queue and it runs again, once. Claiming takes rows with
`FOR UPDATE SKIP LOCKED` on PostgreSQL so workers on many hosts never wait on each other
nor take the same job; every claim and run is also a conditional UPDATE, which is what
keeps SQLite (one writer at a time, no row locks) exactly-once as well.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FunctionType, ModuleType

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from app.extensions import db
from app.models import Job, User
from app.models.job import JOB_DONE, JOB_INCIDENT, JOB_PENDING, JOB_RUNNING
from app.services.foundation.clock import now
from app.services.foundation.errors import Conflict, DatabaseUnavailable, NotFound, stored_text
from app.services.foundation.policy import require_can_handle_incidents
from app.services.foundation.transaction import transactional

log = logging.getLogger("perfbudget.worker")

Handler = Callable[[Job], None]
JOB_HANDLERS = "job_handlers"
"""The key in `app.extensions` of the app's handlers: kind -> (handler, whether it runs
outside the database transaction)."""


def job_handler(kind: str, *, outside_transaction: bool = False) -> Callable[[Handler], Handler]:
    """Mark the function that runs jobs of `kind`; create_app registers it with the app
    (`register_job_handlers`).

    By default it runs inside the job's transaction: its writes commit with the job's
    "done", exactly once. A handler that only talks to the outside world (an SMTP server)
    runs `outside_transaction`, so a slow server holds no lock (on SQLite, no writer
    waits for it); such a job is at least once: a worker dying between the send and the
    done mark sends it again after the lease.
    """

    def mark(fn: Handler) -> Handler:
        fn.job_kind = kind  # type: ignore[attr-defined]
        fn.outside_transaction = outside_transaction  # type: ignore[attr-defined]
        return fn

    return mark


def handlers_in(*modules: ModuleType) -> list[Handler]:
    """The job handlers `modules` define (not those they import)."""
    return [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, FunctionType)  # not a proxy such as current_app
        and hasattr(value, "job_kind")
        and value.__module__ == module.__name__
    ]


def register_job_handlers(app: Flask, *handlers: Handler) -> None:
    """Have `app`'s workers run each of `handlers` for jobs of its kind. Raises
    ValueError when two handlers claim one kind: a job must not depend on import order."""
    table: dict[str, tuple[Handler, bool]] = app.extensions.setdefault(JOB_HANDLERS, {})
    for fn in handlers:
        kind = fn.job_kind  # type: ignore[attr-defined]
        if kind in table and table[kind][0] is not fn:
            raise ValueError(f"two handlers for jobs of kind '{kind}'")
        table[kind] = (fn, fn.outside_transaction)  # type: ignore[attr-defined]


WORKER_ROUNDS = "worker_rounds"
"""The key in `app.extensions` of what each worker round runs before the due jobs, e.g.
queueing tomorrow's digest: set up by create_app, so the queue imports no use case."""


def register_worker_round(app: Flask, *steps: Callable[[], None]) -> None:
    """Have each round of `app`'s workers run `steps` first (each queues what is due)."""
    registered: list[Callable[[], None]] = app.extensions.setdefault(WORKER_ROUNDS, [])
    registered.extend(step for step in steps if step not in registered)


def _handler_for(kind: str) -> tuple[Handler | None, bool]:
    return current_app.extensions.get(JOB_HANDLERS, {}).get(kind, (None, False))


class RunLater(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a handler whose job cannot run yet (e.g. the submission is suspended)."""

    def __init__(self, at: datetime, reason: str) -> None:
        super().__init__(reason)
        self.at = at


def enqueue(
    kind: str,
    *,
    run_at: datetime | None = None,
    payload: dict | None = None,
    dedupe_key: str | None = None,
    instance_id: int | None = None,
    task=None,
    max_attempts: int | None = None,
) -> Job | None:
    """Queue a job in the caller's transaction. With a `dedupe_key` already queued, queue
    nothing and return None: scheduling the same thing twice must not run it twice."""
    if dedupe_key is not None and db.session.scalar(
        select(exists().where(Job.dedupe_key == dedupe_key))
    ):
        return None
    job = Job(
        kind=kind,
        payload=payload or {},
        run_at=run_at or now(),
        status=JOB_PENDING,
        attempts=0,
        max_attempts=max_attempts or current_app.config.get("JOB_MAX_ATTEMPTS", 5),
        dedupe_key=dedupe_key,
        created_at=now(),
        instance_id=instance_id,
        task=task,
    )
    if dedupe_key is None:
        db.session.add(job)
        return job
    try:  # two schedulers racing on one key: the unique constraint lets one win
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:
        return None
    return job


@dataclass
class RunReport:
    recovered: int = 0
    done: int = 0
    failed: int = 0
    postponed: int = 0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_due_jobs(worker: str | None = None, limit: int = 20) -> RunReport:
    """One round of a worker: recover stale leases, claim what is due, run it."""
    worker = worker or worker_name()
    report = RunReport(recovered=recover_stale_jobs())
    for job_id in claim_due_jobs(worker, limit):
        outcome = run_claimed_job(job_id, worker)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


@transactional
def claim_due_jobs(worker: str, limit: int = 20) -> list[int]:
    """Take up to `limit` due jobs for `worker`; another worker skips them."""
    at = now()
    candidates = db.session.scalars(
        select(Job.id)
        .where(Job.status == JOB_PENDING, Job.run_at <= at)
        .order_by(Job.run_at, Job.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    lease = timedelta(seconds=current_app.config.get("JOB_LEASE_SECONDS", 300))
    claimed = []
    for job_id in candidates:
        taken = db.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JOB_PENDING)
            .values(
                status=JOB_RUNNING,
                locked_by=worker,
                locked_until=at + lease,
                attempts=Job.attempts + 1,
            )
        ).rowcount
        if taken:
            claimed.append(job_id)
    return claimed


def run_claimed_job(job_id: int, worker: str) -> str:
    """Run one claimed job; 'done', 'failed' or 'postponed'. Never raises for the job's
    own failure: that is recorded on the job (and becomes an incident at the last try)."""
    try:
        return _execute(job_id, worker)
    except RunLater as later:
        _postpone(job_id, worker, later.at, str(later))
        return "postponed"
    except DatabaseUnavailable:
        raise  # not the job's fault, and nothing could be recorded: the worker waits
    except Exception as exc:  # the job's failure, whatever it is, must not stop the worker
        log.warning("job %s failed: %s", job_id, exc)
        _record_failure(job_id, worker, exc)
        return "failed"


def _execute(job_id: int, worker: str) -> str:
    kind = db.session.scalar(select(Job.kind).where(Job.id == job_id))
    db.session.rollback()  # end the read: nothing is held while the job runs
    handler, outside = _handler_for(kind)
    if handler is None:
        raise LookupError(f"no handler for jobs of kind '{kind}'")
    if not outside:
        return _run_inside(job_id, worker, handler)
    job = _still_ours(job_id, worker)
    if job is None:
        return "postponed"  # the lease ran out and the job went back to the queue
    handler(job)
    return "done" if _mark_done(job_id, worker) else "postponed"


@transactional
def _still_ours(job_id: int, worker: str) -> Job | None:
    """The job, if `worker` still holds it. The conditional UPDATE takes its row lock
    first: a recovery or another worker that judged the lease stale waits, then sees it
    done."""
    held = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JOB_RUNNING, Job.locked_by == worker)
        .values(locked_by=worker)
    ).rowcount
    return db.session.get(Job, job_id) if held else None


@transactional
def _run_inside(job_id: int, worker: str, handler: Handler) -> str:
    job = _still_ours(job_id, worker)  # joins this transaction: the lock is held to commit
    if job is None:
        return "postponed"
    handler(job)
    _mark_done(job_id, worker)
    return "done"


@transactional
def _mark_done(job_id: int, worker: str) -> bool:
    done = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JOB_RUNNING, Job.locked_by == worker)
        .values(status=JOB_DONE, finished_at=now(), locked_until=None, last_error=None)
    ).rowcount
    if done:
        log.info("job %s done by %s", job_id, worker)
    return bool(done)


@transactional
def _postpone(job_id: int, worker: str, at: datetime, reason: str) -> None:
    db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JOB_RUNNING, Job.locked_by == worker)
        .values(
            status=JOB_PENDING,
            run_at=at,
            attempts=Job.attempts - 1,  # waiting is not failing
            locked_by=None,
            locked_until=None,
            last_error=reason,
        )
    )


@transactional
def _record_failure(job_id: int, worker: str, exc: BaseException) -> None:
    job = db.session.get(Job, job_id)
    if job is None or job.status != JOB_RUNNING or job.locked_by != worker:
        return
    job.last_error = _describe(exc)
    job.locked_by = None
    job.locked_until = None
    if job.attempts >= job.max_attempts:
        job.status = JOB_INCIDENT
        job.finished_at = now()
    else:
        job.status = JOB_PENDING
        job.run_at = now() + backoff(job.attempts)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at an hour: a flaky mail server gets time."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _describe(exc: BaseException) -> str:
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return last[:2000]


@transactional
def recover_stale_jobs() -> int:
    """Jobs left `running` past their lease by a worker that died go back in the queue,
    or become an incident if that was their last attempt. Returns how many."""
    at = now()
    stale = (Job.status == JOB_RUNNING, Job.locked_until < at)
    reason = stored_text(_l("The worker stopped mid-job; its lease ran out."))
    given_up = db.session.execute(
        update(Job)
        .where(*stale, Job.attempts >= Job.max_attempts)
        .values(status=JOB_INCIDENT, locked_by=None, locked_until=None, last_error=reason)
    ).rowcount
    requeued = db.session.execute(
        update(Job)
        .where(*stale)
        .values(status=JOB_PENDING, locked_by=None, locked_until=None, last_error=reason)
    ).rowcount
    return given_up + requeued


def run_worker(
    worker: str | None = None, *, once: bool = False, interval: float = 5.0, batch: int = 20
) -> RunReport:
    """The loop behind `flask --app app worker`: run due jobs until SIGTERM/SIGINT, or
    with `once`, until nothing is due (for cron, tests and smoke runs).

    A stop signal lets the job in hand finish (its transaction commits or rolls back)
    before the loop ends, so systemd restarts never leave half a job behind.
    """
    worker = worker or worker_name()
    stopping = False

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        log.info("worker %s stopping on signal %s", worker, signum)

    if not once:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    total = RunReport()
    while True:
        try:
            for step in current_app.extensions.get(WORKER_ROUNDS, ()):
                step()
            report = run_due_jobs(worker, batch)
        except (OperationalError, DatabaseUnavailable) as exc:  # away or busy: wait, retry
            log.warning("worker %s: database unavailable: %s", worker, exc)
            db.session.rollback()
            report = RunReport()
            if once:
                raise
        finally:
            db.session.remove()
        for name in ("recovered", "done", "failed", "postponed"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        idle = report.done + report.failed + report.postponed + report.recovered == 0
        if stopping or (once and idle):
            return total
        if idle:
            _sleep(interval, lambda: stopping)


def _sleep(seconds: float, stop: Callable[[], bool]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not stop():
        time.sleep(min(0.2, seconds))


# -- incidents: what finance sees on the tracking page and can retry ------------------


def list_incidents(actor: User, limit: int = 100) -> list[Job]:
    require_can_handle_incidents(actor)
    return list(
        db.session.scalars(
            select(Job)
            .where(Job.status == JOB_INCIDENT)
            .order_by(Job.finished_at.desc(), Job.id.desc())
            .limit(limit)
        )
    )


def count_incidents() -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).where(Job.status == JOB_INCIDENT))


@transactional
def retry_incident(actor: User, job_id: int) -> Job:
    """Put a job that gave up back in the queue with fresh attempts."""
    require_can_handle_incidents(actor)
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound(_l("There is no such background job."))
    if job.status != JOB_INCIDENT:
        raise Conflict(_l("The background job is not an incident."))
    job.status = JOB_PENDING
    job.attempts = 0
    job.run_at = now()
    job.finished_at = None
    log.info("job %s retried by %s", job.id, actor.username)
    return job
