"""The reform's rules over the API, in the demo county, as its accounts: last year's grade
reaches next year's 遴选 from the registry and cuts a 中 project's money, and scores are
computed, never typed (issue 13). The money routes are in test_money_rules_api.py; each
rule's scenario through the services is in tests/processes."""

from __future__ import annotations

from app.performance.registry import find_project
from app.services.demo.data import PROJECTS

MEDIUM = "JY-2026-003"  # 学生营养午餐补助 of 县实验小学, graded 中 for 2026
WAITING_AT_FINANCE = "JY-2026-002"  # its 2026 self-evaluation waits at finance's review


def open_task(api, username: str, activity: str, project_code: str) -> dict:
    """The account's open task at `activity` about `project_code`, with its form and data."""
    for task in api(username).get("/tasks").body:
        if task["activity_id"] == activity:
            shown = api(username).get(f"/tasks/{task['id']}").body
            if shown["data"].get("project_code") == project_code:
                return shown
    raise AssertionError(f"{username} has no {activity} for {project_code}")


def complete(api, username: str, task_id: int, data: dict):
    return api(username).post(f"/tasks/{task_id}/complete", {"data": data})


def targets_form(prefill: dict, requested: float) -> dict:
    """The unit's 2028 target form: what the round prefilled from the registry, and the
    rest as the unit types it."""
    spec = PROJECTS[MEDIUM]
    return {
        **prefill,
        "project_type": "经常性",
        "project_category": spec["category"],
        "plan_start_date": "2028-01-01",
        "plan_end_date": "2028-12-31",
        "total_fiscal_funds": requested,
        "requested_amount": requested,
        "overall_goal": spec["annual_goal"],
        "annual_goal": spec["annual_goal"],
        "project_content": spec["annual_goal"],
        "cost_basis": f"按受益学生人数和补助标准测算，申请 {requested:g} 万元",
        "safeguards": "学校设专人管理，资金专账核算，主管部门按季度检查",
    }


def test_last_years_medium_grade_cuts_next_years_request_at_selection(api, demo_year):
    fill = open_task(api, "unit3", "fill_project_targets", MEDIUM)
    assert (fill["data"]["last_grade"], fill["data"]["last_year_amount"]) == ("中", 120)
    # The unit cannot better its own grade: what it sends is not what 遴选 reads.
    answer = complete(
        api, "unit3", fill["id"], {**targets_form(fill["data"], 100), "last_grade": "优"}
    )
    assert answer.status == 200, answer.body

    review = open_task(api, "dept", "dept_review", MEDIUM)
    assert complete(api, "dept", review["id"], {"dept_decision": "approve"}).status == 200
    function = open_task(api, "dept", "choose_project_function", MEDIUM)
    assert complete(api, "dept", function["id"], {"project_function": "义务教育"}).status == 200
    target_review = open_task(api, "finance", "finance_target_review", MEDIUM)
    assert complete(api, "finance", target_review["id"], {"target_grade": "优"}).status == 200

    rank = open_task(api, "finance", "rank_and_select", MEDIUM)
    assert rank["data"]["last_grade"] == "中", "read from the registry, not from the unit"
    assert rank["data"]["grade_ceiling"] == 80, "100 万元 less the set 20 %"
    decision = {
        "funded": "yes",
        "priority_rank": 3,
        "approved_amount": 100,
        "selection_note": "营养改善计划，按标准安排",
    }
    refused = complete(api, "finance", rank["id"], decision)
    assert refused.status == 422 and refused.error == "validation_failed"
    assert [d["path"] for d in refused.body["details"]] == ["/approved_amount"]
    assert "不按比例压减的理由" in refused.body["details"][0]["message"]
    assert open_task(api, "finance", "rank_and_select", MEDIUM)["id"] == rank["id"], "still open"

    answer = complete(api, "finance", rank["id"], {**decision, "approved_amount": 80})
    assert answer.status == 200, answer.body
    assert answer.body["tasks"] == [], "it waits for the county's budget as a whole"


def test_scores_above_their_points_are_refused_and_the_grade_is_computed(api, demo_year):
    review = open_task(api, "finance", "finance_review_self_evaluation", WAITING_AT_FINANCE)
    assert review["form"]["ui"]["spent"]["ui:readonly"] is True
    key = {
        "finance_decision": "pass",
        "finance_opinion": "自评等级与指标完成情况不符，财政组织重点评价",
        "key_evaluation": True,
        "key_evaluator": "finance",
    }
    answer = complete(api, "finance", review["id"], key)
    assert answer.status == 200, answer.body
    (scoring,) = answer.body["tasks"]
    assert scoring["activity_id"] == "key_evaluation_finance"

    rows = [
        {"level1": level, "points": points, "score": score}
        for level, points, score in zip(
            ("决策", "过程", "产出", "效益"), (20, 20, 30, 30), (18, 25, 24, 14), strict=True
        )
    ]
    report = "data:text/plain;name=key-report.txt;base64,6YeN54K56K+E5Lu35oql5ZGK"
    scored = {"key_indicators": rows, "key_opinion": "过程管理薄弱", "key_report": report}
    refused = complete(api, "finance", scoring["id"], scored)
    assert refused.status == 422
    assert [(d["path"], d["message"]) for d in refused.body["details"]] == [
        ("/key_indicators/1/score", "得分不得超过该项分值")
    ]

    rows[1]["score"] = 16
    answer = complete(api, "finance", scoring["id"], scored)
    assert answer.status == 200, answer.body
    (application,) = answer.body["tasks"]
    shown = api("finance").get(f"/tasks/{application['id']}").body
    assert shown["data"]["final_grade"] == "中", "18 + 16 + 24 + 14 = 72 points"
    assert shown["form"]["ui"]["final_grade"] == {"ui:readonly": True}
    # 优 typed over the computed 中 is not taken; its tag then contradicts 中.
    typed = {
        "final_grade": "优",
        "next_year_tag": "优先保障",
        "rectification": [],
        "disclose": True,
        "report_to_government": True,
    }
    refused = complete(api, "finance", application["id"], typed)
    assert refused.status == 422
    assert [d["path"] for d in refused.body["details"]] == ["/next_year_tag"]
    answer = complete(api, "finance", application["id"], {**typed, "next_year_tag": "压减预算"})
    assert answer.status == 200, answer.body
    graded = find_project(WAITING_AT_FINANCE, 2026)
    assert (graded.grade, graded.score, graded.next_year_tag) == ("中", 72.0, "压减预算")
