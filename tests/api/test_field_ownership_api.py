"""Field ownership over the API: start data is the start form's, a completion keeps
what the step does not own."""

from __future__ import annotations


def test_starting_with_a_later_steps_field_is_refused_naming_it(api, conforms):
    answer = api("unit").post(
        "/processes/simple_approval/instances",
        {"title": "埋字段", "data": {"project_name": "校舍维修改造", "decision": "approve"}},
    )
    assert answer.status == 422, answer.body
    assert answer.error == "validation_failed"
    assert [d["path"] for d in answer.body["details"]] == ["/decision"]
    conforms("/processes/{key}/instances", "post", answer)
    mine = api("unit").get("/instances").body
    assert all(i["title"] != "埋字段" for i in mine), "nothing was started"


def test_starting_with_the_first_forms_fields_prefills_it(api):
    answer = api("unit").post(
        "/processes/simple_approval/instances",
        {"title": "预填", "data": {"project_name": "校舍维修改造", "total_amount": 88}},
    )
    assert answer.status == 201, answer.body
    task = api("unit").get(f"/tasks/{answer.body['tasks'][0]['id']}").body
    assert task["data"]["project_name"] == "校舍维修改造" and task["data"]["total_amount"] == 88


def test_a_completion_cannot_set_another_steps_decision(api, start, targets):
    instance_id, task = start()
    answer = api("unit").post(
        f"/tasks/{task['id']}/complete", {"data": {**targets, "decision": "approve"}}
    )
    assert answer.status == 200, answer.body
    detail = api("finance").get(f"/instances/{instance_id}").body
    assert "decision" not in detail["data"]
    assert [t["activity_id"] for t in answer.body["tasks"]] == ["dept_review"]
