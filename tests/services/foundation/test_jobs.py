"""The job queue: a job runs once when due, failures retry with backoff and end as an
incident finance can retry, and a job left behind by a dead worker runs again, once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Job, Notification
from app.models.job import JOB_DONE, JOB_INCIDENT, JOB_PENDING, JOB_RUNNING
from app.services.foundation import jobs
from app.services.foundation.errors import Forbidden
from app.services.foundation.jobs import (
    JOB_HANDLERS,
    claim_due_jobs,
    enqueue,
    handlers_in,
    job_handler,
    list_incidents,
    register_job_handlers,
    retry_incident,
    run_claimed_job,
    run_due_jobs,
)
from app.services.foundation.transaction import transactional
from conftest import CLOCK_START

MONDAY = CLOCK_START  # where the clock fixture starts: a Monday, 09:00
broken_until_attempt = {"n": 0}


@job_handler("test.note")
def _leave_a_note(job: Job) -> None:
    """Writes a notification: a job's effect that commits with its 'done' mark."""
    db.session.add(
        Notification(
            user_id=job.payload["user_id"], at=MONDAY, kind="test", title=job.payload["title"]
        )
    )


@job_handler("test.flaky")
def _fail(job: Job) -> None:
    _leave_a_note(job)  # written, then rolled back with the failure
    if job.attempts < broken_until_attempt["n"]:
        raise ConnectionRefusedError("邮件服务器拒绝连接 (mail server refused)")


@pytest.fixture(autouse=True)
def test_handlers(app):
    """The test's own kinds, on the test's app only."""
    register_job_handlers(app, _leave_a_note, _fail)


@transactional
def queue(kind: str, user_id: int, title: str, **options) -> int | None:
    job = enqueue(kind, payload={"user_id": user_id, "title": title}, **options)
    db.session.flush()
    return job.id if job else None


def notes(title: str) -> int:
    return db.session.scalar(select(func.count()).where(Notification.title == title))


def test_a_job_runs_once_when_it_falls_due_and_not_before(clock, user):
    finance = user("finance")
    job_id = queue("test.note", finance.id, "到期提醒", run_at=MONDAY + timedelta(hours=2))
    assert run_due_jobs("w1").done == 0
    assert notes("到期提醒") == 0
    clock.at = MONDAY + timedelta(hours=2)
    assert run_due_jobs("w1").done == 1
    assert run_due_jobs("w2").done == 0  # done means done, whichever worker looks next
    assert notes("到期提醒") == 1
    job = db.session.get(Job, job_id)
    assert (job.status, job.attempts, job.finished_at) == (JOB_DONE, 1, clock.at)


def test_the_same_dedupe_key_queues_one_job(clock, user):
    finance = user("finance")
    first = queue("test.note", finance.id, "日报", dedupe_key="digest:2027-03-01")
    again = queue("test.note", finance.id, "日报", dedupe_key="digest:2027-03-01")
    assert first is not None and again is None
    run_due_jobs("w1")
    assert notes("日报") == 1


def test_a_failing_job_retries_with_backoff_then_becomes_an_incident_finance_retries(
    app, clock, user
):
    app.config["JOB_MAX_ATTEMPTS"] = 3
    broken_until_attempt["n"] = 99
    job_id = queue("test.flaky", user("finance").id, "重试邮件")
    waits = []
    for _ in range(3):
        assert run_due_jobs("w1").failed == 1
        job = db.session.get(Job, job_id)
        waits.append(job.run_at - clock.at)
        assert notes("重试邮件") == 0  # the failed attempt left nothing behind
        clock.at = job.run_at
    assert waits[:2] == [timedelta(seconds=30), timedelta(seconds=60)]
    job = db.session.get(Job, job_id)
    assert job.status == JOB_INCIDENT and job.attempts == 3
    assert "邮件服务器拒绝连接" in job.last_error
    assert run_due_jobs("w1").done == 0  # an incident waits for a person

    assert [j.id for j in list_incidents(user("finance"))] == [job_id]
    with pytest.raises(Forbidden):
        list_incidents(user("dept"))
    with pytest.raises(Forbidden):
        retry_incident(user("unit"), job_id)
    broken_until_attempt["n"] = 0  # the mail server is back
    retry_incident(user("finance"), job_id)
    assert run_due_jobs("w1").done == 1
    assert notes("重试邮件") == 1
    assert list_incidents(user("finance")) == []


def test_a_job_left_running_by_a_dead_worker_runs_again_once_its_lease_runs_out(app, clock, user):
    job_id = queue("test.note", user("finance").id, "租约")
    assert claim_due_jobs("dead-worker") == [job_id]  # ... and the worker dies here
    assert db.session.get(Job, job_id).status == JOB_RUNNING
    assert run_due_jobs("w2").done == 0  # still within the dead worker's lease
    clock.at = MONDAY + timedelta(seconds=app.config["JOB_LEASE_SECONDS"] + 1)
    report = run_due_jobs("w2")
    assert (report.recovered, report.done) == (1, 1)
    # Were the "dead" worker only slow, it would find its lease gone and do nothing.
    assert run_claimed_job(job_id, "dead-worker") == "postponed"
    assert notes("租约") == 1
    job = db.session.get(Job, job_id)
    assert (job.status, job.attempts) == (JOB_DONE, 2)


def test_a_job_whose_lease_ran_out_on_its_last_attempt_becomes_an_incident(app, clock, user):
    job_id = queue("test.note", user("finance").id, "最后一次", max_attempts=1)
    claim_due_jobs("dead-worker")
    clock.at = MONDAY + timedelta(seconds=app.config["JOB_LEASE_SECONDS"] + 1)
    assert run_due_jobs("w2").done == 0
    job = db.session.get(Job, job_id)
    assert job.status == JOB_INCIDENT and "租约到期" in job.last_error


def test_a_job_of_an_unknown_kind_fails_with_a_message_naming_the_kind(app, clock, user):
    app.config["JOB_MAX_ATTEMPTS"] = 1
    job_id = queue("test.nobody", user("finance").id, "无人处理")
    run_due_jobs("w1")
    job = db.session.get(Job, job_id)
    assert job.status == JOB_INCIDENT and "test.nobody" in job.last_error


def test_the_worker_command_runs_what_is_due_and_exits(app, clock, user):
    queue("test.note", user("finance").id, "命令行")
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "完成 1" in result.output
    assert notes("命令行") == 1
    assert db.session.scalar(select(func.count()).where(Job.status == JOB_PENDING)) == 1
    # ...the one pending job being tomorrow's digest, queued by the worker itself.
    (digest,) = db.session.scalars(select(Job).where(Job.status == JOB_PENDING))
    assert digest.kind == "send_digests" and digest.run_at == datetime(2027, 3, 2, 0, 0)
    assert jobs.backoff(20) == timedelta(hours=1)


def test_the_app_runs_every_job_handler_the_services_define(app):
    import importlib
    import pkgutil

    import app.services as services

    modules = [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(services.__path__, "app.services.")
        if not info.ispkg
    ]
    defined = {fn.job_kind: fn for fn in handlers_in(*modules)}
    registered = {kind: fn for kind, (fn, _) in app.extensions[JOB_HANDLERS].items()}
    assert defined, "no job handlers found"
    assert {kind: registered.get(kind) for kind in defined} == defined


def test_a_second_handler_for_one_kind_is_refused(app):
    @job_handler("test.note")
    def other(job: Job) -> None:
        pass

    with pytest.raises(ValueError, match="test.note"):
        register_job_handlers(app, other)


def test_a_worker_round_runs_what_the_app_registered_and_the_queue_imports_no_use_case(
    app, clock, user
):
    from app.services.foundation.jobs import WORKER_ROUNDS, register_worker_round, run_worker
    from app.services.operations.schedules import schedule_recurring_jobs

    assert app.extensions[WORKER_ROUNDS] == [schedule_recurring_jobs]
    rounds = []
    register_worker_round(app, lambda: rounds.append("round"))
    register_worker_round(app, schedule_recurring_jobs)  # once is enough
    assert len(app.extensions[WORKER_ROUNDS]) == 2
    run_worker("test-worker", once=True)
    assert rounds == ["round"]  # nothing was due: one round
    (digest,) = db.session.scalars(select(Job).where(Job.status == JOB_PENDING))
    assert digest.kind == "send_digests"  # queued by the registered round
