"""The inbox over the API: listing, reading, claiming and completing tasks."""

from __future__ import annotations

import base64
import re
import threading
from datetime import datetime, timedelta

import pytest

from conftest import CLOCK_START, RequestPerContextClient

T0 = CLOCK_START  # where the clock fixture starts: a Monday, 09:00
CONTRACT_TASK_FIELDS = {
    "id",
    "instance_id",
    "process_key",
    "activity_id",
    "name",
    "role",
    "org",
    "assignee",
    "created_at",
    "due_at",
}


def at(moment: datetime) -> str:
    return moment.isoformat() + "Z"


@pytest.fixture
def colleague(app):
    """A second budget_unit clerk at unit's school: username unit-b, password Colleague-2027-b."""
    from app.extensions import db
    from app.models import User
    from app.models.org import ACTING
    from app.services.operations.setup import add_user

    unit = db.session.query(User).options(*ACTING).filter_by(username="unit").one()
    add_user("unit-b", "同校同事", unit.org, ["budget_unit"], "Colleague-2027-b")
    db.session.commit()
    db.session.remove()
    return ("unit-b", "Colleague-2027-b")


def ids(answer) -> list[int]:
    assert answer.status == 200, answer.body
    return [t["id"] for t in answer.body]


def history(api, instance_id: int, as_user: str = "finance") -> list[tuple]:
    detail = api(as_user).get(f"/instances/{instance_id}")
    assert detail.status == 200, detail.body
    return [(e["action"], e["activity_id"], e["actor"]) for e in detail.body["history"]]


# --- the inbox -------------------------------------------------------------------------


def test_unit_inbox_lists_the_new_task_with_every_contract_field(api, start, clock, conforms):
    instance_id, started = start()
    answer = api("unit").get("/tasks")
    conforms("/tasks", "get", answer)
    (task,) = answer.body
    assert set(task) >= CONTRACT_TASK_FIELDS
    assert {k: task[k] for k in CONTRACT_TASK_FIELDS} == {
        "id": started["id"],
        "instance_id": instance_id,
        "process_key": "simple_approval",
        "activity_id": "fill_targets",
        "name": "填报绩效目标",
        "role": "budget_unit",
        "org": "edu-school1",
        "assignee": None,
        "created_at": at(T0),
        # P10D counts working days: from Monday T0, ten working days later is two weeks on,
        # when the offices close (17:30 Beijing: T0 is 09:00 UTC).
        "due_at": at(T0 + timedelta(days=14, minutes=30)),
    }


def test_other_departments_and_units_see_nothing_of_the_task(api, start):
    start()
    for other in ("unit2", "dept2", "dept", "admin", "expert"):
        assert api(other).get("/tasks").body == [], other


def test_mine_filter_shows_only_tasks_the_caller_claimed(api, start):
    _, first = start("一号项目")
    _, second = start("二号项目")
    unit = api("unit")
    assert unit.post(f"/tasks/{second['id']}/claim").status == 200
    assert ids(unit.get("/tasks", mine=1)) == [second["id"]]
    assert sorted(ids(unit.get("/tasks"))) == sorted([first["id"], second["id"]])


def test_process_filter_keeps_only_that_process(api, start):
    _, task = start()
    assert ids(api("unit").get("/tasks", process="simple_approval")) == [task["id"]]
    assert ids(api("unit").get("/tasks", process="another_process")) == []


def test_overdue_filter_follows_the_clock_and_each_steps_due_period(
    api, start, to_review, clock, targets
):
    _, fill = start("待填报")  # fill_targets: dueIn P10D
    _, review = to_review("待审核")  # dept_review: dueIn P5D, opened at T0 (a Monday)
    # Five working days from Monday T0 is the next Monday; the weekend does not count.
    assert review["due_at"] == at(T0 + timedelta(days=7, minutes=30))
    clock.at = T0 + timedelta(days=6)
    assert ids(api("dept").get("/tasks", overdue=1)) == []
    clock.at = T0 + timedelta(days=8)
    assert ids(api("dept").get("/tasks", overdue=1)) == [review["id"]]
    assert ids(api("unit").get("/tasks", overdue=1)) == []
    clock.at = T0 + timedelta(days=15)
    assert ids(api("unit").get("/tasks", overdue=1)) == [fill["id"]]
    assert ids(api("unit").get("/tasks", overdue="0")) == [fill["id"]]


# --- one task --------------------------------------------------------------------------


def test_task_detail_carries_its_form_schema_ui_and_prefill_data(api, to_review, conforms):
    instance_id, review = to_review()
    fill = api("unit").get("/tasks")  # nothing left for the unit
    assert fill.body == []
    answer = api("dept").get(f"/tasks/{review['id']}")
    assert answer.status == 200
    conforms("/tasks/{task_id}", "get", answer)
    assert answer.body["id"] == review["id"] and answer.body["activity_id"] == "dept_review"
    assert answer.body["form"]["schema"]["title"] == "审核意见"
    assert answer.body["form"]["ui"] == {}
    # the reviewer sees what the unit filed
    assert answer.body["data"]["project_name"] == "校舍维修改造"


def test_fill_targets_detail_has_the_ui_schema(api, start):
    _, task = start()
    answer = api("unit").get(f"/tasks/{task['id']}")
    assert answer.body["form"]["schema"]["title"] == "项目支出绩效目标申报表"
    assert answer.body["form"]["ui"]["ui:order"][0] == "project_name"
    assert answer.body["data"] == {}


def test_another_department_gets_404_for_a_task_it_cannot_see(api, to_review, start):
    _, review = to_review()
    for other in ("dept2", "unit2", "unit"):
        answer = api(other).get(f"/tasks/{review['id']}")
        assert answer.status == 404 and answer.error == "not_found", other
    assert api("dept").get("/tasks/999999").status == 404


# --- claiming --------------------------------------------------------------------------


def test_claim_and_unclaim_move_the_task_between_the_pool_and_the_clerk(
    api, start, colleague, conforms
):
    _, task = start()
    unit, other = api("unit"), api(*colleague)
    claimed = unit.post(f"/tasks/{task['id']}/claim")
    assert claimed.status == 200 and claimed.body["assignee"] == "unit"
    conforms("/tasks/{task_id}/claim", "post", claimed)
    assert unit.post(f"/tasks/{task['id']}/claim").status == 200  # claiming twice is harmless
    assert other.get("/tasks").body[0]["assignee"] == "unit"

    refused = other.post(f"/tasks/{task['id']}/claim")
    assert refused.status == 409 and refused.error == "conflict"
    conforms("/tasks/{task_id}/claim", "post", refused)
    assert other.post(f"/tasks/{task['id']}/unclaim").status == 409

    released = unit.post(f"/tasks/{task['id']}/unclaim")
    assert released.status == 200 and released.body["assignee"] is None
    conforms("/tasks/{task_id}/unclaim", "post", released)
    assert other.post(f"/tasks/{task['id']}/claim").body["assignee"] == "unit-b"
    assert ids(unit.get("/tasks", mine=1)) == []
    assert ids(other.get("/tasks", mine=1)) == [task["id"]]


def test_claiming_a_task_of_another_department_answers_404(api, to_review):
    _, review = to_review()
    assert api("dept2").post(f"/tasks/{review['id']}/claim").status == 404


# --- completing ------------------------------------------------------------------------


def test_completing_fill_targets_moves_the_submission_to_department_review(
    api, start, targets, conforms
):
    instance_id, task = start()
    answer = api("unit").post(f"/tasks/{task['id']}/complete", {"data": targets})
    assert answer.status == 200
    conforms("/tasks/{task_id}/complete", "post", answer)
    assert answer.body["instance"] == {"id": instance_id, "status": "running"}
    (review,) = answer.body["tasks"]
    assert review["activity_id"] == "dept_review" and review["role"] == "budget_department"
    assert api("unit").get("/tasks").body == []
    assert ids(api("dept").get("/tasks")) == [review["id"]]
    assert api("dept2").get("/tasks").body == []


def test_the_whole_approval_with_a_return_loop_finishes_over_http(
    api, to_review, targets, conforms
):
    instance_id, review = to_review()
    dept, unit, finance = api("dept"), api("unit"), api("finance")
    no_comment = dept.post(f"/tasks/{review['id']}/complete", {"data": {"decision": "return"}})
    assert no_comment.status == 422
    assert [d["path"] for d in no_comment.body["details"]] == ["/comment"]
    returned = dept.post(
        f"/tasks/{review['id']}/complete", {"data": {"decision": "return", "comment": "细化指标"}}
    )
    (again,) = returned.body["tasks"]
    assert again["activity_id"] == "fill_targets"
    # the answer says what the return told, and to whom
    assert returned.body["returned"] == [
        {"task_id": again["id"], "name": again["name"], "notified": ["unit"]}
    ]
    conforms("/tasks/{task_id}/complete", "post", returned)
    assert unit.get(f"/tasks/{again['id']}").body["data"]["project_name"] == "校舍维修改造"
    (review,) = unit.post(f"/tasks/{again['id']}/complete", {"data": targets}).body["tasks"]
    (final,) = dept.post(f"/tasks/{review['id']}/complete", {"data": {"decision": "approve"}}).body[
        "tasks"
    ]
    assert final["activity_id"] == "finance_review"
    done = finance.post(f"/tasks/{final['id']}/complete", {"data": {"decision": "approve"}})
    assert done.status == 200
    assert done.body == {"instance": {"id": instance_id, "status": "completed"}, "tasks": []}
    detail = finance.get(f"/instances/{instance_id}").body
    assert detail["status"] == "completed" and detail["current"] == []
    returned_event = [e for e in detail["history"] if e["comment"] == "细化指标"]
    assert returned_event[0]["actor"] == "dept"
    assert returned_event[0]["activity_id"] == "dept_review"


def test_invalid_data_is_refused_with_paths_and_changes_nothing(api, start, targets, conforms):
    instance_id, task = start()
    before = history(api, instance_id)
    bad = dict(targets, total_amount=-5, project_code="bad code")
    bad["indicators"] = [{"level1": "产出指标", "sign": "≥", "target": "1"}]
    answer = api("unit").post(f"/tasks/{task['id']}/complete", {"data": bad})
    assert answer.status == 422 and answer.error == "validation_failed"
    conforms("/tasks/{task_id}/complete", "post", answer)
    paths = {d["path"] for d in answer.body["details"]}
    assert {"/total_amount", "/project_code", "/indicators/0/name"} <= paths
    assert all(d["message"] for d in answer.body["details"])
    listed = api("unit").get("/tasks").body
    assert [t["id"] for t in listed] == [task["id"]]
    assert history(api, instance_id) == before
    assert api("unit").get(f"/instances/{instance_id}").body["data"] == {}


def test_a_missing_data_object_is_a_validation_error(api, start):
    _, task = start()
    answer = api("unit").post(f"/tasks/{task['id']}/complete", {"data": "not an object"})
    assert answer.status == 422
    assert api("unit").post(f"/tasks/{task['id']}/complete", {}).status == 422


def test_a_second_completion_of_the_same_task_answers_409(api, start, targets, conforms):
    instance_id, task = start()
    assert api("unit").post(f"/tasks/{task['id']}/complete", {"data": targets}).status == 200
    again = api("unit").post(f"/tasks/{task['id']}/complete", {"data": targets})
    assert again.status == 409 and again.error == "conflict"
    conforms("/tasks/{task_id}/complete", "post", again)
    completed = [h for h in history(api, instance_id) if h[0] == "completed"]
    assert completed == [("completed", "fill_targets", "unit")]


def test_another_department_completing_a_task_gets_404(api, to_review):
    instance_id, review = to_review()
    answer = api("dept2").post(f"/tasks/{review['id']}/complete", {"data": {"decision": "approve"}})
    assert answer.status == 404 and answer.error == "not_found"
    assert ids(api("dept").get("/tasks")) == [review["id"]]


def test_a_task_claimed_by_a_colleague_cannot_be_completed_403(api, start, targets, colleague):
    instance_id, task = start()
    assert api("unit").post(f"/tasks/{task['id']}/claim").status == 200
    answer = api(*colleague).post(f"/tasks/{task['id']}/complete", {"data": targets})
    assert answer.status == 403 and answer.error == "forbidden"
    assert api("unit").get("/tasks").body[0]["assignee"] == "unit"
    assert api("unit").post(f"/tasks/{task['id']}/complete", {"data": targets}).status == 200


@pytest.mark.live_http  # eight requests at once, each on a server thread of its own
def test_eight_simultaneous_completions_yield_one_success_and_seven_conflicts(api, start, targets):
    instance_id, task = start()
    unit = api("unit")
    go = threading.Barrier(8)
    answers = []
    lock = threading.Lock()

    def complete():
        go.wait()
        answer = unit.post(f"/tasks/{task['id']}/complete", {"data": targets})
        with lock:
            answers.append(answer)

    workers = [threading.Thread(target=complete) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    statuses = sorted(a.status for a in answers)
    assert statuses == [200] + [409] * 7, [a.body for a in answers if a.status != 409]
    completed = [h for h in history(api, instance_id) if h[0] == "completed"]
    assert completed == [("completed", "fill_targets", "unit")]
    assert len(api("dept").get("/tasks").body) == 1


# --- Idempotency-Key -------------------------------------------------------------------


def test_a_retried_completion_with_the_same_key_gets_the_first_answer_again(api, start, targets):
    instance_id, task = start()
    unit = api("unit")
    key = {"Idempotency-Key": "complete-fill-1"}
    first = unit.post(f"/tasks/{task['id']}/complete", {"data": targets}, headers=key)
    retry = unit.post(f"/tasks/{task['id']}/complete", {"data": targets}, headers=key)
    assert first.status == retry.status == 200
    assert retry.body == first.body
    completed = [h for h in history(api, instance_id) if h[0] == "completed"]
    assert completed == [("completed", "fill_targets", "unit")]
    assert len(api("dept").get("/tasks").body) == 1


def test_the_same_key_with_a_different_body_answers_409(api, start, targets):
    _, task = start()
    unit = api("unit")
    key = {"Idempotency-Key": "complete-fill-2"}
    assert unit.post(f"/tasks/{task['id']}/complete", {"data": targets}, headers=key).status == 200
    changed = dict(targets, annual_goal="另一个年度目标内容")
    answer = unit.post(f"/tasks/{task['id']}/complete", {"data": changed}, headers=key)
    assert answer.status == 409 and answer.error == "conflict"


def test_a_refused_request_does_not_use_up_its_key(api, start, targets):
    _, task = start()
    unit = api("unit")
    key = {"Idempotency-Key": "complete-fill-3"}
    bad = unit.post(f"/tasks/{task['id']}/complete", {"data": {}}, headers=key)
    assert bad.status == 422
    again = unit.post(f"/tasks/{task['id']}/complete", {"data": {}}, headers=key)
    assert again.status == 422  # run again, not replayed as a success or a conflict


def test_a_retried_start_with_the_same_key_starts_one_submission(api):
    unit = api("unit")
    key = {"Idempotency-Key": "start-1"}
    body = {"title": "只发起一次"}
    first = unit.post("/processes/simple_approval/instances", body, headers=key)
    retry = unit.post("/processes/simple_approval/instances", body, headers=key)
    assert first.status == retry.status == 201
    assert retry.body == first.body
    assert [i["id"] for i in unit.get("/instances").body] == [first.body["id"]]


def test_keys_are_per_user(api, start):
    key = {"Idempotency-Key": "shared-key"}
    mine = api("unit").post("/processes/simple_approval/instances", {}, headers=key)
    theirs = api("unit2").post("/processes/simple_approval/instances", {}, headers=key)
    assert mine.status == theirs.status == 201
    assert mine.body["id"] != theirs.body["id"]


# --- attachments -----------------------------------------------------------------------


def _web_session(app, username: str) -> RequestPerContextClient:
    browser = RequestPerContextClient(app, app.response_class, use_cookies=True)
    response = browser.post(
        "/login", data={"username": username, "password": "demo"}, follow_redirects=True
    )
    assert response.status_code == 200  # redirected to the inbox
    assert response.request.path != "/login"
    return browser


def test_an_attachment_sent_as_a_data_url_is_stored_and_downloadable(api, start, targets, app):
    instance_id, task = start()
    content = "实施方案：三栋教学楼".encode()
    data_url = "data:text/plain;name=plan.txt;base64," + base64.b64encode(content).decode()
    answer = api("unit").post(
        f"/tasks/{task['id']}/complete", {"data": dict(targets, attachment=data_url)}
    )
    assert answer.status == 200, answer.body
    stored = api("dept").get(f"/instances/{instance_id}").body["data"]["attachment"]
    match = re.fullmatch(r"attachment:(\d+)/plan\.txt", stored)
    assert match, stored

    # Downloading is a page of the web UI, for those who may see the submission.
    response = _web_session(app, "dept").get(f"/attachments/{match.group(1)}")
    assert response.status_code == 200
    assert response.get_data() == content
    assert "plan.txt" in response.headers["Content-Disposition"]
    refused = _web_session(app, "dept2").get(f"/attachments/{match.group(1)}")
    assert refused.status_code == 404


def test_a_broken_data_url_is_refused_with_its_path(api, start, targets):
    _, task = start()
    broken = dict(targets, attachment="data:text/plain;name=x.txt;base64,@@@")
    answer = api("unit").post(f"/tasks/{task['id']}/complete", {"data": broken})
    assert answer.status == 422
    assert [d["path"] for d in answer.body["details"]] == ["/attachment"]
    assert len(api("unit").get("/tasks").body) == 1
