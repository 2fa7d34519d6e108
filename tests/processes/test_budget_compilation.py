"""预算编制 (budget_compilation): every gateway branch, driven through the services as the
real roles, from the unit's target form to the department's reply to the unit."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Org, ProcessInstance, Project, ProjectEvent
from app.performance.registry import find_project
from app.services.foundation.errors import ValidationFailed
from app.services.runtime.forms_view import task_form
from app.services.runtime.instances import start_instance
from app.services.runtime.queries import list_inbox
from app.services.runtime.tasks import complete_task
from compilation_data import (
    INDICATORS,
    PRE_EVALUATION,
    PROJECT_FUNCTION,
    department_targets_approved,
    project_form,
)
from county_review import COUNTY, approve_county_budget

KEY = "budget_compilation"


@pytest.fixture
def compilation(deployed):
    deployed(KEY, COUNTY)
    department_targets_approved("edu", 2027)


def waits_for_the_county(user) -> bool:
    """After 遴选 a project waits, with nothing open, for the county's approval: no one
    reviews it alone any more (the government and the congress review the whole draft)."""
    running = db.session.scalars(
        select(ProcessInstance).where(
            ProcessInstance.process_key == KEY, ProcessInstance.status == "running"
        )
    ).all()
    return bool(running) and all(open_activities(user, i.id) == [] for i in running)


def tasks_at(actor, activity: str) -> list:
    return [t for t in list_inbox(actor, process=KEY).tasks if t.activity_id == activity]


def the_task(actor, activity: str):
    tasks = tasks_at(actor, activity)
    assert len(tasks) == 1, f"{actor.username} should have one {activity}, has {len(tasks)}"
    return tasks[0]


def complete(actor, activity: str, data: dict):
    instance, _ready = complete_task(actor, the_task(actor, activity).id, data)
    return instance


def open_activities(user, instance_id: int) -> list[str]:
    finance = user("finance")
    return sorted(
        t.activity_id
        for t in list_inbox(finance, process=KEY).tasks
        if t.instance_id == instance_id
    )


def start_as_unit(user, **changes):
    instance, _ = start_instance(user("unit"), KEY, title="县第一中学教室改造")
    complete(user("unit"), "fill_project_targets", project_form(**changes))
    return instance


def through_department(user):
    complete(user("dept"), "dept_review", {"dept_decision": "approve"})
    complete(user("dept"), "choose_project_function", PROJECT_FUNCTION)


def through_pre_evaluation(user, **changes):
    complete(
        user("finance"),
        "organise_pre_evaluation",
        {
            "expert_username": "expert",
            "pre_eval_method": "专家评审",
        },
    )
    complete(user("expert"), "pre_evaluation", {**PRE_EVALUATION, **changes})


def through_selection(user, **changes):
    complete(user("finance"), "finance_target_review", {"target_grade": "优"})
    data = {"funded": "yes", "priority_rank": 3, "approved_amount": 300}
    return complete(user("finance"), "rank_and_select", {**data, **changes})


def registry_events(code: str, year: int) -> list[str]:
    project = find_project(code, year)
    return [
        e.kind
        for e in db.session.scalars(
            select(ProjectEvent).where(ProjectEvent.project_id == project.id)
        )
    ]


def county_closing(start: datetime, days: int) -> datetime:
    """`days` calendar days after `start`, when the offices close (17:30 Beijing), in UTC."""
    beijing = start + timedelta(hours=8)  # Asia/Shanghai keeps no summer time
    return datetime.combine((beijing + timedelta(days=days)).date(), time(9, 30))


def last_actions(instance_id: int, count: int = 2) -> list[tuple[str, str | None]]:
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)
    ).all()
    return [(e.action, e.activity_id) for e in events[-count:]]


def test_new_project_goes_through_pre_evaluation_review_selection_and_is_approved(
    compilation, user
):
    instance = start_as_unit(user)

    assert tasks_at(user("dept2"), "dept_review") == [], "another department never sees it"
    review = the_task(user("dept"), "dept_review")
    assert task_form(user("dept"), review.id).data["project_name"] == "县第一中学教室改造"
    through_department(user)

    organise = the_task(user("finance"), "organise_pre_evaluation")
    assert task_form(user("finance"), organise.id).data["nature"] == "新增"
    through_pre_evaluation(user)

    target_review = the_task(user("finance"), "finance_target_review")
    prefill = task_form(user("finance"), target_review.id).data
    assert prefill["pre_eval_score"] == 88, "the five dimensions are added up by the script"
    assert prefill["indicators"] == INDICATORS
    complete(
        user("finance"),
        "finance_target_review",
        {"target_grade": "良", "target_opinion": "已共同修改"},
    )

    rank = the_task(user("finance"), "rank_and_select")
    prefill = task_form(user("finance"), rank.id).data
    assert prefill["last_grade"] == "" and prefill["low_performing"] is False
    complete(
        user("finance"),
        "rank_and_select",
        {
            "funded": "yes",
            "priority_rank": 1,
            "approved_amount": 300,
        },
    )

    assert waits_for_the_county(user)
    approve_county_budget(user, 2027)

    reply = the_task(user("finance"), "finance_reply")
    # 预算法 art. 57: 20 and 15 calendar days, not working days.
    assert reply.due_at == county_closing(reply.created_at, days=20)
    prefill = task_form(user("finance"), reply.id).data
    assert prefill["indicators"] == INDICATORS and prefill["approved_amount"] == 300
    # After the congress's approval, 批复 cannot change the money or the targets.
    assert task_form(user("finance"), reply.id).ui["approved_amount"] == {"ui:readonly": True}
    complete(
        user("finance"),
        "finance_reply",
        {
            "approved_amount": 999,
            "indicators": [dict(INDICATORS[0], target="13"), INDICATORS[1]],
            "reply_date": "2027-02-10",
        },
    )

    project = find_project("JY-2027-001", 2027)
    assert project.status == "approved" and project.approved_amount == 300
    assert [{k: v for k, v in row.items() if k != "_row"} for row in project.indicators] == (
        INDICATORS
    )
    assert project.department_function == "义务教育" and project.funding_source == "本级财政"

    assert tasks_at(user("dept2"), "dept_reply_to_unit") == []
    dept_reply = the_task(user("dept"), "dept_reply_to_unit")
    assert dept_reply.due_at == county_closing(dept_reply.created_at, days=15)
    instance = complete(user("dept"), "dept_reply_to_unit", {"dept_reply_date": "2027-02-20"})
    assert instance.status == "completed"
    assert last_actions(instance.id) == [
        ("completed", "dept_reply_to_unit"),
        ("finished", None),
    ]


def test_department_return_shows_its_opinion_to_the_unit_read_only(compilation, user):
    start_as_unit(user)
    with pytest.raises(ValidationFailed):
        complete(user("dept"), "dept_review", {"dept_decision": "return"})  # opinion required
    complete(
        user("dept"),
        "dept_review",
        {
            "dept_decision": "return",
            "dept_opinion": "满意度指标目标值偏低",
        },
    )

    unit = user("unit")
    assert tasks_at(user("unit2"), "fill_project_targets") == []
    again = the_task(unit, "fill_project_targets")
    form = task_form(unit, again.id)
    assert form.data["dept_opinion"] == "满意度指标目标值偏低"
    assert form.ui["dept_opinion"]["ui:readonly"] is True
    assert form.data["annual_goal"] == "完成 12 间教室改造并投入使用", "what was sent before"

    complete(unit, "fill_project_targets", project_form(dept_opinion="改成别的"))
    review = the_task(user("dept"), "dept_review")
    assert task_form(user("dept"), review.id).data["dept_opinion"] == "满意度指标目标值偏低"


@pytest.mark.parametrize(
    ("nature", "requested", "pre_evaluated"),
    [("延续", 100, False), ("延续", 500, True), ("新增", 50, True)],
)
def test_pre_evaluation_is_for_new_and_major_projects(
    compilation, user, nature, requested, pre_evaluated
):
    # The year's request is part of the project's total (a request above it is refused).
    total = max(requested, 320)
    start_as_unit(user, nature=nature, requested_amount=requested, total_fiscal_funds=total)
    through_department(user)
    assert bool(tasks_at(user("finance"), "organise_pre_evaluation")) is pre_evaluated
    assert bool(tasks_at(user("finance"), "finance_target_review")) is not pre_evaluated


def test_finance_starts_a_continuing_project_on_behalf_of_the_unit(compilation, user):
    school = db.session.scalar(select(Org).where(Org.code == "edu-school1"))
    start_instance(
        user("finance"),
        KEY,
        org_id=school.id,
        data={
            "project_code": "JY-2026-007",
            "project_name": "营养午餐补助",
            "fiscal_year": 2027,
            "nature": "延续",
        },
    )
    assert tasks_at(user("unit2"), "fill_project_targets") == []
    task = the_task(user("unit"), "fill_project_targets")
    prefill = task_form(user("unit"), task.id).data
    assert prefill["project_code"] == "JY-2026-007" and prefill["nature"] == "延续"


def test_pre_evaluation_goes_to_the_named_expert_and_not_supported_excludes(compilation, user):
    instance = start_as_unit(user)
    through_department(user)
    complete(
        user("finance"),
        "organise_pre_evaluation",
        {
            "expert_username": "expert",
            "pre_eval_method": "第三方机构评估",
        },
    )
    task = the_task(user("expert"), "pre_evaluation")
    assert task.assignee_id == user("expert").id
    assert task_form(user("expert"), task.id).data["project_name"] == "县第一中学教室改造"
    with pytest.raises(ValidationFailed):  # the report is required
        complete(
            user("expert"),
            "pre_evaluation",
            {**{k: v for k, v in PRE_EVALUATION.items() if k != "pre_eval_report"}},
        )
    instance = complete(
        user("expert"),
        "pre_evaluation",
        {
            **PRE_EVALUATION,
            "pre_eval_conclusion": "不予支持",
            "pre_eval_opinion": "立项依据不足",
        },
    )
    assert instance.status == "completed"
    assert open_activities(user, instance.id) == []
    project = find_project("JY-2027-001", 2027)
    assert project.status == "excluded"
    event = db.session.scalar(select(ProjectEvent).where(ProjectEvent.project_id == project.id))
    assert "绩效预评估不予支持：立项依据不足" in event.summary


def test_finance_grade_medium_returns_to_the_department_and_poor_excludes(compilation, user):
    instance = start_as_unit(user)
    through_department(user)
    through_pre_evaluation(user)
    with pytest.raises(ValidationFailed):  # 中 needs an opinion
        complete(user("finance"), "finance_target_review", {"target_grade": "中"})
    complete(
        user("finance"),
        "finance_target_review",
        {
            "target_grade": "中",
            "target_opinion": "产出指标不够量化",
        },
    )

    assert tasks_at(user("dept2"), "dept_revise_targets") == []
    # A grade is no "return" decision: the league counts it once a step opens again.
    assert not db.session.get(ProcessInstance, instance.id).returned
    revise = the_task(user("dept"), "dept_revise_targets")
    form = task_form(user("dept"), revise.id)
    assert form.data["target_opinion"] == "产出指标不够量化"
    assert form.ui["target_opinion"]["ui:readonly"] is True
    complete(
        user("dept"),
        "dept_revise_targets",
        {
            "annual_goal": "完成 12 间教室改造，验收合格率 100%",
            "indicators": INDICATORS,
            "revision_note": "已量化质量指标",
        },
    )

    again = the_task(user("finance"), "finance_target_review")
    assert db.session.get(ProcessInstance, instance.id).returned  # opened a second time
    prefill = task_form(user("finance"), again.id).data
    assert prefill["revision_note"] == "已量化质量指标"
    assert prefill["annual_goal"] == "完成 12 间教室改造，验收合格率 100%"
    assert tasks_at(user("finance"), "organise_pre_evaluation") == [], "not evaluated twice"

    instance = complete(
        user("finance"),
        "finance_target_review",
        {
            "target_grade": "差",
            "target_opinion": "目标与项目内容不符",
        },
    )
    assert instance.status == "completed"
    assert find_project("JY-2027-001", 2027).status == "excluded"
    assert registry_events("JY-2027-001", 2027) == ["excluded"]


def test_not_selected_project_is_excluded(compilation, user):
    instance = start_as_unit(user, nature="延续", requested_amount=80)
    through_department(user)
    with pytest.raises(ValidationFailed):  # a reason is required
        through_selection(user, funded="no", priority_rank=None, approved_amount=None)
    instance = complete(
        user("finance"),
        "rank_and_select",
        {
            "funded": "no",
            "selection_note": "超出部门控制数",
        },
    )
    assert instance.status == "completed"
    assert find_project("JY-2027-001", 2027).status == "excluded"


def graded(year: int, grade: str | None, light: str | None = None, code: str = "JY-2027-001"):
    """The school's project of `year` in the registry, with its grade and last light."""
    school = db.session.scalar(select(Org).where(Org.code == "edu-school1"))
    db.session.add(
        Project(
            code=code,
            name="县第一中学教室改造",
            fiscal_year=year,
            department_id=school.parent_id,
            unit_id=school.id,
            status="approved",
            approved_amount=80,
            grade=grade,
            latest_light=light,
            cumulative_adjustment=0,
            updated_at=datetime(year, 12, 31),
        )
    )
    db.session.commit()


def to_selection(user, **changes):
    """A continuing project through the department and finance's target review (优)."""
    instance = start_as_unit(user, nature="延续", requested_amount=80, **changes)
    through_department(user)
    complete(user("finance"), "finance_target_review", {"target_grade": "优"})
    return instance


def test_last_years_red_light_is_shown_and_funding_it_needs_a_reason(compilation, user):
    graded(2026, "良", light="red")
    to_selection(user)

    rank = the_task(user("finance"), "rank_and_select")
    prefill = task_form(user("finance"), rank.id).data
    assert prefill["last_grade"] == "良" and prefill["last_light"] == "red"
    assert prefill["low_performing"] is True
    with pytest.raises(ValidationFailed):
        complete(
            user("finance"),
            "rank_and_select",
            {"funded": "yes", "priority_rank": 9, "approved_amount": 40},
        )
    complete(
        user("finance"),
        "rank_and_select",
        {
            "funded": "yes",
            "priority_rank": 9,
            "approved_amount": 40,
            "selection_note": "已整改到位，压减一半安排",
        },
    )
    assert waits_for_the_county(user)


def test_the_grade_of_the_last_graded_year_reaches_selection(compilation, user):
    # Compiling 2028 while 2027 is under way: 2027 has no grade yet, 2026 was graded 良.
    graded(2026, "良")
    graded(2027, None)
    department_targets_approved("edu", 2028)
    to_selection(user, fiscal_year=2028)
    prefill = task_form(user("finance"), the_task(user("finance"), "rank_and_select").id).data
    assert prefill["last_grade"] == "良"
    assert prefill["grade_advice"] == "上年绩效评价为良，结合绩效情况安排"


def test_a_poor_grade_excludes_the_project_at_selection_without_anyone_typing_it(compilation, user):
    graded(2026, "差")
    instance = to_selection(user)
    assert tasks_at(user("finance"), "rank_and_select") == []
    db.session.refresh(instance)
    assert instance.status == "completed"
    assert find_project("JY-2027-001", 2027).status == "excluded"
    assert "excluded" in registry_events("JY-2027-001", 2027)


def test_a_medium_grade_cuts_the_request_by_the_set_share_unless_justified(compilation, user):
    graded(2026, "中")
    to_selection(user)
    rank = the_task(user("finance"), "rank_and_select")
    prefill = task_form(user("finance"), rank.id).data
    assert prefill["grade_ceiling"] == 64  # 80 万元 less 20 %
    assert "压减20%" in prefill["grade_advice"]
    decision = {
        "funded": "yes",
        "priority_rank": 2,
        "approved_amount": 80,
        "selection_note": "中等项目，按规定安排",
    }
    with pytest.raises(ValidationFailed) as refused:
        complete(user("finance"), "rank_and_select", decision)
    assert [d["path"] for d in refused.value.details] == ["/approved_amount"]
    assert "不按比例压减的理由" in refused.value.details[0]["message"]
    complete(user("finance"), "rank_and_select", {**decision, "approved_amount": 64})
    assert waits_for_the_county(user)


def test_a_medium_grade_may_keep_its_money_with_a_recorded_reason(compilation, user):
    graded(2026, "中")
    to_selection(user)
    complete(
        user("finance"),
        "rank_and_select",
        {
            "funded": "yes",
            "priority_rank": 2,
            "approved_amount": 80,
            "selection_note": "中等项目，按规定安排",
            "no_cut_reason": "刚性支出，县政府常务会议决定不压减",
        },
    )
    assert waits_for_the_county(user)


def test_an_excellent_grade_is_marked_for_priority(compilation, user):
    graded(2026, "优")
    to_selection(user)
    prefill = task_form(user("finance"), the_task(user("finance"), "rank_and_select").id).data
    assert prefill["grade_advice"] == "上年绩效评价为优，优先安排"


def test_more_than_was_requested_needs_an_override_reason(compilation, user):
    to_selection(user)
    decision = {"funded": "yes", "priority_rank": 1, "approved_amount": 90}
    with pytest.raises(ValidationFailed) as refused:
        complete(user("finance"), "rank_and_select", decision)
    assert [d["path"] for d in refused.value.details] == ["/approved_amount"]
    complete(
        user("finance"),
        "rank_and_select",
        {**decision, "override_reason": "县政府专题会议决定增加 10 万元"},
    )
    assert waits_for_the_county(user)


def test_experts_may_support_a_project_with_an_adjusted_amount(compilation, user):
    start_as_unit(user)
    through_department(user)
    with pytest.raises(ValidationFailed) as refused:  # an adjustment says why
        through_pre_evaluation(user, pre_eval_conclusion="调整后支持", suggested_amount=250)
    assert [d["path"] for d in refused.value.details] == ["/pre_eval_opinion"]
    db.session.rollback()
    complete(
        user("expert"),
        "pre_evaluation",
        {
            **PRE_EVALUATION,
            "pre_eval_conclusion": "调整后支持",
            "suggested_amount": 250,
            "pre_eval_opinion": "设备购置部分压缩 70 万元",
        },
    )
    review = the_task(user("finance"), "finance_target_review")
    prefill = task_form(user("finance"), review.id).data
    assert (prefill["pre_eval_conclusion"], prefill["suggested_amount"]) == ("调整后支持", 250)


def test_indicator_points_that_do_not_add_up_are_refused_with_the_reason(compilation, user):
    unit = user("unit")
    instance, ready = start_instance(unit, KEY, title="县第一中学教室改造")
    rows = [dict(INDICATORS[0], points=40), INDICATORS[2]]
    with pytest.raises(ValidationFailed) as refused:
        complete_task(unit, ready[0].id, project_form(indicators=rows))
    assert sorted(d["message"] for d in refused.value.details) == [
        "产出指标分值合计 40，应为 50",
        "缺少效益指标（该级分值合计应为 30）",
    ]
    db.session.rollback()
    with force_locale("en"), pytest.raises(ValidationFailed) as in_english:
        complete_task(unit, ready[0].id, project_form(indicators=rows))
    assert sorted(d["message"] for d in in_english.value.details) == [
        "The 产出指标 points add up to 40; they should add up to 50.",
        "There is no 效益指标 row (the level's points should add up to 30).",
    ]
    db.session.rollback()
    complete_task(unit, ready[0].id, project_form())
    assert the_task(user("dept"), "dept_review")


def test_every_indicator_row_carries_points_and_the_form_its_content_basis_and_safeguards(
    compilation, user
):
    unit = user("unit")
    instance, ready = start_instance(unit, KEY, title="县第一中学教室改造")
    unscored = [{k: v for k, v in row.items() if k != "points"} for row in INDICATORS]
    data = project_form(indicators=unscored, cost_basis="   ")
    del data["safeguards"]
    with pytest.raises(ValidationFailed) as refused:
        complete_task(unit, ready[0].id, data)
    paths = sorted({d["path"] for d in refused.value.details})
    assert paths == [
        "/cost_basis",
        "/indicators/0/points",
        "/indicators/1/points",
        "/indicators/2/points",
        "/safeguards",
    ]
