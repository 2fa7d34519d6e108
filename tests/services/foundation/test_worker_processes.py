"""Workers as real, separate processes (`flask --app app worker`): racing over one queue
on PostgreSQL, and killed in the middle of a job."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Job
from app.models.job import JOB_DONE, JOB_RUNNING
from app.services.foundation.jobs import enqueue, run_due_jobs
from app.services.foundation.transaction import transactional
from app.services.runtime.instances import start_instance

FLASK = str(Path(sys.executable).with_name("flask"))


def worker_process(app, tmp_path, *args: str, **env: str) -> subprocess.Popen:
    """`flask --app app worker` on the test's database, as its own OS process."""
    environment = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path / "worker-instance"),
        **env,
    }
    return subprocess.Popen(
        [FLASK, "--app", "app", "worker", *args],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@transactional
def queue_escalations(task, count: int) -> None:
    """`count` escalation jobs of one open task, each telling finance once, each told
    apart by its event id in the history it writes."""
    due = datetime.utcnow() - timedelta(minutes=1)
    for n in range(count):
        enqueue(
            "escalate_task",
            run_at=due,
            payload={"roles": ["finance_bureau"], "event_id": f"race-{n}"},
            instance_id=task.instance_id,
            task=task,
        )


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="needs PostgreSQL's row locks: set TEST_DATABASE_URL to run it",
)
def test_two_worker_processes_racing_over_a_thousand_due_jobs_run_each_exactly_once(
    app, user, tmp_path
):
    _, (task,) = start_instance(user("unit"), "simple_approval", title="并发督办")
    queue_escalations(task, 1000)
    db.session.remove()
    workers = [worker_process(app, tmp_path, "--once", "--batch", "5") for _ in range(2)]
    outputs = [w.communicate(timeout=300)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs

    statuses = Counter(db.session.scalars(select(Job.status).where(Job.kind == "escalate_task")))
    assert statuses == {JOB_DONE: 1000}, outputs
    fired = Counter(
        event.details["event"]
        for event in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "escalated"))
    )
    assert len(fired) == 1000 and set(fired.values()) == {1}
    ran_by = Counter(db.session.scalars(select(Job.locked_by).where(Job.kind == "escalate_task")))
    print("jobs run per worker process:", dict(ran_by))


def test_a_worker_killed_mid_job_leaves_it_to_run_later_exactly_once(
    app,
    user,
    tmp_path,
    smtp,
):
    # A mail server that accepts the connection and never answers: the worker hangs
    # inside the job, where it is killed.
    stalled = socket.socket()
    stalled.bind(("127.0.0.1", 0))
    stalled.listen()
    stalled.settimeout(60)
    job_id = _queue_mail()
    db.session.remove()
    worker = worker_process(
        app,
        tmp_path,
        "--interval",
        "0.2",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(stalled.getsockname()[1]),
    )
    connection, _ = stalled.accept()  # the worker is now inside the job
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    connection.close()
    stalled.close()

    job = db.session.get(Job, job_id)
    assert job.status == JOB_RUNNING and job.attempts == 1  # orphaned, not done
    db.session.remove()
    assert run_due_jobs("w2").done == 0  # its lease still holds: nobody takes it early
    assert smtp.messages == []

    # Once the lease has run out, the next worker takes the job back and delivers it.
    lease = app.config["JOB_LEASE_SECONDS"]
    app.config["CLOCK"] = lambda: datetime.utcnow() + timedelta(seconds=lease + 5)
    assert run_due_jobs("w2").recovered == 1
    assert db.session.get(Job, job_id).status == JOB_DONE
    deadline = time.monotonic() + 5
    while not smtp.messages and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [m.rcpt_tos for m in smtp.messages] == [["finance@county.example"]]
    run_due_jobs("w3")
    assert len(smtp.messages) == 1
    app.config["CLOCK"] = None


@transactional
def _queue_mail() -> int:
    job = enqueue(
        "send_email",
        run_at=datetime.utcnow() - timedelta(seconds=1),
        payload={"to": ["finance@county.example"], "subject": "督办", "body": "请尽快办理"},
    )
    db.session.flush()
    return job.id
