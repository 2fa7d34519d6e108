"""Driving an annual evaluation (annual_evaluation) to its rectification loop as the demo
roles: the department self-evaluates, finance passes it and sets the items at 评价结果应用;
then the department reports on each item and finance verifies each claim.

Used by the process, API, page and browser tests of 整改清单, each on the shipped
diagram and forms.
"""

from __future__ import annotations

from pathlib import Path

from app.extensions import db
from app.services.administration.deployment import deploy_definition
from app.services.runtime.instances import start_instance
from app.services.runtime.queries import list_inbox
from app.services.runtime.tasks import complete_task
from factories import SCHOOL_INDICATORS, approved_project, org
from factories import SCORED_SCHOOL_INDICATORS as INDICATORS

ROOT = Path(__file__).parents[1]
KEY = "annual_evaluation"
MONITORING = "quarterly_monitoring"
ITEMS = "rectification_items"
FOLLOW_UP, VERIFY = "rectification_follow_up", "verify_rectification"
LEDGER = {"description": "完善项目资金台账", "deadline": "2028-06-30"}
RECORDS = {"description": "规范项目验收资料归档", "deadline": "2028-03-31"}


def deploy_evaluation(key: str = KEY) -> None:
    """The shipped annual_evaluation (or the process `key`) with every shipped form."""
    forms = {path.name: path.read_bytes() for path in sorted((ROOT / "forms").glob("*.json"))}
    path = ROOT / "processes" / f"{key}.bpmn"
    deploy_definition(None, path.read_bytes(), path.name, {}, None, forms)
    db.session.commit()


def evaluated_with_items(user, items: list[dict], code: str = "JY-2027-001", year: int = 2027):
    """A project of 县第一中学 evaluated to 良 with `items` set, at the department's
    follow-up; answers the submission. The shipped evaluation must be deployed."""
    dept, finance = user("dept"), user("finance")
    approved_project(code, year, INDICATORS)
    instance, _ = start_instance(
        finance,
        KEY,
        title=f"{year}年度绩效评价 · 校舍维修改造",
        org_id=org("edu").id,
        prefill={
            "project_code": code,
            "project_name": "校舍维修改造",
            "fiscal_year": year,
            "approved_amount": 100,
            "adjusted_budget": 100,
            "spent": 95,
            "indicators": INDICATORS,
        },
    )
    rows = [
        dict(INDICATORS[0], actual="2400", deviation_reason="一栋楼顺延施工"),
        dict(INDICATORS[1], qualitative_result="达成"),
        dict(INDICATORS[2], actual="95"),
    ]
    step(
        dept,
        instance,
        "fill_self_evaluation",
        {
            "planned_outputs": "完成三栋教学楼维修改造3000平方米",
            "actual_outputs": "完成2500平方米",
            "indicators": rows,
            "evaluation_conclusion": "项目基本完成年度目标。",
        },
    )
    step(
        finance,
        instance,
        "finance_review_self_evaluation",
        {"finance_decision": "pass", "finance_opinion": "同意", "key_evaluation": False},
    )
    grade = instance.data["final_grade"]
    step(
        finance,
        instance,
        "result_application",
        {
            "final_grade": grade,
            "next_year_tag": {"优": "优先保障", "良": "从严审核", "中": "压减预算"}[grade],
            "rectification": items,
            "disclose": False,
            "report_to_government": True,
        },
    )
    return instance


def monitored_with_correction(user, correction: dict, code: str = "JY-2027-002"):
    """A red second-quarter report of 县第一中学 through its correction plan and the
    department, passed by finance with `correction` (correction_decision, ...); answers
    the submission. The shipped quarterly_monitoring must be deployed."""
    unit, dept, finance = user("unit"), user("dept"), user("finance")
    approved_project(code, 2027, SCHOOL_INDICATORS)
    instance, _ = start_instance(
        finance,
        MONITORING,
        title="第2季度绩效监控 · 校舍维修改造",
        org_id=org("edu-school1").id,
        prefill={
            "project_code": code,
            "project_name": "校舍维修改造",
            "fiscal_year": 2027,
            "quarter": 2,
            "adjusted_budget": 100,
            "indicators": SCHOOL_INDICATORS,
        },
    )
    rows = [
        dict(
            SCHOOL_INDICATORS[0],
            actual="500",
            expected_full_year="3000",
            likelihood="有可能",
            deviation_reasons=["制度"],
            measures="暑期集中施工",
        ),
        dict(SCHOOL_INDICATORS[1], qualitative_result="达成", likelihood="确定能"),
    ]
    report = {"spent": 10, "reached_stage_goal": False, "indicators": rows}
    report.update(delay_reason_type="政府采购程序", progress_analysis="施工招标延期")
    step(unit, instance, "fill_monitoring_report", report)
    plan = {"correction_reason": "施工招标延期", "correction_measures": "七月重新招标"}
    step(unit, instance, "correction_plan", plan)
    step(dept, instance, "dept_review", {"dept_decision": "approve"})
    step(finance, instance, "finance_review", {"finance_decision": "pass", **correction})
    return instance


def task_of(actor, instance, activity: str):
    """The one ready task of `instance` at `activity` in `actor`'s inbox."""
    found = [
        t
        for t in list_inbox(actor).tasks
        if t.instance_id == instance.id and t.activity_id == activity
    ]
    assert len(found) == 1, f"{actor.username} should have one {activity}, has {found}"
    return found[0]


def step(actor, instance, activity: str, data: dict):
    return complete_task(actor, task_of(actor, instance, activity).id, data)


def report(actor, instance, *progress: str, action: str = "已建立分项目资金台账并按月对账"):
    """The department's report: each item's progress in the order they are listed."""
    return step(
        actor,
        instance,
        FOLLOW_UP,
        {ITEMS: [{"action_taken": action, "progress": said} for said in progress]},
    )


def verify(actor, instance, *decisions: tuple[str, str | None] | None):
    """Finance's verification: (结论, 理由) per listed item, None for one not claimed."""
    rows = []
    for decision in decisions:
        row = {}
        if decision is not None:
            row["verification"] = decision[0]
            if decision[1]:
                row["verification_reason"] = decision[1]
        rows.append(row)
    return step(actor, instance, VERIFY, {ITEMS: rows})
