"""The job worker (`flask --app app worker`) draining a queue: throughput and peak RSS.

A database is migrated and seeded as `init-db --demo` does (with the test fixtures'
processes), one submission waits at its first step, and BENCH_JOBS escalation jobs of
that task are queued, all due. Then the real worker command runs until nothing is due
(`--once`) as its own process; its peak RSS comes from the kernel's accounting of that
child (wait4's ru_maxrss), the whole of its life, not a sample.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from http_api import ROOT, _environment

BIN = Path(sys.executable).parent


@dataclass
class WorkerRun:
    jobs: int
    seconds: float
    peak_rss_mb: float
    done: int

    @property
    def throughput(self) -> float:
        return self.jobs / self.seconds if self.seconds else 0.0


def run_worker_drain(database_url: str, jobs: int) -> WorkerRun:
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as instance:
        env = _environment(database_url, instance)
        subprocess.run(
            [str(BIN / "flask"), "--app", "app", "init-db", "--demo"],
            env=env,
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        _queue_escalations(env, jobs)
        started = time.perf_counter()
        worker = subprocess.Popen(
            [str(BIN / "flask"), "--app", "app", "worker", "--once", "--batch", "50"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(worker.pid, 0)
        seconds = time.perf_counter() - started
        worker.returncode = os.waitstatus_to_exitcode(status)
        if worker.returncode != 0:
            raise RuntimeError(f"the worker exited with {worker.returncode}")
        return WorkerRun(jobs, seconds, usage.ru_maxrss / 1024, _done(env))


def _queue_escalations(env: dict, count: int) -> None:
    """In a child process with the benchmark's environment, so the app reads it."""
    script = f"""
from datetime import datetime, timedelta
from sqlalchemy import select
from app import create_app
from app.extensions import db
from app.models import User
from app.models.org import ACTING
from app.services.runtime.instances import start_instance
from app.services.foundation.jobs import enqueue
from app.services.foundation.transaction import transactional

app = create_app()
with app.app_context():
    unit = db.session.scalar(select(User).where(User.username == "unit").options(*ACTING))
    _, (task,) = start_instance(unit, "simple_approval", title="worker benchmark")

    @transactional
    def queue():
        due = datetime.utcnow() - timedelta(minutes=1)
        for n in range({count}):
            enqueue("escalate_task", run_at=due, task=task, instance_id=task.instance_id,
                    payload={{"roles": ["finance_bureau"], "event_id": f"bench-{{n}}"}})

    queue()
"""
    subprocess.run([sys.executable, "-c", script], env=env, check=True, cwd=ROOT)


def _done(env: dict) -> int:
    script = """
from sqlalchemy import func, select
from app import create_app
from app.extensions import db
from app.models import Job
app = create_app()
with app.app_context():
    print(db.session.scalar(select(func.count()).where(
        Job.kind == "escalate_task", Job.status == "done")))
"""
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip().splitlines()[-1])
