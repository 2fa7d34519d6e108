"""The department level, driven as the demo roles through the services: 部门整体绩效目标
filed once a year per department and approved by finance (after a return), and the
department's self-evaluation as a whole, judged against those targets with its projects'
grades rolled up from the registry, reviewed by finance and read by the county government.
"""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.models import DepartmentSelfEvaluation, DepartmentTargets, Org
from app.models.department import TARGETS_NAMED
from app.performance.department import department_targets_for
from app.services.foundation.errors import BadRequest, ValidationFailed
from app.services.registry.campaigns import campaign_progress, launch_campaign
from app.services.runtime import queries
from app.services.runtime.forms_view import task_form
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from department_level import approved_targets, edu_targets, graded_projects
from factories import org

TARGETS, EVALUATION = "department_targets", "department_self_evaluation"


@pytest.fixture
def processes(deployed):
    deployed(TARGETS, EVALUATION)


def inbox(actor, process: str, activity: str | None = None):
    tasks = queries.list_inbox(actor, process=process).tasks
    return [t for t in tasks if activity is None or t.activity_id == activity]


def the_task(actor, process: str, activity: str):
    found = inbox(actor, process, activity)
    assert len(found) == 1, f"{actor.username} should have one {activity}, has {found}"
    return found[0]


def test_finance_launches_the_targets_round_for_every_budget_department_once(user, processes):
    finance = user("finance")
    launch = launch_campaign(finance, TARGETS, 2028)
    assert launch.campaign.name == "2028年度部门整体绩效目标申报"
    assert sorted(i.round_item for i in launch.started) == ["edu", "health"]
    assert {db.session.get(Org, i.org_id).name for i in launch.started} == {
        "县教育局",
        "县卫生健康局",
    }

    again = launch_campaign(finance, TARGETS, 2028)
    assert (again.started, again.already) == ([], 2)
    progress = campaign_progress(finance, launch.campaign.id)
    assert (progress.total, progress.submitted) == (2, 0)
    assert [(d.department, d.total) for d in progress.by_department] == [
        ("县卫生健康局", 1),
        ("县教育局", 1),
    ]
    assert [t.org_id for t in inbox(user("dept"), TARGETS)] == [org("edu").id]
    assert [t.org_id for t in inbox(user("dept2"), TARGETS)] == [org("health").id]
    assert inbox(user("unit"), TARGETS) == []


def test_a_department_files_its_targets_once_a_year(user, processes):
    finance = user("finance")
    launch_campaign(finance, TARGETS, 2028)
    with pytest.raises(ValidationFailed) as refused:
        start_instance(
            finance,
            TARGETS,
            org_id=org("edu").id,
            prefill={"fiscal_year": 2028, "department_name": "县教育局"},
        )
    assert "每年只申报一次" in refused.value.message
    assert refused.value.details[0]["path"] == "/fiscal_year"
    rows = db.session.scalars(select(DepartmentTargets).options(*TARGETS_NAMED)).all()
    assert sorted(r.department.name for r in rows) == ["县卫生健康局", "县教育局"]
    # Another year is another filing.
    instance, ready = start_instance(
        finance, TARGETS, org_id=org("edu").id, prefill={"fiscal_year": 2029}
    )
    assert [t.activity_id for t in ready] == ["fill_department_targets"]


def test_a_unit_cannot_file_department_targets(user, processes):
    with pytest.raises(ValidationFailed) as refused:
        start_instance(
            user("finance"), TARGETS, org_id=org("edu-school1").id, prefill={"fiscal_year": 2028}
        )
    assert "不是预算部门" in refused.value.message


def test_the_functions_amounts_must_add_up_to_the_total_within_the_control_total(user, processes):
    from app.models import ControlTotal
    from app.services.foundation.clock import now

    db.session.add(
        ControlTotal(department_id=org("edu").id, fiscal_year=2028, amount=480, updated_at=now())
    )
    db.session.commit()
    launch_campaign(user("finance"), TARGETS, 2028)
    dept = user("dept")
    task = the_task(dept, TARGETS, "fill_department_targets")
    form = task_form(dept, task.id)
    assert form.data["control_total"] == 480 and form.ui["control_total"]["ui:readonly"]

    wrong = edu_targets(total_amount=470)  # 430 + 60 is 490
    with pytest.raises(ValidationFailed) as refused:
        complete_task(dept, task.id, wrong)
    messages = {d["path"]: d["message"] for d in refused.value.details}
    assert "各职能金额合计 490.00 万元" in messages["/total_amount"]

    with pytest.raises(ValidationFailed) as refused:
        complete_task(dept, task.id, edu_targets())  # 490 adds up but is over 480
    assert "超过财政下达的控制数 480.00 万元" in refused.value.details[0]["message"]

    stray = edu_targets(total_amount=470)
    stray["functions"][0]["amount"] = 410
    stray["indicators"][1]["function_name"] = "学前教育"
    stray["indicators"][3]["points"] = 5
    with pytest.raises(ValidationFailed) as refused:
        complete_task(dept, task.id, stray)
    paths = [d["path"] for d in refused.value.details]
    assert "/indicators/1/function_name" in paths  # not a listed function
    assert "/functions/1/name" in paths  # 教师队伍建设 left without an indicator
    assert "/indicators" in paths  # 满意度 points 5, not 10


def test_finance_returns_the_targets_with_a_reason_then_approves_the_revision(user, processes):
    finance, dept = user("finance"), user("dept")
    launch_campaign(finance, TARGETS, 2028)
    instance, ready = complete_task(
        dept, the_task(dept, TARGETS, "fill_department_targets").id, edu_targets()
    )
    assert [t.activity_id for t in ready] == ["finance_review_department_targets"]
    row = db.session.scalar(
        select(DepartmentTargets).where(DepartmentTargets.instance_id == instance.id)
    )
    assert row.status == "submitted" and row.function_names == ["义务教育", "教师队伍建设"]
    assert inbox(dept, TARGETS) == []

    review = the_task(finance, TARGETS, "finance_review_department_targets")
    with pytest.raises(ValidationFailed) as refused:  # a return says why
        complete_task(finance, review.id, {"finance_decision": "return"})
    assert [d["path"] for d in refused.value.details] == ["/finance_opinion"]
    _, ready = complete_task(
        finance,
        review.id,
        {"finance_decision": "return", "finance_opinion": "满意度指标请量化到具体人群"},
    )
    assert [t.activity_id for t in ready] == ["fill_department_targets"]
    assert row.status == "draft" and row.finance_opinion == "满意度指标请量化到具体人群"
    assert department_targets_for(org("edu").id, 2028) is None, "not approved yet"

    task = the_task(dept, TARGETS, "fill_department_targets")
    form = task_form(dept, task.id)
    assert form.data["finance_opinion"] == "满意度指标请量化到具体人群"
    assert form.data["functions"][0]["name"] == "义务教育", "the filing comes back as sent"
    revised = edu_targets()
    revised["indicators"][3]["name"] = "学生家长满意度"
    complete_task(dept, task.id, revised)
    review = the_task(finance, TARGETS, "finance_review_department_targets")
    instance, ready = complete_task(
        finance, review.id, {"finance_decision": "approve", "finance_opinion": "同意"}
    )
    assert ready == [] and instance.status == "completed"

    db.session.refresh(row)
    assert (row.status, row.approved_by.username) == ("approved", "finance")
    assert row.approved_at is not None
    targets = department_targets_for(org("edu").id, 2028)
    assert targets["function_names"] == ["义务教育", "教师队伍建设"]
    assert [f["amount"] for f in targets["functions"]] == [430, 60]
    assert targets["functions"][0]["indicators"][-1]["name"] == "学生家长满意度"
    # A unit's id answers its department's targets; another department has none.
    assert department_targets_for(org("edu-school1").id, 2028)["department"] == "县教育局"
    assert department_targets_for(org("health").id, 2028) is None
    history = queries.instance_detail(finance, instance.id).history
    assert ("completed", "finance_review_department_targets") in [
        (e.action, e.activity_id) for e in history
    ]


def indicator_answers(rows: list[dict], **actuals) -> list[dict]:
    """Each indicator row answered: `actuals` by name, else the target itself."""
    answered = []
    for row in rows:
        row = dict(row)
        row["actual"] = actuals.get(row["name"], row["target"])
        answered.append(row)
    return answered


def evaluation_report(form_data: dict, **actuals) -> dict:
    return {
        "overall_result": "办学条件达标率 94%，教师培训 420 人次",
        "function_results": [
            dict(row, result=f"{row['name']}目标基本完成") for row in form_data["function_results"]
        ],
        "indicator_results": indicator_answers(form_data["indicator_results"], **actuals),
        "conclusion": "部门整体目标基本完成，营养午餐项目列入整改。",
    }


@pytest.fixture
def evaluated_year(processes):
    approved_targets("edu", 2026)
    graded_projects(2026)


def test_the_self_evaluation_round_covers_departments_with_approved_targets(user, evaluated_year):
    launch = launch_campaign(user("finance"), EVALUATION, 2026)
    assert launch.campaign.name == "2026年度部门整体支出绩效自评"
    assert [i.round_item for i in launch.started] == ["edu"], "县卫生健康局 has no targets"
    with pytest.raises(BadRequest):
        launch_campaign(user("finance"), EVALUATION, 2030)


def test_the_department_sees_its_projects_grades_read_only_and_cannot_overwrite_them(
    user, evaluated_year
):
    dept = user("dept")
    launch_campaign(user("finance"), EVALUATION, 2026)
    task = the_task(dept, EVALUATION, "fill_department_self_evaluation")
    form = task_form(dept, task.id)
    grades = [(p["code"], p["grade"], p["score"]) for p in form.data["project_grades"]]
    assert grades == [
        ("JY-2026-001", "优", 99.8),
        ("JY-2026-003", "中", 68.22),
        ("JY-2026-002", "优", 99.6),
    ]
    summary = form.data["project_summary"]
    assert (summary["grade_excellent"], summary["grade_fair"], summary["budget_total"]) == (
        2,
        1,
        490,
    )
    assert summary["spent_total"] == 456.6
    assert form.ui["project_grades"]["ui:readonly"] and form.ui["project_summary"]["ui:readonly"]
    by_function = {r["name"]: r for r in form.data["function_results"]}
    assert (by_function["义务教育"]["target_amount"], by_function["义务教育"]["budget"]) == (
        430,
        430,
    )
    assert by_function["教师队伍建设"]["spent"] == 57.6
    assert form.ui["function_results"]["items"]["budget"] == {"ui:readonly": True}
    assert [r["name"] for r in form.data["indicator_results"]][:2] == [
        "维修校舍面积",
        "办学条件达标率",
    ]

    report = evaluation_report(form.data)
    report["project_grades"] = [dict(p, grade="优", score=100) for p in form.data["project_grades"]]
    report["project_summary"] = dict(summary, grade_excellent=3, grade_fair=0)
    report["function_results"][0]["budget"] = 999
    instance, ready = complete_task(dept, task.id, report)
    assert [t.activity_id for t in ready] == ["finance_review_department_self_evaluation"]
    assert [p["grade"] for p in instance.data["project_grades"]] == ["优", "中", "优"]
    assert instance.data["project_summary"]["grade_fair"] == 1
    assert instance.data["function_results"][0]["budget"] == 430
    row = db.session.scalar(select(DepartmentSelfEvaluation))
    assert row.status == "submitted"
    assert [p["grade"] for p in row.project_grades] == ["优", "中", "优"]
    # 10 × 456.6/490 + 90 points of indicators all met
    assert (row.score, row.grade) == (99.32, "优")


def test_finance_returns_the_report_then_passes_it_and_the_government_reads_it(
    user, evaluated_year
):
    finance, dept, gov = user("finance"), user("dept"), user("gov")
    launch_campaign(finance, EVALUATION, 2026)
    task = the_task(dept, EVALUATION, "fill_department_self_evaluation")
    data = task_form(dept, task.id).data

    # Below target without a reason: back to the department, naming the row.
    _, ready = complete_task(dept, task.id, evaluation_report(data, 办学条件达标率="91"))
    assert [t.activity_id for t in ready] == ["fill_department_self_evaluation"]
    form = task_form(dept, ready[0].id)
    assert form.data["evaluation"]["missing_reasons"] == ["办学条件达标率"]
    report = evaluation_report(form.data, 办学条件达标率="91")
    report["indicator_results"][1]["deviation_reason"] = "两所村小改造顺延至下年"
    complete_task(dept, ready[0].id, report)

    review = the_task(finance, EVALUATION, "finance_review_department_self_evaluation")
    assert task_form(finance, review.id).data["evaluation"]["grade"] == "优"
    _, ready = complete_task(
        finance, review.id, {"finance_decision": "return", "finance_opinion": "请补充佐证材料"}
    )
    assert [t.activity_id for t in ready] == ["fill_department_self_evaluation"]
    form = task_form(dept, ready[0].id)
    assert form.data["finance_opinion"] == "请补充佐证材料"
    complete_task(dept, ready[0].id, report)

    assert inbox(gov, EVALUATION) == [], "nothing reaches the government before finance passes"
    review = the_task(finance, EVALUATION, "finance_review_department_self_evaluation")
    complete_task(
        finance, review.id, {"finance_decision": "pass", "finance_opinion": "同意报送县政府"}
    )
    row = db.session.scalar(select(DepartmentSelfEvaluation))
    assert (row.status, row.finance_opinion, row.reviewed_by.username) == (
        "delivered",
        "同意报送县政府",
        "finance",
    )
    assert row.delivered_at is not None and row.government_read_at is None

    read = the_task(gov, EVALUATION, "government_read_report")
    assert inbox(user("dept2"), EVALUATION) == [] and inbox(dept, EVALUATION) == []
    shown = task_form(gov, read.id).data
    assert shown["finance_opinion"] == "同意报送县政府"
    assert [p["grade"] for p in shown["project_grades"]] == ["优", "中", "优"]
    instance, ready = complete_task(gov, read.id, {"government_comment": "已阅，请抓好整改"})
    assert ready == [] and instance.status == "completed"
    db.session.refresh(row)
    assert (row.status, row.government_comment) == ("read", "已阅，请抓好整改")
    history = [
        (e.action, e.activity_id, e.actor.username if e.actor else None)
        for e in queries.instance_detail(finance, instance.id).history
    ]
    assert ("completed", "government_read_report", "gov") in history


def test_a_second_self_evaluation_of_the_year_is_refused(user, evaluated_year):
    launch_campaign(user("finance"), EVALUATION, 2026)
    with pytest.raises(ValidationFailed) as refused:
        start_instance(
            user("finance"), EVALUATION, org_id=org("edu").id, prefill={"fiscal_year": 2026}
        )
    assert "已经开展" in refused.value.message


def test_an_english_reader_is_told_in_english_that_a_unit_cannot_file(user, processes):
    with force_locale("en"), pytest.raises(ValidationFailed) as refused:
        start_instance(
            user("finance"), TARGETS, org_id=org("edu-school1").id, prefill={"fiscal_year": 2028}
        )
    assert refused.value.details[0]["message"].endswith(
        "is not a budget department: a department's performance as a whole is filed by the "
        "department itself."
    )
    assert "不是预算部门" not in refused.value.message


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh_Hans_CN", "状态须为 draft、submitted 或 approved，而不是“filed”"),
        ("en", "The status must be draft, submitted or approved, not “filed”."),
    ],
)
def test_a_diagram_passing_an_unknown_status_is_told_in_its_reader_s_language(
    app, language, message
):
    from app.performance.department import registry_record_department_targets

    with force_locale(language), pytest.raises(ValueError) as refused:
        registry_record_department_targets(fiscal_year=2028, status="filed")
    with force_locale(language):
        assert str(refused.value) == message
