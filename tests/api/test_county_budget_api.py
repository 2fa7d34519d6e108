"""The county's budget review over the API: finance submits the year's draft, the
government sends one department back, finance revises it, the congress approves the
whole, and the worker releases 批复 to every waiting project. The projects reach 遴选
through the services (the compilation's own API walk is tested elsewhere)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.processes.test_county_budget_review import selected_project

from app.extensions import db
from app.services.foundation.jobs import run_due_jobs
from app.services.operations.setup import deploy_folder
from compilation_data import department_targets_approved

COUNTY = "county_budget_review"
ROOT = Path(__file__).parents[2]


@pytest.fixture
def selected(app, user):
    deploy_folder(ROOT / "processes", ROOT / "forms")
    db.session.commit()
    department_targets_approved("edu", 2027, {"义务教育": 80})
    department_targets_approved("health", 2027, {"基层医疗": 60})
    selected_project(user, "unit", "dept", "JY-2027-001", "教室改造", 80, 1)
    selected_project(user, "unit2", "dept2", "WS-2027-001", "村卫生室建设", 60, 1, "基层医疗")
    db.session.remove()


def only_task(api, username: str, activity: str) -> dict:
    tasks = [t for t in api(username).get("/tasks").body if t["activity_id"] == activity]
    assert len(tasks) == 1, f"{username} should have one {activity}: {tasks}"
    return tasks[0]


def complete(api, username: str, activity: str, data: dict):
    task = only_task(api, username, activity)
    return api(username).post(f"/tasks/{task['id']}/complete", {"data": data})


def test_the_county_budget_is_reviewed_as_a_whole_over_the_api(api, selected):
    started = api("finance").post(f"/processes/{COUNTY}/instances", {"title": "2027 年预算草案"})
    assert started.status == 201, started.body
    assert complete(api, "finance", "submit_draft", {"fiscal_year": 2027}).status == 200

    review = only_task(api, "gov", "gov_review")
    draft = api("gov").get(f"/tasks/{review['id']}").body["data"]["draft"]
    assert (draft["department_count"], draft["total_selected"]) == (2, 140)
    refused = complete(api, "gov", "gov_review", {"gov_decision": "return"})
    assert refused.status == 422
    returned = complete(
        api,
        "gov",
        "gov_review",
        {"gov_decision": "return", "return_department": "县卫生健康局", "return_reason": "压减"},
    )
    assert returned.status == 200, returned.body
    rows = [{"project_code": "WS-2027-001", "amount": 50}]
    assert complete(api, "finance", "finance_revise", {"revision_rows": rows}).status == 200
    assert complete(api, "gov", "gov_review", {"gov_decision": "approve"}).status == 200
    done = complete(api, "congress", "congress_approval", {"congress_decision": "approve"})
    assert done.status == 200 and done.body["tasks"] == []
    assert api("finance").get(f"/instances/{started.body['id']}").body["status"] == "completed"

    run_due_jobs()  # the worker delivers the approval
    replies = [t for t in api("finance").get("/tasks").body if t["activity_id"] == "finance_reply"]
    assert len(replies) == 2
    shown = [api("finance").get(f"/tasks/{t['id']}").body["data"] for t in replies]
    amounts = {data["project_code"]: data["approved_amount"] for data in shown}
    assert amounts == {"JY-2027-001": 80, "WS-2027-001": 50}
    # The review was never a department's task, and 批复 is finance's before theirs.
    assert [t["activity_id"] for t in api("dept").get("/tasks").body] == []

    # The year as a whole reads the same over the API, for the congress and not a department.
    year = api("congress").get("/county-budget/2027")
    assert year.status == 200 and year.body["status_name"] == "县人大已批准"
    budget = year.body["budget"]
    assert (budget["total_selected"], budget["status"]) == (130, "approved")
    assert budget["returns"][0]["department"] == "县卫生健康局"
    assert api("dept").get("/county-budget/2027").status == 403
