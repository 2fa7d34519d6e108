"""Listing deployed processes and starting submissions."""

from __future__ import annotations


def test_process_list_shows_simple_approval_version_1_with_its_name(api, conforms):
    answer = api("unit").get("/processes")
    assert answer.status == 200
    conforms("/processes", "get", answer)
    assert {"key": "simple_approval", "name": "项目申报审核", "version": 1} in answer.body


def test_unit_starts_a_submission_and_gets_its_fill_targets_task(api, conforms):
    answer = api("unit").post(
        "/processes/simple_approval/instances", {"title": "校舍维修改造 申报"}
    )
    assert answer.status == 201
    conforms("/processes/{key}/instances", "post", answer)
    assert answer.body["status"] == "running"
    (task,) = answer.body["tasks"]
    assert task["activity_id"] == "fill_targets"
    assert task["instance_id"] == answer.body["id"]
    assert task["role"] == "budget_unit" and task["org"] == "edu-school1"
    detail = api("unit").get(f"/instances/{answer.body['id']}")
    assert detail.body["title"] == "校舍维修改造 申报" and detail.body["version"] == 1


def test_department_may_not_start_a_unit_process(api, conforms):
    answer = api("dept").post("/processes/simple_approval/instances", {})
    assert answer.status == 403 and answer.error == "forbidden"
    conforms("/processes/{key}/instances", "post", answer)
    assert api("dept").get("/instances").body == []


def test_starting_an_unknown_process_answers_404(api):
    answer = api("unit").post("/processes/no_such_process/instances", {})
    assert answer.status == 404 and answer.error == "not_found"


def test_finance_starts_on_behalf_of_a_school_named_by_code(api):
    answer = api("finance").post(
        "/processes/simple_approval/instances", {"title": "代报", "org": "edu-school1"}
    )
    assert answer.status == 201, answer.body
    assert api("finance").get(f"/instances/{answer.body['id']}").body["org"] == "edu-school1"


def test_finance_clerk_holding_the_start_role_starts_for_a_school_named_by_code(app, api):
    from app.extensions import db
    from app.models import User
    from app.models.org import ACTING
    from app.services.operations.setup import add_user

    # finance_bureau has county-wide scope but the start lane is budget_unit: give the
    # finance clerk that role too, as a county that lets finance file for schools would.
    finance = db.session.query(User).options(*ACTING).filter_by(username="finance").one()
    add_user(
        "finance-filer",
        "财政代报员",
        finance.org,
        ["finance_bureau", "budget_unit"],
        "Filer-2027-pw",
    )
    db.session.commit()
    answer = api("finance-filer", "Filer-2027-pw").post(
        "/processes/simple_approval/instances", {"title": "代报", "org": "edu-school1"}
    )
    assert answer.status == 201, answer.body
    assert answer.body["tasks"][0]["org"] == "edu-school1"
    detail = api("finance").get(f"/instances/{answer.body['id']}")
    assert detail.body["org"] == "edu-school1"
    # ... and the school's own unit now finds it in its inbox.
    assert answer.body["tasks"][0]["id"] in [t["id"] for t in api("unit").get("/tasks").body]


def test_unit_may_not_start_on_behalf_of_another_org(api):
    answer = api("unit").post(
        "/processes/simple_approval/instances", {"org": "edu-school2", "title": "冒名"}
    )
    assert answer.status == 403 and answer.error == "forbidden"
    assert api("unit").get("/instances").body == []
    assert api("finance").get("/instances").body == []


def test_naming_an_unknown_org_answers_404_and_starts_nothing(api):
    answer = api("unit").post("/processes/simple_approval/instances", {"org": "no-such-org"})
    assert answer.status == 404
    assert api("finance").get("/instances").body == []
