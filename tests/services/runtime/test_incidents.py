"""A script or condition that fails or runs past its time limit stops the step, not the
worker: nothing of the step is stored, the history and finance learn of it, and the task
can be completed again."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Notification, ProcessInstance, Task
from app.services.administration.deployment import deploy_definition
from app.services.foundation.errors import BadRequest
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS

FIXTURES = Path(__file__).parents[2] / "fixtures"
# Endless for one input only (a comment of "loop"), so the same task can then go through.
ENDLESS_FOR_LOOP = (
    '(comment == "loop" and any(x &lt; 0 for x in range(1000000) for y in range(1000000)))'
    ' or decision == "return"'
)


def _deploy_with_condition(user, condition: str) -> None:
    bpmn = (FIXTURES / "processes" / "simple_approval.bpmn").read_text(encoding="utf-8")
    bpmn = bpmn.replace('>decision == "return"<', f">{condition}<")
    forms = {p.name: p.read_bytes() for p in (FIXTURES / "forms").glob("*.json")}
    deploy_definition(user("admin"), bpmn.encode(), "simple_approval.bpmn", forms, "v2")


def test_a_condition_stopped_at_its_time_limit_is_an_incident_finance_see_and_retry(
    app, client, user
):
    _deploy_with_condition(user, ENDLESS_FOR_LOOP)
    instance, ready = start_instance(user("unit"), "simple_approval", title="死循环条件")
    _, ready = complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
    review = ready[0].id
    state_before = db.session.get(ProcessInstance, instance.id).engine_state

    try:
        complete_task(user("dept"), review, {"decision": "approve", "comment": "loop"})
        raise AssertionError("the endless condition should have been stopped")
    except BadRequest as refused:
        assert "条件运行超过 1 秒，已被停止" in refused.message  # the time limit, named as such

    db.session.expire_all()
    assert db.session.get(Task, review).status == "ready"  # nothing of the step stored
    assert db.session.get(ProcessInstance, instance.id).engine_state == state_before
    incident = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.instance_id == instance.id, AuditEvent.action == "incident"
        )
    )
    assert incident.activity_name == "部门审核" and "运行超过 1 秒" in incident.comment
    note = db.session.scalar(
        select(Notification).where(
            Notification.user_id == user("finance").id, Notification.kind == "incident"
        )
    )
    assert note.title == "流程异常：死循环条件 “部门审核”未能办理，可修正后重试"
    assert note.instance_id == instance.id

    client.post("/login", data={"username": "finance", "password": "demo"})
    page = client.get(f"/instances/{instance.id}").text
    assert "办理失败，可重试" in page

    # Retried with other input, the same task goes through.
    _, ready = complete_task(user("dept"), review, {"decision": "approve", "comment": "同意"})
    assert [t.activity_id for t in ready] == ["finance_review"]


def test_a_step_that_runs_records_no_incident(app, user):
    _deploy_with_condition(user, 'decision == "return"')  # a sound version: no incident
    instance, ready = start_instance(user("unit"), "simple_approval", title="正常")
    complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "incident")) is None
