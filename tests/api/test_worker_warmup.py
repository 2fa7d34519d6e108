"""A web worker readied at boot (services/operations/warmup.py, called by deploy/gunicorn.conf.py):
its first completion compiles nothing, and readying it leaves no trace in the data."""

from __future__ import annotations

from sqlalchemy import event, func, select
from sqlalchemy.engine.interfaces import CacheStats

from app import engine
from app.extensions import db
from app.models import AuditEvent, ProcessInstance, Task
from app.services.operations.warmup import warm_worker
from app.services.runtime.definitions import forget_versions
from factories import GOOD_TARGETS


def test_the_first_completion_after_a_warm_boot_compiles_no_diagram(app, api, monkeypatch):
    started = api("unit").post("/processes/simple_approval/instances", {"title": "申报"})
    task_id = started.body["tasks"][0]["id"]
    forget_versions()  # as in a worker that has just started
    assert warm_worker(app) >= 1
    compiled_on_request = []
    compile_process = engine.compile_process

    def counting(*args, **kwargs):
        compiled_on_request.append(args[1])
        return compile_process(*args, **kwargs)

    monkeypatch.setattr(engine, "compile_process", counting)
    answer = api("unit").post(f"/tasks/{task_id}/complete", {"data": GOOD_TARGETS})
    assert answer.status == 200, answer.body
    assert compiled_on_request == []


def test_the_first_completion_after_a_warm_boot_compiles_no_statement(app, api):
    started = api("unit").post("/processes/simple_approval/instances", {"title": "申报"})
    task_id = started.body["tasks"][0]["id"]
    db.engine._compiled_cache.clear()  # as in a worker that has just started
    warm_worker(app)
    compiled = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if getattr(context, "cache_hit", None) is CacheStats.CACHE_MISS:
            compiled.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        answer = api("unit").post(f"/tasks/{task_id}/complete", {"data": GOOD_TARGETS})
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert answer.status == 200, answer.body
    assert compiled == []


def test_warming_up_leaves_open_tasks_open_and_writes_no_history(app, api):
    started = api("unit").post("/processes/simple_approval/instances", {"title": "申报"})
    task_id = started.body["tasks"][0]["id"]

    def snapshot():
        db.session.expire_all()
        task = db.session.get(Task, task_id)
        instance = db.session.get(ProcessInstance, task.instance_id)
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
        tasks = db.session.scalar(select(func.count()).select_from(Task))
        return task.status, task.completed_at, instance.lock_version, instance.data, events, tasks

    before = snapshot()
    warm_worker(app)
    assert snapshot() == before
    inbox = api("unit").get("/tasks")
    assert task_id in [task["id"] for task in inbox.body]
