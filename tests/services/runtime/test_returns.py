"""A return (退回) tells the unit, with the reviewer's opinion, and marks the work in its
inbox; a step that goes onwards tells nobody."""

from __future__ import annotations

from app.services.runtime.instances import start_instance
from app.services.runtime.queries import list_inbox
from app.services.runtime.returns import (
    complete_task_telling_returns,
    returned_task_ids,
    returned_tasks,
)
from app.services.runtime.tasks import complete_task
from app.services.tracking.reminders import list_notifications
from factories import GOOD_TARGETS


def test_a_return_notifies_the_unit_with_the_opinion_and_marks_the_work(user):
    _, ready = start_instance(user("unit"), "simple_approval", title="校舍维修改造")
    _, ready = complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
    decision = {"decision": "return", "comment": "请补充时效指标"}
    done = complete_task_telling_returns(user("dept"), ready[0].id, decision)
    reopened = done.reopened
    assert [t.activity_id for t in reopened] == ["fill_targets"]
    assert [t.activity_id for t in done.ready] == ["fill_targets"]
    assert [u.username for u in done.notified[reopened[0].id]] == ["unit"]
    (note,) = list_notifications(user("unit"))
    assert note.kind == "returned" and note.task_id == reopened[0].id
    assert note.title == "退回：校舍维修改造 · 填报绩效目标"
    assert note.sender_id == user("dept").id
    assert "退回理由：请补充时效指标" in note.body
    assert note.body.startswith(user("dept").display_name)
    assert list_notifications(user("unit2")) == []  # another department's unit hears nothing
    inbox = list_inbox(user("unit")).tasks
    assert returned_task_ids(inbox) == {reopened[0].id}
    (mark,) = returned_tasks(inbox).values()
    assert mark.by == user("dept").display_name and mark.reason == "请补充时效指标"


def test_a_step_going_onwards_tells_nobody_and_marks_nothing(user):
    _, ready = start_instance(user("unit"), "simple_approval", title="校舍维修改造")
    done = complete_task_telling_returns(user("unit"), ready[0].id, GOOD_TARGETS)
    assert done.reopened == [] and [t.activity_id for t in done.ready] == ["dept_review"]
    assert done.notified == {}
    assert list_notifications(user("unit")) == []
    assert returned_task_ids(list_inbox(user("dept")).tasks) == set()


def test_a_return_reaches_the_unit_by_e_mail_with_who_returned_it_and_why(user, smtp):
    import email
    import email.policy
    import time

    from app.extensions import db
    from app.services.foundation.jobs import run_due_jobs

    user("unit").email = "liming@school1.example"
    db.session.commit()
    _, ready = start_instance(user("unit"), "simple_approval", title="校舍维修改造")
    _, ready = complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
    decision = {"decision": "return", "comment": "请补充时效指标"}
    complete_task_telling_returns(user("dept"), ready[0].id, decision)
    assert smtp.messages == []  # mail leaves through the worker, after the commit
    assert run_due_jobs("test-worker").done == 1
    deadline = time.monotonic() + 5
    while not smtp.messages and time.monotonic() < deadline:
        time.sleep(0.02)
    (mail,) = smtp.messages
    assert mail.rcpt_tos == ["liming@school1.example"]
    received = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert received["Subject"] == "退回：校舍维修改造 · 填报绩效目标"
    assert "退回理由：请补充时效指标" in received.get_content()
