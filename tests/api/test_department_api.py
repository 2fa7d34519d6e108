"""The department level over the API, as the demo roles: the department files its targets
once a year, finance returns then approves them, the approved functions are read back;
the self-evaluation shows the projects' grades from the registry, which the department
cannot overwrite; finance passes it and the government reads it; another department sees
none of it."""

from __future__ import annotations

import pytest

from app.services.registry.campaigns import launch_campaign
from department_level import (
    approved_targets,
    deploy_department_processes,
    edu_targets,
    graded_projects,
)
from factories import org

TARGETS_PATH = "/departments/{department_id}/targets"
EVALUATION_PATH = "/departments/{department_id}/self-evaluation"


@pytest.fixture
def processes(app):
    deploy_department_processes()


def one_task(client, process: str) -> dict:
    answer = client.get("/tasks", process=process)
    assert answer.status == 200, answer.body
    assert len(answer.body) == 1, answer.body
    return answer.body[0]


def complete(client, task_id: int, data: dict):
    return client.post(f"/tasks/{task_id}/complete", {"data": data})


def test_targets_filed_once_returned_then_approved_and_read_back(api, user, processes, conforms):
    launch_campaign(user("finance"), "department_targets", 2028)
    dept, finance, edu = api("dept"), api("finance"), org("edu").id
    assert api("dept2").get("/tasks", process="department_targets").body[0]["org"] == "health"

    task = one_task(dept, "department_targets")
    assert task["activity_id"] == "fill_department_targets"
    answer = complete(dept, task["id"], edu_targets())
    assert answer.status == 200, answer.body
    assert [t["activity_id"] for t in answer.body["tasks"]] == ["finance_review_department_targets"]

    # Outside a round there is no year to file for: refused, nothing started.
    outside = finance.post("/processes/department_targets/instances", {"org": edu})
    assert outside.status == 400 and "fiscal_year" in outside.body["message"]
    assert len(dept.get("/instances", process="department_targets").body) == 1

    review = one_task(finance, "department_targets")
    answer = complete(
        finance, review["id"], {"finance_decision": "return", "finance_opinion": "请细化指标"}
    )
    assert [t["activity_id"] for t in answer.body["tasks"]] == ["fill_department_targets"]
    assert dept.get(TARGETS_PATH.format(department_id=edu), year=2028).body["status"] == "draft"
    task = one_task(dept, "department_targets")
    assert dept.get(f"/tasks/{task['id']}").body["data"]["finance_opinion"] == "请细化指标"
    complete(dept, task["id"], edu_targets())
    review = one_task(finance, "department_targets")
    answer = complete(finance, review["id"], {"finance_decision": "approve"})
    assert answer.status == 200 and answer.body["instance"]["status"] == "completed"

    for username in ("dept", "finance", "gov", "unit"):
        read = api(username).get(TARGETS_PATH.format(department_id=edu), year=2028)
        conforms(TARGETS_PATH, "get", read)
        assert read.body["status"] == "approved"
        assert read.body["function_names"] == ["义务教育", "教师队伍建设"]
        assert read.body["approved_by"] == "张伟（县财政局预算股）"
    for username in ("dept2", "unit2", "expert"):
        refused = api(username).get(TARGETS_PATH.format(department_id=edu), year=2028)
        assert refused.status == 404
        conforms(TARGETS_PATH, "get", refused)
    missing_year = dept.get(TARGETS_PATH.format(department_id=edu))
    assert missing_year.status == 400
    conforms(TARGETS_PATH, "get", missing_year)


def test_the_self_evaluation_keeps_the_registry_grades_and_reaches_the_government(
    api, user, processes, conforms
):
    approved_targets("edu", 2026)
    graded_projects(2026)
    launch_campaign(user("finance"), "department_self_evaluation", 2026)
    dept, finance, gov, edu = api("dept"), api("finance"), api("gov"), org("edu").id
    assert api("dept2").get("/tasks", process="department_self_evaluation").body == []

    task = one_task(dept, "department_self_evaluation")
    data = dept.get(f"/tasks/{task['id']}").body["data"]
    assert [p["grade"] for p in data["project_grades"]] == ["优", "中", "优"]
    report = {
        "overall_result": "目标基本完成",
        "function_results": [dict(r, result="已完成") for r in data["function_results"]],
        "indicator_results": [dict(r, actual=r["target"]) for r in data["indicator_results"]],
        "conclusion": "部门整体目标完成",
        # What the department may not write: the registry's grades and their summary.
        "project_grades": [dict(p, grade="优", score=100) for p in data["project_grades"]],
        "project_summary": dict(data["project_summary"], grade_fair=0, grade_excellent=3),
    }
    answer = complete(dept, task["id"], report)
    assert answer.status == 200, answer.body
    assert gov.get("/tasks", process="department_self_evaluation").body == []

    review = one_task(finance, "department_self_evaluation")
    shown = finance.get(f"/tasks/{review['id']}").body["data"]
    assert [p["grade"] for p in shown["project_grades"]] == ["优", "中", "优"]
    assert shown["project_summary"]["grade_fair"] == 1
    complete(finance, review["id"], {"finance_decision": "pass", "finance_opinion": "同意"})

    read = one_task(gov, "department_self_evaluation")
    assert read["activity_id"] == "government_read_report"
    answer = complete(gov, read["id"], {})
    assert answer.body["instance"]["status"] == "completed"
    history = gov.get(f"/instances/{answer.body['instance']['id']}").body["history"]
    assert ("completed", "government_read_report") in [
        (h["action"], h["activity_id"]) for h in history
    ]

    for username in ("gov", "dept", "finance"):
        got = api(username).get(EVALUATION_PATH.format(department_id=edu), year=2026)
        conforms(EVALUATION_PATH, "get", got)
        assert got.body["status"] == "read" and got.body["delivered_at"]
        assert [p["grade"] for p in got.body["project_grades"]] == ["优", "中", "优"]
    refused = api("dept2").get(EVALUATION_PATH.format(department_id=edu), year=2026)
    assert refused.status == 404

    pdf = gov.get(f"/departments/{edu}/documents/self-evaluation.pdf", year=2026)
    assert pdf.status == 200 and pdf.headers["Content-Type"] == "application/pdf"
    xlsx = dept.get(f"/departments/{edu}/documents/targets.xlsx", year=2026)
    assert xlsx.status == 200 and "spreadsheetml" in xlsx.headers["Content-Type"]
    assert api("dept2").get(f"/departments/{edu}/documents/targets.pdf", year=2026).status == 404
    assert dept.get(f"/departments/{edu}/documents/targets.doc", year=2026).status == 404
