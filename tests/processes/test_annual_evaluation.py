"""年度绩效评价 (annual_evaluation): each path through the diagram, driven as the real
roles through the services — who gets each task, what it shows, where it ends."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import RectificationItem
from app.performance.registry import find_project
from app.services.foundation.errors import ValidationFailed
from app.services.operations.setup import add_user
from app.services.registry.campaigns import launch_campaign
from app.services.runtime import queries
from app.services.runtime.forms_view import task_form
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import SCORED_SCHOOL_INDICATORS as INDICATORS
from factories import approved_project, org

KEY = "annual_evaluation"
CODE, YEAR = "JY-2027-001", 2027


@pytest.fixture
def project(deployed):
    deployed(KEY)
    return approved_project(CODE, YEAR, INDICATORS, department_function="义务教育")


def start(user, org_code: str = "edu"):
    """Finance launches the evaluation on behalf of the department (or the unit)."""
    return start_instance(
        user("finance"),
        KEY,
        title="2027年度绩效评价 · 校舍维修改造",
        org_id=org(org_code).id,
        prefill={
            "project_code": CODE,
            "project_name": "校舍维修改造",
            "fiscal_year": YEAR,
            "approved_amount": 100,
            "adjusted_budget": 100,
            "spent": 95,
            "indicators": INDICATORS,
        },
    )


def inbox(actor, activity: str | None = None):
    tasks = queries.list_inbox(actor, process=KEY).tasks
    return [t for t in tasks if activity is None or t.activity_id == activity]


def the_task(actor, activity: str):
    found = inbox(actor, activity)
    assert len(found) == 1, f"{actor.username} should have one {activity}, has {found}"
    return found[0]


def self_report(area="3000", satisfaction="95", reason=None) -> dict:
    rows = [
        dict(INDICATORS[0], actual=area),
        dict(INDICATORS[1], qualitative_result="达成"),
        dict(INDICATORS[2], actual=satisfaction),
    ]
    if reason:  # every quantitative row below its target explains why
        rows[0]["deviation_reason"] = reason
        rows[2]["deviation_reason"] = reason
    return {
        "approved_amount": 100,
        "adjusted_budget": 100,
        "spent": 95,
        "planned_outputs": "完成三栋教学楼维修改造3000平方米",
        "actual_outputs": "按计划完成",
        "indicators": rows,
        "evaluation_conclusion": "项目完成年度目标，资金使用规范。",
    }


ITEMS = "rectification_items"
FINANCE_PASS = {"finance_decision": "pass", "finance_opinion": "同意", "key_evaluation": False}


def result(grade="优", tag="优先保障", rectification=()) -> dict:
    return {
        "final_grade": grade,
        "next_year_tag": tag,
        "rectification": list(rectification),
        "disclose": True,
        "report_to_government": True,
    }


def test_self_evaluation_scored_then_applied_without_key_evaluation(user, project):
    dept, finance = user("dept"), user("finance")
    instance, ready = start(user)
    assert [t.activity_id for t in ready] == ["fill_self_evaluation"]

    task = the_task(dept, "fill_self_evaluation")
    assert inbox(user("dept2")) == [] and inbox(user("unit")) == []
    form = task_form(dept, task.id)
    assert form.data["adjusted_budget"] == 100 and form.data["approved_amount"] == 100
    assert [r["points"] for r in form.data["indicators"]] == [50, 30, 10]
    assert form.ui["indicators"]["items"]["points"] == {"ui:readonly": True}
    assert "evaluation" in form.schema["properties"] and form.ui["evaluation"]["ui:readonly"]

    _, ready = complete_task(dept, task.id, self_report())
    assert [t.activity_id for t in ready] == ["finance_review_self_evaluation"]
    evaluation = instance.data["evaluation"]
    assert (evaluation["total"], evaluation["grade"]) == (99.5, "优")

    task = the_task(finance, "finance_review_self_evaluation")
    assert task_form(finance, task.id).data["evaluation"]["grade"] == "优"
    _, ready = complete_task(finance, task.id, FINANCE_PASS)
    assert [t.activity_id for t in ready] == ["result_application"]

    task = the_task(finance, "result_application")
    form = task_form(finance, task.id)
    assert form.data["final_grade"] == "优"
    with pytest.raises(ValidationFailed) as refused:
        complete_task(finance, task.id, result(tag="压减预算"))
    assert [d["path"] for d in refused.value.details] == ["/next_year_tag"]
    instance, ready = complete_task(finance, task.id, result())

    assert ready == [] and instance.status == "completed"
    recorded = find_project(CODE, YEAR)
    assert (recorded.score, recorded.grade, recorded.next_year_tag) == (99.5, "优", "优先保障")
    assert recorded.disclose is True
    detail = queries.instance_detail(finance, instance.id)
    assert [(e.action, e.activity_id) for e in detail.history][-2:] == [
        ("completed", "result_application"),
        ("finished", None),
    ]


def test_missing_deviation_reason_sends_the_report_back_naming_the_rows(user, project):
    dept = user("dept")
    instance, _ = start(user)
    task = the_task(dept, "fill_self_evaluation")
    _, ready = complete_task(dept, task.id, self_report(area="2400"))
    assert [t.activity_id for t in ready] == ["fill_self_evaluation"]
    form = task_form(dept, the_task(dept, "fill_self_evaluation").id)
    assert form.data["evaluation"]["missing_reasons"] == ["维修校舍面积"]
    assert form.data["spent"] == 95, "the report comes back as sent"

    _, ready = complete_task(dept, ready[0].id, self_report(area="2400", reason="一栋楼顺延"))
    assert [t.activity_id for t in ready] == ["finance_review_self_evaluation"]
    assert instance.data["evaluation"]["missing_reasons"] == []
    assert instance.data["evaluation"]["total"] == 89.5  # 9.5 + 40 + 30 + 10
    assert instance.data["evaluation"]["grade"] == "良"


def test_finance_return_shows_its_opinion_to_the_department(user, project):
    dept, finance = user("dept"), user("finance")
    start(user)
    complete_task(dept, the_task(dept, "fill_self_evaluation").id, self_report())
    task = the_task(finance, "finance_review_self_evaluation")
    with pytest.raises(ValidationFailed):
        complete_task(finance, task.id, {"finance_decision": "return", "key_evaluation": False})
    _, ready = complete_task(
        finance,
        task.id,
        {
            "finance_decision": "return",
            "finance_opinion": "请补充佐证材料",
            "key_evaluation": False,
        },
    )
    assert [t.activity_id for t in ready] == ["fill_self_evaluation"]
    form = task_form(dept, the_task(dept, "fill_self_evaluation").id)
    assert form.data["finance_opinion"] == "请补充佐证材料"
    assert form.ui["finance_opinion"]["ui:readonly"] is True


def key_rows(scores=(18, 16, 24, 14)) -> list[dict]:
    return [
        {"level1": level, "points": points, "score": score}
        for level, points, score in zip(
            ("决策", "过程", "产出", "效益"), (20, 20, 30, 30), scores, strict=True
        )
    ]


KEY_REPORT = "data:text/plain;name=key-report.txt;base64,6YeN54K56K+E5Lu35oql5ZGK"


def test_key_evaluation_by_a_named_expert_sets_the_final_grade(user, project):
    dept, finance, expert = user("dept"), user("finance"), user("expert")
    other_expert = add_user("expert2", "另一位专家", expert.org, ["expert"], "x")
    db.session.commit()
    instance, _ = start(user)
    complete_task(dept, the_task(dept, "fill_self_evaluation").id, self_report())
    task = the_task(finance, "finance_review_self_evaluation")
    with pytest.raises(ValidationFailed) as refused:
        complete_task(
            finance, task.id, dict(FINANCE_PASS, key_evaluation=True, key_evaluator="expert")
        )
    assert [d["path"] for d in refused.value.details] == ["/expert_username"]
    _, ready = complete_task(
        finance,
        task.id,
        dict(FINANCE_PASS, key_evaluation=True, key_evaluator="expert", expert_username="expert"),
    )
    assert [t.activity_id for t in ready] == ["key_evaluation_expert"]

    task = the_task(expert, "key_evaluation_expert")
    assert inbox(other_expert) == [] and inbox(user("dept2")) == []
    assert inbox(finance, "key_evaluation_expert") == [], "only the named expert has it"
    form = task_form(expert, task.id)
    assert form.data["evaluation"]["grade"] == "优"
    with pytest.raises(ValidationFailed) as refused:
        complete_task(expert, task.id, {"key_indicators": key_rows(), "key_opinion": "过程管理弱"})
    assert [d["path"] for d in refused.value.details] == ["/key_report"]
    with pytest.raises(ValidationFailed):  # all four level-1 indicators must be scored
        complete_task(
            expert,
            task.id,
            {
                "key_indicators": key_rows()[:3] + [key_rows()[0]],
                "key_opinion": "过程管理薄弱",
                "key_report": KEY_REPORT,
            },
        )
    _, ready = complete_task(
        expert,
        task.id,
        {"key_indicators": key_rows(), "key_opinion": "过程管理薄弱", "key_report": KEY_REPORT},
    )
    assert [t.activity_id for t in ready] == ["result_application"]
    assert instance.data["final_grade"] == "中", "72 of 100 points"
    assert instance.data["key_report"].startswith("attachment:")

    task = the_task(finance, "result_application")
    form = task_form(finance, task.id)
    assert form.data["final_grade"] == "中"
    assert form.data["evaluation"]["grade"] == "优", "the self-evaluation's grade stays shown"
    assert form.ui["key_indicators"]["ui:readonly"] is True
    instance, _ = complete_task(finance, task.id, result("中", "压减预算"))
    assert instance.status == "completed"
    assert (find_project(CODE, YEAR).grade, find_project(CODE, YEAR).score) == ("中", 72.0)


def test_key_evaluation_by_finance_itself_stays_in_finance(user, project):
    dept, finance = user("dept"), user("finance")
    instance, _ = start(user)
    complete_task(dept, the_task(dept, "fill_self_evaluation").id, self_report())
    _, ready = complete_task(
        finance,
        the_task(finance, "finance_review_self_evaluation").id,
        dict(FINANCE_PASS, key_evaluation=True, key_evaluator="finance"),
    )
    assert [t.activity_id for t in ready] == ["key_evaluation_finance"]
    assert ready[0].assignee_id is None and inbox(user("expert")) == []
    _, ready = complete_task(
        finance,
        ready[0].id,
        {
            "key_indicators": key_rows((19, 18, 28, 27)),
            "key_opinion": "绩效目标全部实现",
            "key_report": KEY_REPORT,
        },
    )
    assert [t.activity_id for t in ready] == ["result_application"]
    assert task_form(finance, ready[0].id).data["final_grade"] == "优"  # 92 of 100
    instance, _ = complete_task(finance, ready[0].id, result())
    assert find_project(CODE, YEAR).score == 92.0


def test_rectification_items_go_to_the_department_and_are_recorded(user, project):
    dept, finance = user("dept"), user("finance")
    instance, _ = start(user, "edu-school1")  # launched for the unit: its department evaluates
    complete_task(
        dept, the_task(dept, "fill_self_evaluation").id, self_report("2000", "70", "资金不到位")
    )
    complete_task(finance, the_task(finance, "finance_review_self_evaluation").id, FINANCE_PASS)
    task = the_task(finance, "result_application")
    assert task_form(finance, task.id).data["final_grade"] == "良"
    items = [{"description": "完善项目资金台账", "deadline": "2028-06-30"}]
    _, ready = complete_task(finance, task.id, result("良", "从严审核", items))
    assert [t.activity_id for t in ready] == ["rectification_follow_up"]

    task = the_task(dept, "rectification_follow_up")
    assert inbox(user("dept2")) == []
    form = task_form(dept, task.id)
    assert [(r["description"], r["deadline"], r["status"]) for r in form.data[ITEMS]] == [
        ("完善项目资金台账", "2028-06-30", "整改中")
    ]
    assert form.ui[ITEMS]["items"]["description"] == {"ui:readonly": True}
    assert form.ui[ITEMS]["items"]["status"] == {"ui:readonly": True}
    with pytest.raises(ValidationFailed):  # nothing said of the item
        complete_task(dept, task.id, {ITEMS: [{"description": "完善项目资金台账"}]})
    instance, ready = complete_task(
        dept,
        task.id,
        {
            ITEMS: [{"action_taken": "已建立分项目资金台账并按月对账", "progress": "已完成"}],
            "rectification_summary": "整改已完成",
        },
    )
    # Reported done is a claim: it waits for finance, which alone closes it.
    assert instance.status == "running"
    assert [t.activity_id for t in ready] == ["verify_rectification"]
    recorded = find_project(CODE, YEAR)
    assert (recorded.grade, recorded.next_year_tag) == ("良", "从严审核")
    assert item_states(recorded) == [("完善项目资金台账", "claimed", None)]

    instance, ready = complete_task(finance, ready[0].id, {ITEMS: [{"verification": "核实通过"}]})
    assert instance.status == "completed" and ready == []
    assert item_states(recorded) == [("完善项目资金台账", "closed", finance.id)]


def item_states(project) -> list[tuple]:
    return db.session.execute(
        select(
            RectificationItem.description,
            RectificationItem.status,
            RectificationItem.verified_by_id,
        ).where(RectificationItem.project_id == project.id)
    ).all()


def test_a_round_launched_by_finance_reaches_the_department_prefilled(user, project):
    launch = launch_campaign(user("finance"), KEY, YEAR)
    assert len(launch.started) == 1
    dept = user("dept")
    form = task_form(dept, the_task(dept, "fill_self_evaluation").id)
    assert form.data["project_code"] == CODE and form.data["adjusted_budget"] == 100
    assert form.data["approved_amount"] == 100 and form.data["unit_name"] == "县第一中学"
    assert form.data["department_function"] == "义务教育"
    assert form.ui["department_function"]["ui:readonly"] is True
    assert inbox(user("dept2")) == []


def test_a_key_evaluation_score_above_its_points_is_refused(user, project):
    dept, finance = user("dept"), user("finance")
    start(user)
    complete_task(dept, the_task(dept, "fill_self_evaluation").id, self_report())
    _, ready = complete_task(
        finance,
        the_task(finance, "finance_review_self_evaluation").id,
        dict(FINANCE_PASS, key_evaluation=True, key_evaluator="finance"),
    )
    rows = key_rows((19, 18, 28, 27))
    rows[1]["score"] = rows[1]["points"] + 5
    with pytest.raises(ValidationFailed) as refused:
        complete_task(
            finance,
            ready[0].id,
            {"key_indicators": rows, "key_opinion": "过程管理薄弱", "key_report": KEY_REPORT},
        )
    assert [d["path"] for d in refused.value.details] == ["/key_indicators/1/score"]
    assert refused.value.details[0]["message"] == "得分不得超过该项分值"


def test_the_final_grade_is_computed_and_cannot_be_typed_over(user, project):
    dept, finance = user("dept"), user("finance")
    instance, _ = start(user)
    complete_task(dept, the_task(dept, "fill_self_evaluation").id, self_report())
    _, ready = complete_task(
        finance, the_task(finance, "finance_review_self_evaluation").id, FINANCE_PASS
    )
    form = task_form(finance, ready[0].id)
    assert form.data["final_grade"] == "优" and form.ui["final_grade"] == {"ui:readonly": True}
    # A grade typed over the computed 优 is not taken: its tag then contradicts 优.
    with pytest.raises(ValidationFailed) as refused:
        complete_task(finance, ready[0].id, result("差", "取消预算"))
    assert [d["path"] for d in refused.value.details] == ["/next_year_tag"]
    db.session.rollback()
    complete_task(finance, ready[0].id, result("差", "优先保障"))
    assert find_project(CODE, YEAR).grade == "优"


def test_budget_a_and_spending_b_come_from_the_registry_not_from_the_department(user, project):
    dept = user("dept")
    instance, _ = start(user)
    task = the_task(dept, "fill_self_evaluation")
    form = task_form(dept, task.id)
    assert (form.data["adjusted_budget"], form.data["spent"]) == (100, 95)
    assert form.ui["spent"] == {"ui:readonly": True}
    assert form.ui["adjusted_budget"] == {"ui:readonly": True}
    complete_task(dept, task.id, {**self_report(), "adjusted_budget": 50, "spent": 50})
    db.session.refresh(instance)
    assert (instance.data["adjusted_budget"], instance.data["spent"]) == (100, 95)
    assert instance.data["evaluation"]["execution_rate"] == 0.95
