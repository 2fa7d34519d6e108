"""Concurrency across real processes on PostgreSQL, as many gunicorn workers meet it.

Each attempt runs in its own OS process with its own app, engine and connections, so the
only thing they share is the database: the row lock on the instance is what must hold.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import AuditEvent, ProcessInstance, Task
from app.services.administration.deployment import deploy_definition
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS
from separate_processes import complete_at_once

pytestmark = pytest.mark.skipif(
    not __import__("conftest").POSTGRES_URL,
    reason="needs PostgreSQL: set TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> "
    "(make test runs these when PG_URL's server is reachable)",
)
PARALLEL = Path(__file__).parents[2] / "fixtures" / "concurrency" / "parallel_branches.bpmn"


def completions_of(task_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(AuditEvent.task_id == task_id, AuditEvent.action == "completed")
    )


def test_fifty_processes_completing_one_task_yield_one_completion_and_49_conflicts(
    database_url, user
):
    _, ready = start_instance(user("unit"), "simple_approval", title="五十人同时提交")
    task_id = ready[0].id
    outcomes = complete_at_once(database_url, [("unit", task_id, GOOD_TARGETS)] * 50)
    assert [o["message"] for o in outcomes if o["outcome"] == "crashed"] == []
    assert Counter(o["outcome"] for o in outcomes) == {"completed": 1, "refused": 49}
    refused = [o for o in outcomes if o["outcome"] == "refused"]
    assert {o["status"] for o in refused} == {409}
    assert all("已办理" in o["message"] for o in refused)  # says the task was already done
    assert completions_of(task_id) == 1
    after = db.session.scalars(select(Task).where(Task.instance_id == ready[0].instance_id))
    assert Counter((t.activity_id, t.status) for t in after) == {
        ("fill_targets", "completed"): 1,
        ("dept_review", "ready"): 1,
    }


def deploy_parallel(admin) -> None:
    deploy_definition(admin, PARALLEL.read_bytes(), PARALLEL.name, {})


@pytest.mark.parametrize("round_", [1, 2, 3])
def test_two_people_completing_parallel_branches_at_once_are_both_recorded(
    database_url, user, round_
):
    deploy_parallel(user("admin"))
    instance, ready = start_instance(user("unit"), "parallel_branches", title=f"并行 {round_}")
    branch = {t.activity_id: t.id for t in ready}
    assert set(branch) == {"unit_branch", "dept_branch"}
    outcomes = complete_at_once(
        database_url,
        [
            ("unit", branch["unit_branch"], {}),
            ("dept", branch["dept_branch"], {}),
        ],
    )
    assert [o["outcome"] for o in outcomes] == ["completed", "completed"], outcomes
    db.session.remove()
    assert completions_of(branch["unit_branch"]) == 1
    assert completions_of(branch["dept_branch"]) == 1
    # Neither completion overwrote the other's engine state: the join fired, finance's
    # step is open, and completing it finishes the submission.
    open_now = db.session.scalars(
        select(Task).where(Task.instance_id == instance.id, Task.status == "ready")
    ).all()
    assert [t.activity_id for t in open_now] == ["finance_check"]
    done, _ = complete_task(user("finance"), open_now[0].id, {})
    assert done.status == "completed"


def test_a_connection_lost_between_engine_step_and_commit_saves_nothing_and_can_be_retried(
    app, user, monkeypatch
):
    import psycopg

    import app.services.runtime.tasks as tasks_module

    _, ready = start_instance(user("unit"), "simple_approval", title="断线")
    task_id, instance_id = ready[0].id, ready[0].instance_id
    before = db.session.get(ProcessInstance, instance_id)
    state_before, version_before = before.engine_state, before.lock_version
    db.session.remove()
    real_apply_step = tasks_module.apply_step
    admin_url = app.config["SQLALCHEMY_DATABASE_URI"].replace("+psycopg", "")

    def apply_then_lose_the_connection(*args, **kwargs):
        ready_rows = real_apply_step(*args, **kwargs)  # the engine has run; nothing flushed
        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with psycopg.connect(admin_url, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (backend,))
        return ready_rows

    monkeypatch.setattr(tasks_module, "apply_step", apply_then_lose_the_connection)
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "unit", "password": "demo"})
    auth = {"Authorization": "Bearer " + token.get_json()["token"]}
    answer = client.post(
        f"/api/v1/tasks/{task_id}/complete", json={"data": GOOD_TARGETS}, headers=auth
    )
    assert answer.status_code == 503
    assert answer.get_json()["error"] == "database_unavailable"
    assert "未保存" in answer.get_json()["message"]

    db.session.remove()
    task = db.session.get(Task, task_id)
    instance = db.session.get(ProcessInstance, instance_id)
    assert task.status == "ready" and task.completed_by_id is None
    assert (instance.engine_state, instance.lock_version) == (state_before, version_before)
    assert completions_of(task_id) == 0
    assert db.session.scalar(select(func.count()).where(Task.instance_id == instance_id)) == 1

    monkeypatch.setattr(tasks_module, "apply_step", real_apply_step)
    again = client.post(
        f"/api/v1/tasks/{task_id}/complete", json={"data": GOOD_TARGETS}, headers=auth
    )
    assert again.status_code == 200, again.get_json()
    assert [t["activity_id"] for t in again.get_json()["tasks"]] == ["dept_review"]
    assert completions_of(task_id) == 1
