"""整改清单 over the JSON API: the department reports and finance verifies through the
task endpoints, GET /rectifications shows who closed what, and a department sees only
its own; answers match the OpenAPI document."""

from __future__ import annotations

import pytest

from rectification_loop import (
    FOLLOW_UP,
    ITEMS,
    KEY,
    LEDGER,
    VERIFY,
    deploy_evaluation,
    evaluated_with_items,
)


@pytest.fixture
def at_follow_up(app, user):
    deploy_evaluation()
    return evaluated_with_items(user, [LEDGER])


def the_task(client, activity: str) -> dict:
    answer = client.get("/tasks", process=KEY)
    found = [t for t in answer.body if t["activity_id"] == activity]
    assert len(found) == 1, f"{client.username} should have one {activity}: {answer.body}"
    return found[0]


def complete(client, activity: str, rows: list[dict]):
    task = the_task(client, activity)
    answer = client.post(f"/tasks/{task['id']}/complete", {"data": {ITEMS: rows}})
    assert answer.status == 200, answer.body
    return answer


def listed(client, conforms, **query) -> dict:
    answer = client.get("/rectifications", **query)
    conforms("/rectifications", "get", answer)
    assert answer.status == 200, answer.body
    return answer.body


def test_a_claim_is_rejected_then_verified_and_closed_with_its_verifier(
    api, conforms, at_follow_up
):
    dept, finance = api("dept"), api("finance")
    form = dept.get(f"/tasks/{the_task(dept, FOLLOW_UP)['id']}").body
    assert form["data"][ITEMS][0]["status"] == "整改中"
    # The department marks it done and tries to close it itself: a claim, no more.
    done = {"action_taken": "已建立台账", "progress": "已完成", "status": "closed"}
    complete(dept, FOLLOW_UP, [done])
    (item,) = listed(dept, conforms, year=2027)["items"]
    assert (item["status"], item["claimed_by"]["username"]) == ("claimed", "dept")

    complete(finance, VERIFY, [{"verification": "未通过", "verification_reason": "台账不全"}])
    (item,) = listed(dept, conforms, year=2027)["items"]
    assert (item["status"], item["failures"], item["last_reason"]) == ("open", 1, "台账不全")

    complete(dept, FOLLOW_UP, [{"action_taken": "已补齐台账", "progress": "已完成"}])
    complete(finance, VERIFY, [{"verification": "核实通过"}])
    body = listed(finance, conforms, year=2027, status="closed")
    (item,) = body["items"]
    assert item["verified_by"]["username"] == "finance" and item["closed_at"]
    assert [
        (v["outcome"], v["decided_by"]["username"], v["reason"]) for v in item["verifications"]
    ] == [
        ("failed", "finance", "台账不全"),
        ("passed", "finance", None),
    ]
    assert body["accountability"] == []
    assert listed(finance, conforms, year=2027, status="open")["items"] == []


def test_a_second_failure_is_listed_for_accountability_over_the_api(api, conforms, at_follow_up):
    dept, finance = api("dept"), api("finance")
    for reason in ("台账不全", "仍不全"):
        complete(dept, FOLLOW_UP, [{"action_taken": "已建立台账", "progress": "已完成"}])
        complete(finance, VERIFY, [{"verification": "未通过", "verification_reason": reason}])
    (entry,) = listed(finance, conforms)["accountability"]
    assert entry["grounds"] == ["failed_twice"] and entry["failures"] == 2
    assert [v["decided_by"]["username"] for v in entry["verifications"]] == ["finance"] * 2


def test_a_department_never_sees_another_departments_items(api, conforms, at_follow_up):
    assert [i["description"] for i in listed(api("dept"), conforms)["items"]] == [
        "完善项目资金台账"
    ]
    other = listed(api("dept2"), conforms)
    assert other["items"] == [] and other["accountability"] == []


def test_a_bad_filter_is_refused_by_name(api, conforms, at_follow_up):
    answer = api("finance").get("/rectifications", status="done")
    conforms("/rectifications", "get", answer)
    assert answer.status == 400 and answer.body["details"][0]["path"] == "/status"
