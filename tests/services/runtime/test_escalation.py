"""Escalation (督办) by a boundary timer: when the timer's working days have passed and
the task is still open, the worker tells the department above and finance, once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Job, Notification
from app.models.job import JOB_DONE, JOB_PENDING
from app.services.administration.deployment import deploy_definition
from app.services.foundation.errors import LintFailed
from app.services.foundation.jobs import run_due_jobs
from app.services.operations.setup import deploy_folder
from app.services.runtime.instances import start_instance
from app.services.runtime.queries import instance_detail
from app.services.runtime.tasks import claim_task, complete_task
from app.services.tracking.interventions import resume_instance, suspend_instance
from conftest import CLOCK_START, FIXTURES
from factories import GOOD_TARGETS

DIAGRAM = FIXTURES / "escalation" / "escalating_approval.bpmn"
MONDAY = CLOCK_START  # where the clock fixture starts: a Monday, 09:00


@pytest.fixture
def clock(clock):
    """The shared clock, with the escalating diagrams deployed at its start."""
    deploy_folder(FIXTURES / "escalation", FIXTURES / "forms")
    return clock


def forms() -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in (FIXTURES / "forms").iterdir()}


def at_department_review(user, title="校舍维修改造"):
    """A submission the unit has filed: it now waits at the department's review, whose
    boundary timer falls due three working days after it opened."""
    _, (fill,) = start_instance(user("unit"), "escalating_approval", title=title)
    instance, (review,) = complete_task(user("unit"), fill.id, GOOD_TARGETS)
    return instance, review


def escalations(username: str, user) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user(username).id, Notification.kind == "escalation"
            )
        )
    )


def test_the_timer_counts_working_days_and_the_worker_escalates_once(clock, user):
    instance, review = at_department_review(user)
    claim_task(user("dept"), review.id)
    (job,) = db.session.scalars(select(Job).where(Job.kind == "escalate_task"))
    # Thursday, three working days on, when the offices close (17:30 Beijing, 09:30 UTC)
    assert job.run_at == datetime(2027, 3, 4, 9, 30)
    assert review.due_at == datetime(2027, 3, 8, 9, 30)  # its dueIn P5D still sets due_at

    clock.at = datetime(2027, 3, 4, 9, 29)
    run_due_jobs("w1")
    assert escalations("dept", user) == [] and escalations("finance", user) == []

    clock.at = datetime(2027, 3, 4, 9, 30)
    assert run_due_jobs("w1").done == 1
    (to_dept,) = escalations("dept", user)
    (to_finance,) = escalations("finance", user)
    assert to_finance.title == "督办：校舍维修改造 · 部门审核 已超时"
    assert "办理人：王芳（县教育局）" in to_finance.body
    assert to_finance.task_id == review.id
    # Not the other department, not the unit that already did its part.
    assert escalations("dept2", user) == [] and escalations("unit", user) == []

    clock.at = datetime(2027, 3, 10, 9, 0)
    assert run_due_jobs("w2").done == 0  # fired once; later rounds find nothing
    assert len(escalations("finance", user)) == 1
    history = instance_detail(user("finance"), instance.id).history
    (escalated,) = [h for h in history if h.action == "escalated"]
    assert escalated.activity_id == "dept_review" and escalated.actor is None
    assert escalated.details["to"] == ["dept", "finance"]


def test_a_task_finished_before_its_timer_is_never_escalated(clock, user):
    _, review = at_department_review(user)
    complete_task(user("dept"), review.id, {"decision": "approve"})
    clock.at = datetime(2027, 3, 5, 9, 0)
    run_due_jobs("w1")
    assert escalations("finance", user) == [] and escalations("dept", user) == []
    assert db.session.scalar(select(Job.status).where(Job.kind == "escalate_task")) == JOB_DONE


def test_a_timer_over_a_weekend_falls_on_the_third_working_day(clock, user):
    clock.at = datetime(2027, 3, 4, 7, 0)  # a Thursday afternoon, 15:00 in Beijing
    at_department_review(user)
    assert db.session.scalar(select(Job.run_at).where(Job.kind == "escalate_task")) == (
        datetime(2027, 3, 9, 9, 30)  # Fri, Mon, Tue, at 17:30 Beijing
    )


def test_a_suspended_submission_is_escalated_only_after_it_is_resumed(clock, user):
    instance, _ = at_department_review(user)
    suspend_instance(user("finance"), instance.id, "等待审计结论")
    clock.at = datetime(2027, 3, 4, 9, 30)
    assert run_due_jobs("w1").postponed == 1
    assert escalations("finance", user) == []
    job = db.session.scalar(select(Job).where(Job.kind == "escalate_task"))
    assert job.status == JOB_PENDING and job.run_at == clock.at + timedelta(days=1)
    resume_instance(user("finance"), instance.id, "审计已结束")
    clock.at = job.run_at
    assert run_due_jobs("w1").done == 1
    assert len(escalations("finance", user)) == 1


def test_a_camunda_style_bare_duration_is_accepted(clock, user, app):
    diagram = DIAGRAM.read_text(encoding="utf-8").replace('>"P3D"<', ">P3D<")
    definition = deploy_definition(user("admin"), diagram.encode(), "camunda_style.bpmn", forms())
    assert definition.version == 2
    _, review = at_department_review(user)
    assert db.session.scalar(select(Job.run_at).where(Job.task_id == review.id)) == datetime(
        2027, 3, 4, 9, 30
    )


def test_a_timer_the_platform_cannot_honour_is_refused_at_deployment(clock, user):
    # (An interrupting timer is honoured: it withdraws the task, tests/interop/test_timers.)
    broken = DIAGRAM.read_text(encoding="utf-8").replace('>"P3D"<', ">三天<")
    with pytest.raises(LintFailed) as refused:
        deploy_definition(user("admin"), broken.encode(), "broken.bpmn", forms())
    assert "不是 ISO 8601 时长" in str(refused.value.details)
