"""An interrupting boundary timer, as Camunda Modeler draws it by default: when it falls
due (in working days) the worker withdraws the task, the history says so, and the
submission follows the timer's flow."""

from __future__ import annotations

from datetime import datetime

from app.services.jobs import run_due_jobs

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

    clock.at = datetime(2027, 3, 3, 8, 59)
    run_due_jobs("w1")
    assert api("dept").get(f"/tasks/{review['id']}").body["status"] == "ready"
    clock.at = datetime(2027, 3, 3, 9, 0)
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
