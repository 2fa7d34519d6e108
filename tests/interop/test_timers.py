"""An interrupting boundary timer, as Camunda Modeler draws it by default: when it falls
due (in working days) the worker withdraws the task, the history says so, and the
submission follows the timer's flow."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from app.services.foundation.jobs import run_due_jobs

DEADLINE = (
    "camunda7_deadline.bpmn",
    "purchase-request.schema.json",
    "purchase-review.schema.json",
)


def test_an_interrupting_timer_withdraws_the_task_and_follows_its_flow(
    clock, api, deploy, run, fixture_files
):
    answer = deploy(fixture_files(*DEADLINE))
    assert answer.status == 201, answer.body
    started = api("unit").post("/processes/c7_deadline/instances", {"title": "限时"})
    (request,) = started.body["tasks"]
    (review,) = run(request, "unit", {"amount": 10, "category": "edu"})
    # Monday 09:00 + two working days: the timer is the step's due time too.
    assert review["activity_id"] == "Activity_review"
    assert review["due_at"].startswith("2027-03-03T")

    clock.at = _due(2) - timedelta(minutes=1)
    run_due_jobs("w1")
    assert api("dept").get(f"/tasks/{review['id']}").body["status"] == "ready"
    clock.at = _due(2)
    assert run_due_jobs("w1").done == 1

    instance = api("finance").get(f"/instances/{request['instance_id']}").body
    (current,) = instance["current"]
    assert (current["activity_id"], current["role"]) == ("Activity_finance", "finance_bureau")
    withdrawn = [h for h in instance["history"] if h["action"] == "withdrawn"]
    assert [(h["activity_id"], h["actor"]) for h in withdrawn] == [("Activity_review", None)]
    assert api("dept").post(f"/tasks/{review['id']}/complete", {"data": {}}).status >= 400

    (finance,) = api("finance").get("/tasks", process="c7_deadline").body
    assert run(finance, "finance", {"decision": "approve"}) == []
    assert api("finance").get(f"/instances/{request['instance_id']}").body["status"] == (
        "completed"
    )


def test_a_task_done_in_time_is_never_withdrawn(clock, api, deploy, run, fixture_files):
    assert deploy(fixture_files(*DEADLINE)).status == 201
    started = api("unit").post("/processes/c7_deadline/instances", {"title": "及时"})
    (request,) = started.body["tasks"]
    (review,) = run(request, "unit", {"amount": 10, "category": "edu"})
    assert run(review, "dept", {"decision": "approve"}) == []
    clock.at = datetime(2027, 3, 10, 9, 0)
    run_due_jobs("w1")
    instance = api("finance").get(f"/instances/{request['instance_id']}").body
    assert instance["status"] == "completed"
    assert not [h for h in instance["history"] if h["action"] == "withdrawn"]


# --- intermediate timer catch events: the submission waits, the worker moves it on ------

WAIT = ("camunda7_wait.bpmn", "purchase-request.schema.json", "purchase-review.schema.json")
STALLED = "进行中，但没有待办任务、后台作业或等待的消息与定时器"


def _due(days: int, counting: str = "working") -> datetime:
    """When the calendar says a timer started at the clock's start falls due."""

    from app.services.runtime.calendar import work_calendar
    from conftest import CLOCK_START

    return work_calendar().due_after(CLOCK_START, timedelta(days=days), counting)


def _stalled(instance_id: int) -> list[str]:
    from app.extensions import db
    from app.services.operations.integrity import check_integrity

    db.session.rollback()  # see what the live server committed
    findings = check_integrity(notify=False).findings
    return [f.problem for f in findings if f.instance_id == instance_id and STALLED in f.problem]


def test_a_camunda7_intermediate_timer_waits_two_working_days_then_moves_on(
    clock, api, deploy, run, fixture_files, client_as
):
    answer = deploy(fixture_files(*WAIT))
    assert answer.status == 201, answer.body
    started = api("unit").post("/processes/c7_wait/instances", {"title": "公示"})
    (request,) = started.body["tasks"]
    instance_id = request["instance_id"]
    # Monday 09:00: the submission waits at the timer with nothing open …
    assert run(request, "unit", {"amount": 10, "category": "edu"}) == []
    waiting = api("finance").get(f"/instances/{instance_id}").body
    assert (waiting["status"], waiting["current"]) == ("running", [])
    # … which is no stall: the worker will fire the timer.
    assert _stalled(instance_id) == []

    due = _due(2)  # two working days on: Wednesday
    assert due.date() == datetime(2027, 3, 3).date()
    clock.at = due - timedelta(minutes=1)
    assert run_due_jobs("w1").done == 0
    assert api("finance").get(f"/instances/{instance_id}").body["current"] == []
    clock.at = due
    assert run_due_jobs("w1").done == 1

    moved = api("finance").get(f"/instances/{instance_id}").body
    (review,) = moved["current"]
    assert (review["activity_id"], review["role"]) == ("Activity_review", "budget_department")
    fired = [h for h in moved["history"] if h["action"] == "timer_fired"]
    assert [(h["activity_id"], h["actor"]) for h in fired] == [("Event_publicity", None)]
    assert "P2D" in fired[0]["comment"]
    # The submission's page shows the timer in its history, by name, with no person.
    page = client_as("finance").get(f"/instances/{instance_id}").text
    assert re.search(
        r'<span class="actor">系统</span>\s*<span class="action">定时器</span>'
        r'<blockquote class="comment">定时器 P2D 到期，流程继续',
        page,
    )

    (task,) = api("dept").get("/tasks", process="c7_wait").body
    assert run(task, "dept", {"decision": "approve"}) == []
    assert api("finance").get(f"/instances/{instance_id}").body["status"] == "completed"


def test_a_waiting_timer_whose_job_is_gone_is_reported_stalled(
    clock, api, deploy, run, fixture_files
):
    from sqlalchemy import delete

    from app.extensions import db
    from app.models import Job

    assert deploy(fixture_files(*WAIT)).status == 201
    started = api("unit").post("/processes/c7_wait/instances", {"title": "丢失的作业"})
    (request,) = started.body["tasks"]
    assert run(request, "unit", {"amount": 10, "category": "edu"}) == []
    db.session.rollback()
    db.session.execute(delete(Job).where(Job.instance_id == request["instance_id"]))
    db.session.commit()
    # The engine's own clock never fires it: without its job nothing will.
    assert _stalled(request["instance_id"]) != []


def test_a_spiff_arena_timer_fires_the_next_working_day(clock, api, deploy, run, fixture_files):
    files = fixture_files(
        "arena_wait.bpmn", "handover-request.schema.json", "handover-request-uischema.json"
    )
    answer = deploy(files)
    assert answer.status == 201, answer.body
    started = api("unit").post("/processes/arena_wait/instances", {"title": "冷静期"})
    (request,) = started.body["tasks"]
    assert run(request, "unit", {"asset_name": "投影仪", "quantity": 2}) == []
    clock.at = _due(1) - timedelta(minutes=1)  # "P1D" from Monday: Tuesday
    assert run_due_jobs("w1").done == 0
    clock.at = _due(1)
    assert run_due_jobs("w1").done == 1
    (handover,) = api("finance").get("/tasks", process="arena_wait").body
    assert handover["activity_id"] == "Activity_handover"
    assert run(handover, "finance", {}) == []
    detail = api("finance").get(f"/instances/{request['instance_id']}").body
    assert detail["status"] == "completed"
    assert "timer_fired" in [h["action"] for h in detail["history"]]


def test_an_event_based_gateway_takes_the_reply_or_the_timeout_whichever_comes_first(
    clock, api, deploy, run, fixture_files
):
    files = fixture_files(
        "camunda7_reply_or_timeout.bpmn",
        "supplier-order.schema.json",
        "purchase-review.schema.json",
    )
    answer = deploy(files)
    assert answer.status == 201, answer.body
    ids = {}
    for order_no in ("PO-1", "PO-2"):
        started = api("unit").post("/processes/c7_reply/instances", {"title": order_no})
        (order,) = started.body["tasks"]
        assert run(order, "unit", {"order_no": order_no, "amount": 50}) == []
        ids[order_no] = order["instance_id"]
    # PO-1's supplier replies in time: its timer is withdrawn with the branch not taken.
    reply = api("finance").post(
        "/messages",
        {
            "name": "supplier-reply",
            "correlation": {"order_no": "PO-1"},
            "data": {"confirmed": True},
        },
    )
    assert reply.status == 200, reply.body
    replied = api("finance").get(f"/instances/{ids['PO-1']}").body
    assert (replied["status"], replied["data"]["confirmed"]) == ("completed", True)

    clock.at = _due(3)  # PO-2 hears nothing for three working days
    run_due_jobs("w1")
    first = api("finance").get(f"/instances/{ids['PO-1']}").body
    assert "timer_fired" not in [h["action"] for h in first["history"]]
    second = api("finance").get(f"/instances/{ids['PO-2']}").body
    assert [c["activity_id"] for c in second["current"]] == ["Activity_chase"]
    assert "timer_fired" in [h["action"] for h in second["history"]]
    # The reply that comes too late finds nothing waiting for it.
    late = api("finance").post(
        "/messages", {"name": "supplier-reply", "correlation": {"order_no": "PO-2"}}
    )
    assert late.status == 404, late.body


def test_an_intermediate_timer_counts_calendar_days_when_its_due_calendar_says_so(
    clock, api, deploy, run, fixture_files
):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Job

    files = fixture_files(*WAIT)
    files["camunda7_wait.bpmn"] = (
        files["camunda7_wait.bpmn"]
        .replace(b">P2D<", b">P5D<")
        .replace(
            b"<bpmn:incoming>Flow_0b</bpmn:incoming>\n      <bpmn:outgoing>Flow_0c",
            b"<bpmn:extensionElements><camunda:properties>"
            b'<camunda:property name="dueCalendar" value="calendar" />'
            b"</camunda:properties></bpmn:extensionElements>\n"
            b"      <bpmn:incoming>Flow_0b</bpmn:incoming>\n      <bpmn:outgoing>Flow_0c",
        )
    )
    assert b"dueCalendar" in files["camunda7_wait.bpmn"]
    assert deploy(files).status == 201
    started = api("unit").post("/processes/c7_wait/instances", {"title": "自然日"})
    (request,) = started.body["tasks"]
    assert run(request, "unit", {"amount": 10, "category": "edu"}) == []
    db.session.rollback()
    (due,) = db.session.scalars(
        select(Job.run_at).where(
            Job.kind == "fire_timer", Job.instance_id == request["instance_id"]
        )
    ).all()
    # Five calendar days from Monday is Saturday; five working days would be Monday.
    assert due == _due(5, "calendar") != _due(5)
    assert due.date().isoformat() == "2027-03-06"
