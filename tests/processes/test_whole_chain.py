"""The chain of BRIEF.md as one story: a project's targets, set and approved at compilation,
are what every quarter's monitoring reports against, what the evaluation scores, and its
grade refuses a mid-year addition and is what finance sees when selecting next year.

Everything is done through the services as the real demo accounts; the clock moves with
the budget year (app.config["CLOCK"]), nothing sleeps."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, ProjectEvent, Task
from app.performance.registry import find_project
from app.services.foundation.errors import ValidationFailed
from app.services.registry.campaigns import launch_campaign
from app.services.runtime.forms_view import task_form
from app.services.runtime.instances import start_instance
from app.services.runtime.queries import list_inbox
from app.services.runtime.tasks import complete_task
from county_review import COUNTY, approve_county_budget

CODE = "JY-2027-001"
PROPOSED = [
    {
        "level1": "产出指标",
        "level2": "数量指标",
        "name": "改造教室数量",
        "sign": "≥",
        "target": "12",
        "unit": "间",
        "period": "年度",
        "points": 50,
    },
    {
        "level1": "效益指标",
        "level2": "社会效益指标",
        "name": "学生学习条件改善",
        "sign": "定性",
        "target": "明显改善",
        "unit": "",
        "period": "年度",
        "points": 30,
    },
    {
        "level1": "满意度指标",
        "level2": "服务对象满意度指标",
        "name": "师生满意度",
        "sign": "定性",
        "target": "满意",
        "unit": "",
        "period": "年度",
        "points": 10,
    },
]
# Finance's target review has the department raise the classroom target before the budget
# goes to the government and the congress: what is approved is what counts from then on.
APPROVED = [dict(PROPOSED[0], target="13"), PROPOSED[1], PROPOSED[2]]
# Finance's key evaluation (决策 20, 过程 20, 产出 30, 效益 30) for each grade it ends in.
KEY_SCORES = {"差": (12, 8, 18, 16), "中": (15, 12, 20, 18)}


def project_form(year: int, nature: str, requested: float) -> dict:
    return {
        "project_code": CODE,
        "project_name": "县第一中学教室改造",
        "fiscal_year": year,
        "department_name": "县教育局",
        "unit_name": "县第一中学",
        "nature": nature,
        "project_type": "阶段性",
        "plan_start_date": f"{year}-03-01",
        "plan_end_date": f"{year}-12-31",
        "total_fiscal_funds": requested,
        "requested_amount": requested,
        "functional_category": "2050203 初中教育",
        "special_fund": "教育发展专项资金",
        "funding_source": "本级财政",
        "overall_goal": "三年内完成全校教室标准化改造",
        "annual_goal": "完成 12 间教室改造并投入使用",
        "project_content": "改造 12 间普通教室为标准化教室，更新课桌椅和照明",
        "cost_basis": "12 间 × 25 万元/间 = 300 万元",
        "safeguards": "成立改造工作专班，按政府采购程序实施",
        "indicators": PROPOSED,
    }


def department_filing(year: int, amount: float) -> dict:
    """县教育局's 部门整体绩效目标 of the year: one function (义务教育) carrying the
    project's money, with indicators whose points make up the levels' weights."""

    def indicator(level1: str, level2: str, name: str, target: str, unit: str, points: int):
        return {
            "function_name": "义务教育",
            "level1": level1,
            "level2": level2,
            "name": name,
            "sign": "≥",
            "target": target,
            "unit": unit,
            "points": points,
        }

    return {
        "overall_goal": "办学条件达标率提升到 95%",
        "county_goal_alignment": "支撑县政府“教育强县”年度目标",
        "total_amount": amount,
        "functions": [{"name": "义务教育", "amount": amount, "goal": "办学条件标准化"}],
        "indicators": [
            indicator("产出指标", "数量指标", "改造教室数量", "12", "间", 50),
            indicator("效益指标", "社会效益指标", "办学条件达标率", "95", "%", 30),
            indicator("满意度指标", "服务对象满意度指标", "家长满意度", "90", "%", 10),
        ],
    }


def file_department_targets(user, year: int, amount: float) -> None:
    """The department files its year targets once (finance opens the filing, the
    department fills it, finance approves): what every project of the year is grouped under."""
    finance, dept = user("finance"), user("dept")
    department = dept.org
    instance, _ = start_instance(
        finance,
        "department_targets",
        title=f"{year}年度部门整体绩效目标申报 · {department.name}",
        org_id=department.id,
        prefill={"fiscal_year": year, "department_name": department.name},
    )
    complete(dept, "department_targets", "fill_department_targets", department_filing(year, amount))
    complete(
        finance,
        "department_targets",
        "finance_review_department_targets",
        {"finance_decision": "approve", "finance_opinion": "同意"},
    )


PRE_EVALUATION = {
    "score_necessity": 18,
    "score_economy": 16,
    "score_targets": 17,
    "score_feasibility": 18,
    "score_compliance": 19,
    "pre_eval_conclusion": "予以支持",
    "suggested_amount": 300,
    "pre_eval_report": "data:application/pdf;name=预评估报告.pdf;base64,JVBERi0=",
}
KEY_REPORT = "data:text/plain;name=重点评价报告.txt;base64,6YeN54K56K+E5Lu35oql5ZGK"

# quarter → (report date, spent 万元, classrooms done, light finance records)
QUARTERS = {
    1: (datetime(2027, 4, 6, 9), 70, "3", "green"),
    2: (datetime(2027, 7, 6, 9), 85, "3", "red"),
    3: (datetime(2027, 10, 9, 9), 190, "9", "green"),
    4: (datetime(2028, 1, 6, 9), 285, "12", "green"),
}


def the_task(actor, process: str, activity: str):
    tasks = [t for t in list_inbox(actor, process=process).tasks if t.activity_id == activity]
    assert len(tasks) == 1, f"{actor.username} should have one {activity}, has {len(tasks)}"
    return tasks[0]


def complete(actor, process: str, activity: str, data: dict):
    instance, ready = complete_task(actor, the_task(actor, process, activity).id, data)
    return instance, [t.activity_id for t in ready]


def events(kind: str | None = None, year: int = 2027) -> list[ProjectEvent]:
    project = find_project(CODE, year)
    query = select(ProjectEvent).where(ProjectEvent.project_id == project.id)
    if kind:
        query = query.where(ProjectEvent.kind == kind)
    return list(db.session.scalars(query.order_by(ProjectEvent.id)))


def compile_and_approve_2027(user, clock) -> None:
    unit, dept, finance, expert = user("unit"), user("dept"), user("finance"), user("expert")
    key = "budget_compilation"
    start_instance(unit, key, title="县第一中学教室改造")
    complete(unit, key, "fill_project_targets", project_form(2027, "新增", 320))
    assert list_inbox(user("dept2"), process=key).tasks == []
    complete(dept, key, "dept_review", {"dept_decision": "approve"})
    _, ready = complete(dept, key, "choose_project_function", {"project_function": "义务教育"})
    assert ready == ["organise_pre_evaluation"], "a new project is pre-evaluated"
    complete(
        finance,
        key,
        "organise_pre_evaluation",
        {"expert_username": "expert", "pre_eval_method": "专家评审"},
    )
    assert the_task(expert, key, "pre_evaluation").assignee_id == expert.id
    complete(expert, key, "pre_evaluation", PRE_EVALUATION)

    review = the_task(finance, key, "finance_target_review")
    prefill = task_form(finance, review.id).data
    assert prefill["pre_eval_score"] == 88 and prefill["indicators"] == PROPOSED
    complete(
        finance,
        key,
        "finance_target_review",
        {"target_grade": "中", "target_opinion": "改造教室数量目标偏低，请按实际需要提高"},
    )
    complete(
        dept,
        key,
        "dept_revise_targets",
        {
            "annual_goal": project_form(2027, "新增", 320)["annual_goal"],
            "indicators": APPROVED,
            "revision_note": "改造教室数量提高到 13 间",
        },
    )
    complete(finance, key, "finance_target_review", {"target_grade": "优"})
    rank = the_task(finance, key, "rank_and_select")
    prefill = task_form(finance, rank.id).data
    assert (prefill["last_grade"], prefill["low_performing"]) == ("", False), "no history yet"
    complete(
        finance,
        key,
        "rank_and_select",
        {"funded": "yes", "priority_rank": 1, "approved_amount": 300},
    )

    clock.at = datetime(2027, 1, 15, 9)
    approve_county_budget(user, 2027)  # the county's draft as a whole, then released
    clock.at = datetime(2027, 1, 25, 9)
    reply = the_task(finance, key, "finance_reply")
    assert task_form(finance, reply.id).data["indicators"] == APPROVED
    complete(
        finance,
        key,
        "finance_reply",
        {
            "reply_date": "2027-01-25",
            "reply_doc_no": "县财预〔2027〕12号",
        },
    )
    instance, _ = complete(dept, key, "dept_reply_to_unit", {"dept_reply_date": "2027-02-08"})
    assert instance.status == "completed"

    project = find_project(CODE, 2027)
    assert (project.status, project.approved_amount, project.adjusted_amount) == (
        "approved",
        300,
        300,
    )
    assert project.indicators == APPROVED and project.nature == "新增"
    assert [(e.kind, e.at) for e in events()] == [("approved", datetime(2027, 1, 25, 9))]


def monitoring_report(quarter: int, indicators: list[dict]) -> dict:
    _, spent, classrooms, _ = QUARTERS[quarter]
    behind = quarter == 2
    rows = [
        dict(
            indicators[0],
            actual=classrooms,
            expected_full_year="13" if not behind else "11",
            likelihood="有可能" if behind else "确定能",
        ),
        dict(indicators[1], qualitative_result="达成", likelihood="确定能"),
        dict(indicators[2], qualitative_result="达成", likelihood="确定能"),
    ]
    if behind:
        rows[0].update(deviation_reasons=["经费", "其他"], measures="暑期集中施工，每周调度")
    data = {
        "spent": spent,
        "reached_stage_goal": not behind,
        "indicators": rows,
    }
    # Whether spending reaches time progress is computed from 300 万元 and the quarter;
    # below it, the unit says why.
    if spent / 300 < quarter / 4:
        data.update(
            delay_reason_type="政府采购程序" if behind else "合同约定暂未支付",
            progress_analysis="二期施工招标流标，重新招标延误两个月"
            if behind
            else "按合同进度节点付款，本季度末尚未到付款节点",
        )
    return data


def monitor_the_year(user, clock) -> None:
    unit, dept, finance = user("unit"), user("dept"), user("finance")
    key = "quarterly_monitoring"
    project = find_project(CODE, 2027)
    for quarter, (at, _spent, _done, light) in QUARTERS.items():
        clock.at = at
        launch = launch_campaign(finance, key, 2027, quarter=quarter)
        assert [i.round_item for i in launch.started] == [CODE]
        assert launch.started[0].project_id == project.id

        task = the_task(unit, key, "fill_monitoring_report")
        form = task_form(unit, task.id)
        assert form.data["indicators"] == APPROVED, "the approved targets, not the proposed"
        assert (form.data["quarter"], form.data["adjusted_budget"]) == (quarter, 300)
        _, ready = complete_task(unit, task.id, monitoring_report(quarter, form.data["indicators"]))
        instance = launch.started[0]
        assert instance.data["assessment"]["project_light"] == light

        if light == "red":
            assert [t.activity_id for t in ready] == ["correction_plan"]
            assert instance.data["assessment"]["execution_light"] == "red"
            complete(
                unit,
                key,
                "correction_plan",
                {
                    "correction_reason": "二期招标流标，工程款未能支付",
                    "correction_measures": "七月重新招标，暑期两班倒施工，九月底前完成 9 间",
                },
            )
        else:
            assert [t.activity_id for t in ready] == ["dept_review"]
        complete(dept, key, "dept_review", {"dept_decision": "approve"})
        decision = {"finance_decision": "pass"}
        if light == "red":
            with pytest.raises(ValidationFailed):  # a deviation needs a correction decision
                complete(finance, key, "finance_review", decision)
            decision.update(
                key_monitoring=True,
                correction_decision="暂缓拨款",
                correction_decision_reason="重新招标完成前暂缓拨付二期工程款",
            )
        instance, _ = complete(finance, key, "finance_review", decision)
        if light == "red":  # the correction is the department's to carry out, finance's to verify
            done = {"action_taken": "七月完成重新招标，施工单位已进场", "progress": "已完成"}
            complete(dept, key, "rectification_follow_up", {"rectification_items": [done]})
            instance, _ = complete(
                finance,
                key,
                "verify_rectification",
                {"rectification_items": [{"verification": "核实通过"}]},
            )
        assert instance.status == "completed"

        db.session.refresh(project)
        assert (project.latest_quarter, project.latest_light) == (quarter, light)

    monitored = events("monitored")
    assert [e.details["quarter"] for e in monitored] == [1, 2, 3, 4]
    assert [e.details["assessment"]["project_light"] for e in monitored] == [
        "green",
        "red",
        "green",
        "green",
    ]
    assert monitored[1].summary.endswith("纠偏决定：暂缓拨款")
    assert monitored[1].details["correction"]["decision"] == "暂缓拨款"
    assert [e.details["correction"]["decision"] for e in monitored] == [
        None,
        "暂缓拨款",
        None,
        None,
    ]
    assert project.latest_execution_rate == 0.95


def evaluate_the_year(user, clock, grade: str) -> None:
    dept, finance = user("dept"), user("finance")
    key = "annual_evaluation"
    clock.at = datetime(2028, 2, 20, 9)
    launch = launch_campaign(finance, key, 2027)
    assert [i.round_item for i in launch.started] == [CODE]
    assert list_inbox(user("dept2"), process=key).tasks == []

    task = the_task(dept, key, "fill_self_evaluation")
    form = task_form(dept, task.id)
    assert form.data["indicators"] == APPROVED
    assert (form.data["approved_amount"], form.data["adjusted_budget"]) == (300, 300)
    rows = [
        dict(APPROVED[0], actual="12", deviation_reason="1 间教室因结构鉴定顺延"),
        dict(APPROVED[1], qualitative_result="部分达成", deviation_reason="多媒体设备未全部到位"),
        dict(APPROVED[2], qualitative_result="部分达成", deviation_reason="施工期间影响教学"),
    ]
    _, ready = complete_task(
        dept,
        task.id,
        {
            "approved_amount": 300,
            "adjusted_budget": 300,
            "spent": 285,
            "planned_outputs": "完成 13 间教室改造并投入使用",
            "actual_outputs": "完成 12 间教室改造",
            "indicators": rows,
            "evaluation_conclusion": "基本完成年度目标，二期进度滞后。",
        },
    )
    assert [t.activity_id for t in ready] == ["finance_review_self_evaluation"]
    instance = launch.started[0]
    assert instance.data["evaluation"]["grade"] == "良"  # 9.5 + 46.15 + 21 + 7 = 83.65

    # A project that went red is one finance evaluates itself (重点评价).
    complete(
        finance,
        key,
        "finance_review_self_evaluation",
        {
            "finance_decision": "pass",
            "finance_opinion": "自评偏高，列入重点评价",
            "key_evaluation": True,
            "key_evaluator": "finance",
        },
    )
    complete(
        finance,
        key,
        "key_evaluation_finance",
        {
            "key_indicators": [
                {"level1": level, "points": points, "score": score}
                for level, points, score in zip(
                    ("决策", "过程", "产出", "效益"),
                    (20, 20, 30, 30),
                    KEY_SCORES[grade],
                    strict=True,
                )
            ],
            "key_opinion": "招标管理薄弱，资金长期滞留，效益未达预期",
            "key_report": KEY_REPORT,
        },
    )
    total = sum(KEY_SCORES[grade])
    task = the_task(finance, key, "result_application")
    assert task_form(finance, task.id).data["final_grade"] == grade
    tag = {"差": "取消预算", "中": "压减预算"}[grade]
    result = {
        "final_grade": grade,
        "next_year_tag": "优先保障",
        "application_opinion": f"重点评价 {total} 分，等级为{grade}",
        "rectification": [],
        "disclose": True,
        "report_to_government": True,
    }
    with pytest.raises(ValidationFailed) as refused:  # the tag is the grade's own
        complete_task(finance, task.id, result)
    assert [d["path"] for d in refused.value.details] == ["/next_year_tag"]
    instance, _ = complete_task(finance, task.id, dict(result, next_year_tag=tag))
    assert instance.status == "completed"

    project = find_project(CODE, 2027)
    assert (project.score, project.grade, project.next_year_tag) == (float(total), grade, tag)
    assert events()[-1].kind == "evaluated" and events()[-1].at == datetime(2028, 2, 20, 9)


def ask_for_an_addition(user, clock, grade: str) -> None:
    unit = user("unit")
    key = "midyear_adjustment"
    clock.at = datetime(2028, 3, 2, 9)
    instance, _ = start_instance(unit, key, title="教室改造追加")
    instance, ready = complete(
        unit,
        key,
        "fill_adjustment",
        {
            "project_code": CODE,
            "project_name": "县第一中学教室改造",
            "fiscal_year": 2027,
            "unit_name": "县第一中学",
            "kind": "追加资金",
            "addition": 50,
            "reduction": 0,
            "functional_category": "2050203 初中教育",
            "economic_category": "31002 办公设备购置",
            "reason": "补建 1 间顺延的教室",
            "indicator_changes": [dict(APPROVED[0], change="修改", target="14")],
        },
    )
    assert ready == [] and instance.status == "completed"
    assert instance.data["project"]["grade"] == grade and instance.data["targets_ok"] is True
    assert instance.data["low_performing"] is True
    assert list_inbox(user("finance"), process=key).tasks == []
    assert list_inbox(user("dept"), process=key).tasks == []
    steps = db.session.scalars(select(Task.activity_id).where(Task.instance_id == instance.id))
    assert list(steps) == ["fill_adjustment"], "no finance (or any other) step was created"
    history = db.session.scalars(
        select(AuditEvent).where(AuditEvent.instance_id == instance.id).order_by(AuditEvent.id)
    )
    assert [(e.action, e.activity_id) for e in history] == [
        ("started", None),
        ("completed", "fill_adjustment"),
        ("finished", None),
    ]
    project = find_project(CODE, 2027)
    assert (project.adjusted_amount, project.cumulative_adjustment) == (300, 0)
    assert project.indicators == APPROVED
    assert events("adjusted") == []


def select_next_year(user, clock, grade: str) -> None:
    unit, dept, finance = user("unit"), user("dept"), user("finance")
    key = "budget_compilation"
    clock.at = datetime(2028, 6, 1, 9)
    launch = launch_campaign(finance, key, 2028)
    assert [i.round_item for i in launch.started] == [CODE]

    task = the_task(unit, key, "fill_project_targets")
    prefill = task_form(unit, task.id).data
    assert (prefill["project_code"], prefill["fiscal_year"], prefill["nature"]) == (
        CODE,
        2028,
        "延续",
    )
    assert prefill["last_grade"] == grade and prefill["last_year_amount"] == 300
    assert prefill["indicators"] == APPROVED, "last year's approved targets prefill the form"
    complete_task(unit, task.id, dict(project_form(2028, "延续", 150), indicators=APPROVED))
    complete(dept, key, "dept_review", {"dept_decision": "approve"})
    _, ready = complete(dept, key, "choose_project_function", {"project_function": "义务教育"})
    assert ready == ["finance_target_review"], "a continuing project under 500 万元"
    instance, ready = complete(finance, key, "finance_target_review", {"target_grade": "优"})
    if grade == "差":
        # Last year's 差, read from the registry, excludes it at 遴选: nobody types the
        # grade, and finance is not asked.
        assert ready == [] and instance.status == "completed"
        assert not any(
            t.activity_id == "rank_and_select" for t in list_inbox(finance, process=key).tasks
        )
        next_year = find_project(CODE, 2028)
        assert next_year.status == "excluded"
        assert (
            events(year=2028)[-1].summary == "未予安排预算：上年绩效评价为差，按规定取消，不予安排"
        )
        return
    # Last year's 中 cuts the request by the set share (20 %): 150 → at most 120 万元.
    rank = the_task(finance, key, "rank_and_select")
    shown = task_form(finance, rank.id).data
    assert (shown["last_grade"], shown["grade_ceiling"]) == ("中", 120)
    decision = {
        "funded": "yes",
        "priority_rank": 1,
        "approved_amount": 150,
        "selection_note": "上年评价为中，按规定压减后安排",
    }
    with pytest.raises(ValidationFailed) as refused:
        complete_task(finance, rank.id, decision)
    assert [d["path"] for d in refused.value.details] == ["/approved_amount"]
    complete_task(finance, rank.id, dict(decision, approved_amount=120))
    assert find_project(CODE, 2028).selected_amount == 120


@pytest.mark.parametrize("grade", ["差", "中"])
def test_one_project_through_compilation_monitoring_evaluation_adjustment_and_next_year(
    deployed, user, clock, grade
):
    clock.at = datetime(2026, 9, 1, 9)  # compilation starts the autumn before the year
    deployed(
        "budget_compilation",
        "quarterly_monitoring",
        "annual_evaluation",
        "midyear_adjustment",
        "department_targets",
        COUNTY,
    )
    file_department_targets(user, 2027, 320)
    compile_and_approve_2027(user, clock)
    monitor_the_year(user, clock)
    evaluate_the_year(user, clock, grade)
    ask_for_an_addition(user, clock, grade)
    file_department_targets(user, 2028, 150)
    select_next_year(user, clock, grade)

    timeline = [(e.kind, e.at.date().isoformat()) for e in events()]
    assert timeline == [
        ("approved", "2027-01-25"),
        ("monitored", "2027-04-06"),
        ("monitored", "2027-07-06"),
        ("rectified", "2027-07-06"),  # the correction reported done,
        ("rectified", "2027-07-06"),  # and verified by finance
        ("monitored", "2027-10-09"),
        ("monitored", "2028-01-06"),
        ("evaluated", "2028-02-20"),
    ]
