"""The benchmark harness's own set-up, run against a test's database. `make bench` is not
part of the suite, so a model change that breaks its seeding (a relationship that now
raises, a renamed column) would otherwise surface only on the day someone measures."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Job, ProcessInstance, Task

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"


@pytest.fixture(autouse=True)
def _benchmark_modules(monkeypatch):
    """The harness's modules import each other by bare name, as `make bench` runs them;
    on the path for these tests only, so their names (jobs, run, …) shadow nothing else."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))


def test_the_job_bench_queues_due_escalations_through_the_real_services(
    app, database_url, tmp_path
):
    from http_api import _environment
    from jobs import _queue_escalations

    _queue_escalations(_environment(database_url, str(tmp_path)), 3)

    db.session.remove()
    kinds = db.session.execute(select(Job.kind, func.count()).group_by(Job.kind)).all()
    assert ("escalate_task", 3) in kinds


@pytest.mark.skipif(
    not __import__("conftest").POSTGRES_URL,
    reason="the burst seeds PostgreSQL: set TEST_DATABASE_URL=postgresql://postgres@127.0.0.1"
    ":5432/<db> (make test runs it when PG_URL's server is reachable)",
)
def test_the_burst_seeds_one_ready_first_step_per_submission(app, database_url):
    from burst import FIRST_STEP, _seed_waiting_submissions

    plain_url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    task_ids = _seed_waiting_submissions(plain_url, 4)

    db.session.remove()
    tasks = db.session.scalars(select(Task).where(Task.id.in_(task_ids))).all()
    assert [(t.activity_id, t.status) for t in tasks] == [(FIRST_STEP, "ready")] * 4
    titles = db.session.scalars(
        select(ProcessInstance.title).where(ProcessInstance.id.in_([t.instance_id for t in tasks]))
    ).all()
    assert sorted(titles) == ["截止日 0", "截止日 1", "截止日 2", "截止日 3"]
