"""Finance's interventions on a stuck submission: always with a reason, always in the history."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AuditEvent
from app.services.foundation.errors import BadRequest, Conflict, Forbidden
from app.services.operations.setup import add_user
from app.services.runtime.instances import start_instance
from app.services.runtime.queries import instance_detail, list_inbox
from app.services.tracking.interventions import (
    reassign_task,
    resume_instance,
    suspend_instance,
    terminate_instance,
)


@pytest.fixture
def stuck(user):
    """A submission waiting at the unit's fill_targets: (instance, task)."""
    instance, ready = start_instance(user("unit"), "simple_approval", title="校舍维修改造")
    return instance, ready[0]


def history(user, instance_id: int) -> list[tuple]:
    return [
        (e.action, e.actor.username if e.actor else None, e.comment)
        for e in instance_detail(user("finance"), instance_id).history
    ]


@pytest.mark.parametrize("action", ["suspend", "terminate", "reassign"])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_every_intervention_needs_a_reason_and_changes_nothing_without_one(
    user, stuck, action, reason
):
    instance, task = stuck
    with pytest.raises(BadRequest, match="原因"):
        if action == "reassign":
            reassign_task(user("finance"), task.id, "unit", reason)
        elif action == "suspend":
            suspend_instance(user("finance"), instance.id, reason)
        else:
            terminate_instance(user("finance"), instance.id, reason)
    db.session.rollback()
    assert instance_detail(user("finance"), instance.id).instance.status == "running"
    assert history(user, instance.id) == [("started", "unit", None)]


@pytest.mark.parametrize("who", ["dept", "unit", "gov"])
def test_only_the_finance_bureau_may_intervene(user, stuck, who):
    instance, task = stuck
    with pytest.raises(Forbidden):
        suspend_instance(user(who), instance.id, "拖延太久")
    with pytest.raises(Forbidden):
        terminate_instance(user(who), instance.id, "拖延太久")
    with pytest.raises(Forbidden):
        reassign_task(user(who), task.id, "unit", "拖延太久")


def test_suspending_and_resuming_are_recorded_with_their_reasons(user, stuck):
    instance, task = stuck
    suspended = suspend_instance(user("finance"), instance.id, "项目待审计，暂停办理")
    assert suspended.status == "suspended"
    # Its task is kept as it was, to go on after resuming.
    assert [t.id for t in instance_detail(user("finance"), instance.id).current] == [task.id]
    with pytest.raises(Conflict):
        suspend_instance(user("finance"), instance.id, "再次挂起")
    assert resume_instance(user("finance"), instance.id, "审计完成").status == "running"
    with pytest.raises(Conflict):
        resume_instance(user("finance"), instance.id, "未挂起")
    assert history(user, instance.id)[1:] == [
        ("suspended", "finance", "项目待审计，暂停办理"),
        ("resumed", "finance", "审计完成"),
    ]


def test_a_terminated_submission_leaves_every_inbox_and_says_why(user, stuck):
    instance, task = stuck
    assert [t.id for t in list_inbox(user("unit")).tasks] == [task.id]
    terminated = terminate_instance(user("finance"), instance.id, "项目已取消，撤回申报")
    assert (terminated.status, terminated.ended_at is not None) == ("terminated", True)
    assert list_inbox(user("unit")).tasks == []
    detail = instance_detail(user("finance"), instance.id)
    assert detail.current == []
    assert db.session.get(type(task), task.id).status == "cancelled"
    assert history(user, instance.id)[-1] == ("terminated", "finance", "项目已取消，撤回申报")
    with pytest.raises(Conflict):
        terminate_instance(user("finance"), instance.id, "再次终止")
    with pytest.raises(Conflict):
        reassign_task(user("finance"), task.id, "unit", "已终止")


def test_a_task_is_reassigned_only_to_someone_holding_its_role_for_its_org(user, stuck):
    instance, task = stuck
    colleague = add_user("unit-b", "同校同事", user("unit").org, ["budget_unit"], "pw-secret-1")
    db.session.commit()
    with pytest.raises(BadRequest, match="unit2") as refused:  # right role, other school
        reassign_task(user("finance"), task.id, "unit2", "李明休假")
    assert "不负责 县第一中学" in refused.value.message
    with pytest.raises(BadRequest, match="dept.*不具有"):  # wrong role
        reassign_task(user("finance"), task.id, "dept", "李明休假")
    with pytest.raises(BadRequest, match="nobody"):
        reassign_task(user("finance"), task.id, "nobody", "李明休假")
    moved = reassign_task(user("finance"), task.id, colleague.username, "李明休假")
    assert moved.assignee.username == "unit-b"
    assert [t.id for t in list_inbox(colleague, mine=True).tasks] == [task.id]
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.instance_id == instance.id).order_by(AuditEvent.id)
    ).all()[-1]
    assert (event.action, event.comment, event.details, event.activity_id) == (
        "reassigned",
        "李明休假",
        {"from": None, "to": "unit-b"},
        "fill_targets",
    )
