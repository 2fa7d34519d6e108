"""Each service call is one transaction: a failure anywhere between the engine's step and
the commit leaves nothing half-written, and the same task can be completed again."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, AuditEvent, ProcessInstance, Task
from app.services.runtime import tasks as task_service
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import claim_task, complete_task
from factories import GOOD_TARGETS


class Injected(RuntimeError):
    pass


def _snapshot(instance_id: int) -> dict:
    db.session.rollback()
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, instance_id)
    return {
        "state": instance.engine_state,
        "data": instance.data,
        "status": instance.status,
        "tasks": sorted(
            (t.id, t.status, t.assignee_id, str(t.data))
            for t in db.session.scalars(select(Task).where(Task.instance_id == instance_id))
        ),
        "events": db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.instance_id == instance_id)
        ),
        "files": db.session.scalar(select(func.count()).select_from(Attachment)),
    }


def _fail_after_engine(monkeypatch):
    """The engine has run and the new state is in hand; storing it fails."""

    def broken(*args, **kwargs):
        raise Injected("disk full while writing task rows")

    monkeypatch.setattr(task_service, "apply_step", broken)


def _fail_at_flush(monkeypatch):
    """Everything is written to the session; the database refuses the flush."""
    real = task_service.apply_step

    def then_break(*args, **kwargs):
        real(*args, **kwargs)
        db.session.flush()
        raise Injected("connection lost after the flush")

    monkeypatch.setattr(task_service, "apply_step", then_break)


def _fail_at_commit(monkeypatch):
    """All flushed; the COMMIT itself fails (a server restart, a serialization failure)."""
    session_class = type(db.session())  # the transaction commits the session itself
    real_commit = session_class.commit
    calls = {"n": 0}

    def commit(session):
        calls["n"] += 1
        if calls["n"] == 1:
            raise Injected("server closed the connection at COMMIT")
        return real_commit(session)

    monkeypatch.setattr(session_class, "commit", commit)


@pytest.mark.parametrize("inject", [_fail_after_engine, _fail_at_flush, _fail_at_commit])
def test_a_completion_that_fails_before_its_commit_leaves_nothing_and_can_be_redone(
    app, user, monkeypatch, inject
):
    instance, ready = start_instance(user("unit"), "simple_approval", title="注入故障")
    task_id = ready[0].id
    claim_task(user("unit"), task_id)
    before = _snapshot(instance.id)
    attached = {**GOOD_TARGETS, "attachment": "data:application/pdf;name=a.pdf;base64,JVBERg=="}

    with monkeypatch.context() as patch:
        inject(patch)
        with pytest.raises(Injected):
            complete_task(user("unit"), task_id, attached)

    assert _snapshot(instance.id) == before  # no state, row, event or file half-written
    _, ready = complete_task(user("unit"), task_id, attached)
    assert [t.activity_id for t in ready] == ["dept_review"]
    done = _snapshot(instance.id)
    assert done["events"] == before["events"] + 1 and done["files"] == before["files"] + 1


def test_a_start_that_fails_at_commit_leaves_no_submission(app, user, monkeypatch):
    count = db.session.scalar(select(func.count()).select_from(ProcessInstance))
    with monkeypatch.context() as patch:
        _fail_at_commit(patch)
        with pytest.raises(Injected):
            start_instance(user("unit"), "simple_approval", title="半途")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == count
    assert db.session.scalar(select(func.count()).select_from(Task)) == 0
