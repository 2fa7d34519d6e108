"""Chasing: a reminder reaches whoever holds the task, in the app and by e-mail."""

from __future__ import annotations

import email
import email.policy
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Task, User
from app.models.org import ACTING
from app.services.foundation.errors import Forbidden
from app.services.foundation.jobs import run_due_jobs
from app.services.runtime.instances import start_instance
from app.services.runtime.queries import instance_detail
from app.services.runtime.tasks import claim_task
from app.services.tracking.reminders import (
    list_notifications,
    mark_read,
    remind_overdue,
    send_overdue_digests,
    send_reminder,
    unread_count,
)


def with_email(username: str, address: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username).options(*ACTING))
    user.email = address
    db.session.commit()
    return user


def wait_for(predicate, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_reminder_on_an_unclaimed_task_reaches_every_eligible_user_by_bell_and_mail(user, smtp):
    with_email("unit", "liming@school1.example")
    _, ready = start_instance(user("unit"), "simple_approval", title="校舍维修改造")
    reminded = send_reminder(user("finance"), ready[0].id, "请于本周五前提交")
    assert [u.username for u in reminded] == ["unit"]
    unit = user("unit")
    assert unread_count(unit) == 1
    (note,) = list_notifications(unit)
    assert note.title == "催办：校舍维修改造 · 填报绩效目标"
    assert note.body.startswith("请于本周五前提交")
    assert unread_count(user("unit2")) == 0
    assert smtp.messages == []  # mail leaves through the worker, never inside the request
    assert run_due_jobs("test-worker").done == 1
    wait_for(lambda: smtp.messages)
    (mail,) = smtp.messages
    assert mail.rcpt_tos == ["liming@school1.example"]
    received = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert received["Subject"] == "催办：校舍维修改造 · 填报绩效目标"
    assert "请于本周五前提交" in received.get_content()
    mark_read(unit)
    assert unread_count(user("unit")) == 0


def test_a_reminder_on_a_claimed_task_goes_to_its_holder_only_and_enters_the_history(user):
    from app.services.operations.setup import add_user

    colleague = add_user("unit-b", "同校同事", user("unit").org, ["budget_unit"], "pw-secret-1")
    db.session.commit()
    instance, ready = start_instance(user("unit"), "simple_approval")
    claim_task(colleague, ready[0].id)
    reminded = send_reminder(user("finance"), ready[0].id)
    assert [u.username for u in reminded] == ["unit-b"]
    assert unread_count(user("unit")) == 0
    last = instance_detail(user("finance"), instance.id).history[-1]
    assert (last.action, last.actor.username, last.details) == (
        "reminded",
        "finance",
        {"to": ["unit-b"]},
    )


def test_units_may_not_chase_and_other_departments_cannot_see_the_task(user):
    _, ready = start_instance(user("unit"), "simple_approval")
    with pytest.raises(Forbidden):
        send_reminder(user("unit"), ready[0].id)
    from app.services.foundation.errors import NotFound

    with pytest.raises(NotFound):
        send_reminder(user("dept2"), ready[0].id)


def test_bulk_reminder_reaches_everyone_overdue_and_nobody_else(app, user):
    start = datetime(2027, 3, 1, 9, 0)
    app.config["CLOCK"] = lambda: start
    start_instance(user("unit"), "simple_approval", title="早")
    app.config["CLOCK"] = lambda: start + timedelta(days=10)
    start_instance(user("unit2"), "simple_approval", title="晚")
    app.config["CLOCK"] = lambda: start + timedelta(days=15)  # only the first is overdue
    assert remind_overdue(user("finance")) == 1
    assert unread_count(user("unit")) == 1
    assert unread_count(user("unit2")) == 0


def test_daily_digest_lists_each_users_overdue_tasks(app, user, smtp):
    with_email("unit", "liming@school1.example")
    start = datetime(2027, 3, 1, 9, 0)
    app.config["CLOCK"] = lambda: start
    start_instance(user("unit"), "simple_approval", title="甲")
    start_instance(user("unit"), "simple_approval", title="乙")
    app.config["CLOCK"] = lambda: start + timedelta(days=20)
    assert send_overdue_digests() == 1
    (digest,) = list_notifications(user("unit"))
    assert digest.title == "逾期待办日报：2 项"
    assert "甲 · 填报绩效目标" in digest.body and "乙 · 填报绩效目标" in digest.body
    assert run_due_jobs("test-worker").done == 1
    wait_for(lambda: smtp.messages)
    assert smtp.messages[0].rcpt_tos == ["liming@school1.example"]


def test_a_subject_that_spans_lines_is_sent_as_one_header_line(app, smtp):
    from email import message_from_bytes
    from email.header import decode_header, make_header

    from app.services.foundation.notify import send_mail

    subject = "待办：部门审核\r\nBcc: everyone@example.cn"
    send_mail(app.config, ["unit@example.cn"], subject, "正文")
    (envelope,) = smtp.messages
    message = message_from_bytes(envelope.content)
    assert envelope.rcpt_tos == ["unit@example.cn"] and message["Bcc"] is None
    assert str(make_header(decode_header(message["Subject"]))) == (
        "待办：部门审核 Bcc: everyone@example.cn"
    )


def test_a_reminder_gives_the_deadline_in_the_countys_time_as_the_pages_do(user):
    _, ready = start_instance(user("unit"), "simple_approval", title="校舍维修改造")
    task = db.session.get(Task, ready[0].id)
    send_reminder(user("finance"), task.id, None)
    (note,) = list_notifications(user("unit"))
    beijing = task.due_at + timedelta(hours=8)  # Asia/Shanghai keeps no summer time
    assert f"（截止 {beijing:%Y-%m-%d %H:%M}）" in note.body
    assert "UTC" not in note.body


def test_a_county_in_another_zone_reads_its_own_time(app, user):
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Urumqi"  # the TIME_ZONE setting, UTC+6
    _, ready = start_instance(user("unit"), "simple_approval", title="校舍维修改造")
    task = db.session.get(Task, ready[0].id)
    send_reminder(user("finance"), task.id, None)
    (note,) = list_notifications(user("unit"))
    assert f"（截止 {task.due_at + timedelta(hours=6):%Y-%m-%d %H:%M}）" in note.body
