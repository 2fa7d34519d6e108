"""A return (退回) tells the unit, with the reviewer's opinion, and marks the work in its
inbox; a step that goes onwards tells nobody."""

from __future__ import annotations

from app.services.instances import start_instance
from app.services.queries import list_inbox
from app.services.reminders import list_notifications
from app.services.returns import complete_task_telling_returns, returned_task_ids
from app.services.tasks import complete_task
from factories import GOOD_TARGETS


def test_a_return_notifies_the_unit_with_the_opinion_and_marks_the_work(user):
    _, ready = start_instance(user("unit"), "simple_approval", title="校舍维修改造")
    _, ready = complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
    decision = {"decision": "return", "comment": "请补充时效指标"}
    _, ready, reopened = complete_task_telling_returns(user("dept"), ready[0].id, decision)
    assert [t.activity_id for t in reopened] == ["fill_targets"] == [t.activity_id for t in ready]
    (note,) = list_notifications(user("unit"))
    assert note.kind == "returned" and note.task_id == reopened[0].id
    assert note.title == "退回：校舍维修改造 · 填报绩效目标"
    assert note.body == "请补充时效指标"
    assert list_notifications(user("unit2")) == []  # another department's unit hears nothing
    inbox = list_inbox(user("unit")).tasks
    assert returned_task_ids(inbox) == {reopened[0].id}


def test_a_step_going_onwards_tells_nobody_and_marks_nothing(user):
    _, ready = start_instance(user("unit"), "simple_approval", title="校舍维修改造")
    _, ready, reopened = complete_task_telling_returns(user("unit"), ready[0].id, GOOD_TARGETS)
    assert reopened == [] and [t.activity_id for t in ready] == ["dept_review"]
    assert list_notifications(user("unit")) == []
    assert returned_task_ids(list_inbox(user("dept")).tasks) == set()
