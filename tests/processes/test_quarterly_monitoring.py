"""季度绩效监控 (quarterly_monitoring): each path through the diagram, driven as the real
roles through the services — who gets each task, what it shows, where it ends."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ProjectEvent
from app.performance.registry import find_project
from app.services.foundation.errors import ValidationFailed
from app.services.operations.setup import add_user
from app.services.runtime import queries
from app.services.runtime.forms_view import task_form
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import SCHOOL_INDICATORS, approved_project, org

KEY = "quarterly_monitoring"
CODE, YEAR = "JY-2027-001", 2027
INDICATORS = SCHOOL_INDICATORS


@pytest.fixture
def project(deployed):
    deployed(KEY)
    return approved_project(CODE, YEAR, INDICATORS, department_function="义务教育")


def start(user, quarter: int = 2):
    """Finance launches a round for the school, with the prefill a campaign gives."""
    instance, ready = start_instance(
        user("finance"),
        KEY,
        title=f"第{quarter}季度绩效监控 · 校舍维修改造",
        org_id=org("edu-school1").id,
        prefill={
            "project_code": CODE,
            "project_name": "校舍维修改造",
            "fiscal_year": YEAR,
            "quarter": quarter,
            "adjusted_budget": 100,
            "indicators": INDICATORS,
        },
    )
    return instance, ready


def inbox(actor, activity: str | None = None):
    tasks = queries.list_inbox(actor, process=KEY).tasks
    return [t for t in tasks if activity is None or t.activity_id == activity]


def the_task(actor, activity: str):
    found = inbox(actor, activity)
    assert len(found) == 1, f"{actor.username} should have one {activity}, has {found}"
    return found[0]


def report(spent=50, area="1500", likelihood="确定能", **extra) -> dict:
    rows = [
        dict(INDICATORS[0], actual=area, expected_full_year="3000", likelihood=likelihood),
        dict(INDICATORS[1], qualitative_result="达成", likelihood="确定能"),
    ]
    if likelihood != "确定能":
        rows[0].update(deviation_reasons=["人员", "其他"], measures="暑期集中施工")
    data = {
        "spent": spent,
        "reached_stage_goal": True,
        "indicators": rows,
    }
    if spent < 50:
        data.update(delay_reason_type="政府采购程序", progress_analysis="施工招标延期")
    data.update(extra)
    return data


def history(user, instance) -> list[tuple]:
    detail = queries.instance_detail(user("finance"), instance.id)
    return [
        (e.action, e.activity_id, e.actor.username if e.actor else None) for e in detail.history
    ]


def test_on_track_report_goes_unit_dept_finance_and_records_a_green_light(user, project):
    unit, dept, finance = user("unit"), user("dept"), user("finance")
    instance, ready = start(user)
    assert [t.activity_id for t in ready] == ["fill_monitoring_report"]
    assert ready[0].due_at > ready[0].created_at, "the unit reports within 10 days (P10D)"

    task = the_task(unit, "fill_monitoring_report")
    assert inbox(user("unit2")) == [] and inbox(user("dept2")) == []
    form = task_form(unit, task.id)
    assert form.data["quarter"] == 2 and form.data["adjusted_budget"] == 100
    assert [r["name"] for r in form.data["indicators"]] == ["维修校舍面积", "师生满意度"]
    assert form.data["indicators"][0]["target"] == "3000"
    assert form.ui["indicators"]["items"]["target"] == {"ui:readonly": True}

    _, ready = complete_task(unit, task.id, report())
    assert [t.activity_id for t in ready] == ["dept_review"], "no correction needed"
    assert instance.data["assessment"]["project_light"] == "green"
    assert instance.data["assessment"]["execution_light"] == "green"

    task = the_task(dept, "dept_review")
    assert inbox(user("dept2")) == []
    assert task_form(dept, task.id).data["spent"] == 50
    complete_task(dept, task.id, {"dept_decision": "approve"})

    task = the_task(finance, "finance_review")
    assert inbox(dept) == []
    instance, ready = complete_task(finance, task.id, {"finance_decision": "pass"})

    assert ready == [] and instance.status == "completed"
    assert history(user, instance)[-3:] == [
        ("completed", "dept_review", "dept"),
        ("completed", "finance_review", "finance"),
        ("finished", None, "finance"),
    ]
    recorded = find_project(CODE, YEAR)
    assert (recorded.latest_quarter, recorded.latest_light) == (2, "green")
    assert recorded.latest_execution_rate == 0.5
    assert recorded.spent == 50, "what finance passed is the evaluation's B"


def test_deviation_needs_a_correction_plan_and_a_correction_decision(user, project):
    unit, dept, finance = user("unit"), user("dept"), user("finance")
    instance, _ = start(user)
    task = the_task(unit, "fill_monitoring_report")
    _, ready = complete_task(unit, task.id, report(spent=10, area="500", likelihood="有可能"))
    assert [t.activity_id for t in ready] == ["correction_plan"]

    task = the_task(unit, "correction_plan")
    form = task_form(unit, task.id)
    assert form.data["assessment"]["needs_correction"] is True
    assert form.data["assessment"]["execution_light"] == "red"
    assert form.ui["assessment"]["ui:readonly"] is True
    with pytest.raises(ValidationFailed):
        complete_task(unit, task.id, {"correction_reason": "招标延期"})
    complete_task(
        unit,
        task.id,
        {
            "correction_reason": "招标延期导致工程款未支付",
            "correction_measures": "七月起每周调度，八月底前支付进度款",
            "target_changes": [
                {
                    "name": "维修校舍面积",
                    "target": "3000",
                    "proposed_target": "2500",
                    "change_reason": "一栋楼列入明年改扩建",
                }
            ],
        },
    )
    task = the_task(dept, "dept_review")
    assert task_form(dept, task.id).data["correction_measures"].startswith("七月起")
    complete_task(dept, task.id, {"dept_decision": "approve"})

    task = the_task(finance, "finance_review")
    with pytest.raises(ValidationFailed) as refused:
        complete_task(finance, task.id, {"finance_decision": "pass"})
    assert {d["path"] for d in refused.value.details} >= {
        "/correction_decision",
        "/correction_decision_reason",
    }
    with pytest.raises(ValidationFailed) as refused:
        complete_task(
            finance,
            task.id,
            {
                "finance_decision": "pass",
                "correction_decision": "调减预算",
                "correction_decision_reason": "全年无法执行完毕",
            },
        )
    assert [d["path"] for d in refused.value.details] == ["/correction_amount"]
    instance, ready = complete_task(
        finance,
        task.id,
        {
            "finance_decision": "pass",
            "key_monitoring": True,
            "correction_decision": "调减预算",
            "correction_amount": 30,
            "correction_decision_reason": "全年无法执行完毕，调减30万元",
        },
    )
    # The decision is recorded and becomes the department's rectification item, which
    # keeps the submission open until finance verifies it done (tests/processes/
    # test_rectification.py follows it to the end).
    assert [t.activity_id for t in ready] == ["rectification_follow_up"]
    assert ready[0].role_code == "budget_department"
    assert instance.data["correction_decision"] == "调减预算"
    assert find_project(CODE, YEAR).latest_light == "red"
    recorded = db.session.scalars(
        select(ProjectEvent).where(ProjectEvent.kind == "monitored").order_by(ProjectEvent.id)
    ).all()[-1]
    assert recorded.details["correction"] == {
        "decision": "调减预算",
        "amount": 30,
        "reason": "全年无法执行完毕，调减30万元",
    }
    assert recorded.summary.endswith("纠偏决定：调减预算 30 万元")


def test_impossible_target_forces_correction_even_when_money_is_on_time(user, project):
    unit = user("unit")
    start(user)
    task = the_task(unit, "fill_monitoring_report")
    _, ready = complete_task(unit, task.id, report(spent=60, area="1500", likelihood="完全不可能"))
    assert [t.activity_id for t in ready] == ["correction_plan"]


def test_unreached_progress_needs_a_reason_type_and_deviation_reasons_per_row(user, project):
    unit = user("unit")
    start(user)
    task = the_task(unit, "fill_monitoring_report")
    data = report(spent=10)
    del data["delay_reason_type"]
    data["indicators"][0]["likelihood"] = "有可能"
    with pytest.raises(ValidationFailed) as refused:
        complete_task(unit, task.id, data)
    paths = {d["path"] for d in refused.value.details}
    assert "/delay_reason_type" in paths
    assert "/indicators/0/deviation_reasons" in paths and "/indicators/0/measures" in paths
    assert inbox(unit, "fill_monitoring_report")[0].id == task.id, "nothing changed"


def test_department_return_shows_its_opinion_to_the_unit(user, project):
    unit, dept = user("unit"), user("dept")
    start(user)
    complete_task(unit, the_task(unit, "fill_monitoring_report").id, report())
    _, ready = complete_task(
        dept,
        the_task(dept, "dept_review").id,
        {"dept_decision": "return", "dept_opinion": "支出数与账面不符，请核对"},
    )
    assert [t.activity_id for t in ready] == ["fill_monitoring_report"]
    task = the_task(unit, "fill_monitoring_report")
    form = task_form(unit, task.id)
    assert form.data["dept_opinion"] == "支出数与账面不符，请核对"
    assert form.data["spent"] == 50, "the earlier report comes back prefilled"
    assert form.ui["dept_opinion"]["ui:readonly"] is True
    assert "dept_opinion" in form.schema["properties"]

    # the unit cannot rewrite the department's opinion
    complete_task(unit, task.id, report(spent=52, dept_opinion="已改"))
    task = the_task(dept, "dept_review")
    assert task_form(dept, task.id).data["dept_opinion"] == "支出数与账面不符，请核对"
    complete_task(dept, task.id, {"dept_decision": "approve"})
    assert the_task(user("finance"), "finance_review")


def test_finance_rejection_goes_back_to_the_unit_with_its_opinion(user, project):
    unit, dept, finance = user("unit"), user("dept"), user("finance")
    instance, _ = start(user)
    complete_task(unit, the_task(unit, "fill_monitoring_report").id, report())
    complete_task(dept, the_task(dept, "dept_review").id, {"dept_decision": "approve"})
    task = the_task(finance, "finance_review")
    with pytest.raises(ValidationFailed):
        complete_task(finance, task.id, {"finance_decision": "reject"})
    _, ready = complete_task(
        finance, task.id, {"finance_decision": "reject", "finance_opinion": "指标完成值无佐证"}
    )
    assert [t.activity_id for t in ready] == ["fill_monitoring_report"]
    form = task_form(unit, the_task(unit, "fill_monitoring_report").id)
    assert form.data["finance_opinion"] == "指标完成值无佐证"
    assert form.ui["finance_opinion"]["ui:readonly"] is True
    assert instance.status == "running"


@pytest.mark.parametrize("referral", ["expert", "agency"])
def test_referral_goes_to_the_named_expert_only_and_comes_back_to_finance(user, project, referral):
    unit, dept, finance, expert = user("unit"), user("dept"), user("finance"), user("expert")
    other_expert = add_user("expert2", "另一位专家", expert.org, ["expert"], "x")
    db.session.commit()
    instance, _ = start(user)
    complete_task(unit, the_task(unit, "fill_monitoring_report").id, report())
    complete_task(dept, the_task(dept, "dept_review").id, {"dept_decision": "approve"})
    task = the_task(finance, "finance_review")
    with pytest.raises(ValidationFailed) as refused:
        complete_task(finance, task.id, {"finance_decision": referral})
    assert [d["path"] for d in refused.value.details] == ["/expert_username"]
    _, ready = complete_task(
        finance,
        task.id,
        {
            "finance_decision": referral,
            "expert_username": "expert",
            "finance_opinion": "请评估全年目标能否实现",
        },
    )
    assert [t.activity_id for t in ready] == ["expert_review"]
    assert ready[0].assignee_id == expert.id

    task = the_task(expert, "expert_review")
    assert inbox(other_expert) == [] and inbox(user("dept2")) == [] and inbox(unit) == []
    form = task_form(expert, task.id)
    assert form.data["finance_opinion"] == "请评估全年目标能否实现"
    assert form.data["assessment"]["project_light"] == "green"
    complete_task(
        expert,
        task.id,
        {"expert_conclusion": "运行正常", "expert_opinion": "进度与目标匹配，建议按计划推进。"},
    )

    task = the_task(finance, "finance_review")
    form = task_form(finance, task.id)
    assert form.data["expert_opinion"] == "进度与目标匹配，建议按计划推进。"
    assert form.ui["expert_opinion"]["ui:readonly"] is True
    instance, _ = complete_task(finance, task.id, {"finance_decision": "pass"})
    assert instance.status == "completed"
    assert [a for a in history(user, instance) if a[1] == "expert_review"] == [
        ("completed", "expert_review", "expert")
    ]


def test_referral_to_someone_without_the_expert_role_is_refused(user, project):
    unit, dept, finance = user("unit"), user("dept"), user("finance")
    start(user)
    complete_task(unit, the_task(unit, "fill_monitoring_report").id, report())
    complete_task(dept, the_task(dept, "dept_review").id, {"dept_decision": "approve"})
    task = the_task(finance, "finance_review")
    from app.services.foundation.errors import BadRequest

    with pytest.raises(BadRequest):
        complete_task(finance, task.id, {"finance_decision": "expert", "expert_username": "dept"})
    assert the_task(finance, "finance_review").id == task.id


def test_a_quarter_round_launched_by_finance_reaches_the_unit_prefilled(user, project):
    from app.services.registry.campaigns import launch_campaign

    launch = launch_campaign(user("finance"), KEY, YEAR, quarter=3)
    assert len(launch.started) == 1
    unit = user("unit")
    form = task_form(unit, the_task(unit, "fill_monitoring_report").id)
    assert (form.data["quarter"], form.data["adjusted_budget"]) == (3, 100)
    assert form.data["department_name"] == "县教育局" and form.data["unit_name"] == "县第一中学"
    # The function the department grouped it under at compilation, shown and not editable.
    assert form.data["department_function"] == "义务教育"
    assert form.ui["department_function"]["ui:readonly"] is True
    assert [r["name"] for r in form.data["indicators"]] == ["维修校舍面积", "师生满意度"]
    assert inbox(user("unit2")) == []


def test_a_report_still_missing_after_ten_working_days_is_escalated_to_the_department_and_finance(
    app, user, project
):
    from datetime import datetime

    from app.models import Notification
    from app.services.foundation.jobs import run_due_jobs

    app.config["CLOCK"] = lambda: datetime(2027, 7, 1, 9, 0)  # a Thursday
    instance, _ = start(user)
    app.config["CLOCK"] = lambda: datetime(2027, 7, 14, 9, 0)  # 9 working days on
    assert run_due_jobs("w").done == 0
    # the 10th, when the offices close (17:30 Beijing): due, still open
    app.config["CLOCK"] = lambda: datetime(2027, 7, 15, 9, 30)
    assert run_due_jobs("w").done == 1
    told = set(
        db.session.scalars(select(Notification.user_id).where(Notification.kind == "escalation"))
    )
    assert told == {user("dept").id, user("finance").id}
    assert ("escalated", "fill_monitoring_report", None) in history(user, instance)
    app.config["CLOCK"] = None


def test_whether_the_project_reaches_time_progress_is_computed_not_declared(user, project):
    unit = user("unit")
    start(user, quarter=2)  # half the year: spending 40 of 100 is behind
    task = the_task(unit, "fill_monitoring_report")
    assert "reached_time_progress" not in task_form(unit, task.id).schema["properties"]
    without_reason = report(spent=40)
    del without_reason["delay_reason_type"]
    with pytest.raises(ValidationFailed) as refused:
        complete_task(unit, task.id, without_reason)
    assert [d["path"] for d in refused.value.details] == ["/delay_reason_type"]
    assert "执行率 40.0% 未达到序时进度 50.0%" in refused.value.details[0]["message"]
    db.session.rollback()
    instance, _ = complete_task(unit, task.id, report(spent=40))
    assert instance.data["assessment"]["reaches_time_progress"] is False
