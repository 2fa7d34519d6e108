"""The county's budget as a whole (county_budget_review): the government reviews and the
congress approves the year's draft once each, either may send one department back to
finance with a reason, and the approval releases 批复 to every waiting project. Driven
as the demo roles through the services."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, CountyBudget, ProcessInstance
from app.performance.registry import find_project
from app.services.foundation.errors import ValidationFailed
from app.services.foundation.jobs import run_due_jobs
from app.services.runtime.forms_view import task_form
from app.services.runtime.instances import start_instance
from app.services.runtime.queries import list_inbox
from app.services.runtime.tasks import complete_task
from compilation_data import department_targets_approved, project_form
from county_review import (
    COUNTY,
    approve_county_budget,
    county_step,
    county_task,
    submit_draft,
)

KEY = "budget_compilation"
YEAR = 2027


@pytest.fixture
def county(deployed):
    deployed(KEY, COUNTY)
    department_targets_approved("edu", 2027, {"义务教育": 130})
    department_targets_approved("health", 2027, {"基层医疗": 60})


def _step(actor, activity: str, data: dict, title: str):
    tasks = [
        t
        for t in list_inbox(actor, process=KEY).tasks
        if t.activity_id == activity and t.instance.title == title
    ]
    assert len(tasks) == 1, f"{actor.username}: {activity} of {title}"
    complete_task(actor, tasks[0].id, data)


def selected_project(user, unit, dept, code, name, amount, rank, function="义务教育"):
    """A continuing project of `unit` through its department, finance's target review
    (优) and 遴选 at `amount`: it then waits for the county."""
    instance, _ = start_instance(user(unit), KEY, title=name)
    form = project_form(
        project_code=code,
        project_name=name,
        nature="延续",
        requested_amount=amount,
        total_fiscal_funds=amount,
    )
    _step(user(unit), "fill_project_targets", form, name)
    _step(user(dept), "dept_review", {"dept_decision": "approve"}, name)
    _step(user(dept), "choose_project_function", {"project_function": function}, name)
    _step(user("finance"), "finance_target_review", {"target_grade": "优"}, name)
    decision = {"funded": "yes", "priority_rank": rank, "approved_amount": amount}
    _step(user("finance"), "rank_and_select", decision, name)
    return instance


@pytest.fixture
def two_departments(county, user):
    """Education: two projects (80 and 50 万元); health: one (60 万元)."""
    return {
        "JY-2027-001": selected_project(user, "unit", "dept", "JY-2027-001", "教室改造", 80, 1),
        "JY-2027-002": selected_project(user, "unit", "dept", "JY-2027-002", "校舍维修", 50, 2),
        "WS-2027-001": selected_project(
            user, "unit2", "dept2", "WS-2027-001", "村卫生室建设", 60, 1, function="基层医疗"
        ),
    }


def open_steps(user, instance) -> list[str]:
    finance = user("finance")
    return [t.activity_id for t in list_inbox(finance).tasks if t.instance_id == instance.id]


def test_the_draft_reaches_the_government_and_the_congress_as_one_task_each(two_departments, user):
    submit_draft(user, YEAR)
    gov_tasks = list_inbox(user("gov")).tasks
    assert [t.activity_id for t in gov_tasks] == ["gov_review"], "one review, not one per project"
    draft = task_form(user("gov"), gov_tasks[0].id).data["draft"]
    assert (draft["project_count"], draft["department_count"]) == (3, 2)
    assert draft["total_selected"] == 190
    by_department = {row["department"]: row["selected"] for row in draft["departments"]}
    assert by_department == {"县教育局": 130, "县卫生健康局": 60}
    functions = {
        (row["department"], row["function"]): row["selected"] for row in draft["functions"]
    }
    assert functions == {("县教育局", "义务教育"): 130, ("县卫生健康局", "基层医疗"): 60}
    # Each department's performance budget: its approved overall goal and functions' goals.
    assert {row["department"]: row["overall_goal"] for row in draft["departments"]} == {
        "县教育局": "办学条件达标率提升到 95%",
        "县卫生健康局": "县域就诊率达到 90%",
    }
    assert [(row["goal"], row["target_amount"]) for row in draft["functions"]] == [
        ("义务教育保障", 130),
        ("基层医疗保障", 60),
    ]
    assert [row["project_code"] for row in draft["projects"]][:2] == ["JY-2027-001", "JY-2027-002"]

    county_step(user("gov"), "gov_review", {"gov_decision": "approve"})
    assert [t.activity_id for t in list_inbox(user("congress")).tasks] == ["congress_approval"]
    county_step(user("congress"), "congress_approval", {"congress_decision": "approve"})
    # The projects wait, nothing open, until the worker delivers the approval.
    assert all(open_steps(user, i) == [] for i in two_departments.values())
    run_due_jobs()
    for instance in two_departments.values():
        assert open_steps(user, instance) == ["finance_reply"]
    reply = next(t for t in list_inbox(user("finance")).tasks if t.instance.title == "村卫生室建设")
    assert task_form(user("finance"), reply.id).data["approved_amount"] == 60
    assert db.session.scalar(select(CountyBudget)).status == "approved"


def test_the_congress_sends_one_department_back_and_the_rest_waits_for_the_revised_draft(
    two_departments, user
):
    submit_draft(user, YEAR)
    county_step(user("gov"), "gov_review", {"gov_decision": "approve"})
    with pytest.raises(ValidationFailed) as refused:  # a return names whom and why
        county_step(user("congress"), "congress_approval", {"congress_decision": "return"})
    assert {d["path"] for d in refused.value.details} >= {"/return_department", "/return_reason"}
    with pytest.raises(ValidationFailed) as refused:
        county_step(
            user("congress"),
            "congress_approval",
            {
                "congress_decision": "return",
                "return_department": "县交通局",
                "return_reason": "压减",
            },
        )
    assert "县教育局" in refused.value.details[0]["message"], "it lists the draft's departments"
    county_step(
        user("congress"),
        "congress_approval",
        {
            "congress_decision": "return",
            "return_department": "县教育局",
            "return_reason": "校舍维修与教室改造重复，压减维修项目",
        },
    )
    revise = county_task(user("finance"), "finance_revise")
    form = task_form(user("finance"), revise.id)
    assert form.data["return_reason"] == "校舍维修与教室改造重复，压减维修项目"
    assert [row["project_code"] for row in form.data["revision_rows"]] == [
        "JY-2027-001",
        "JY-2027-002",
    ], "only the returned department's projects"
    run_due_jobs()
    assert open_steps(user, two_departments["WS-2027-001"]) == [], "health waits for the draft"

    rows = [
        {"project_code": "JY-2027-001", "amount": 80},
        {"project_code": "JY-2027-002", "amount": 0},  # taken out
    ]
    county_step(user("finance"), "finance_revise", {"revision_rows": rows})
    # The revised draft goes to the government again, then to the congress.
    draft = task_form(user("gov"), county_task(user("gov"), "gov_review").id).data["draft"]
    assert (draft["project_count"], draft["total_selected"]) == (2, 140)
    county_step(user("gov"), "gov_review", {"gov_decision": "approve"})
    county_step(user("congress"), "congress_approval", {"congress_decision": "approve"})
    run_due_jobs()

    assert open_steps(user, two_departments["JY-2027-001"]) == ["finance_reply"]
    assert open_steps(user, two_departments["WS-2027-001"]) == ["finance_reply"]
    taken_out = db.session.get(ProcessInstance, two_departments["JY-2027-002"].id)
    assert taken_out.status == "completed"
    assert find_project("JY-2027-002", YEAR).status == "excluded"
    budget = db.session.scalar(select(CountyBudget))
    assert [(r["by"], r["department"]) for r in budget.returns] == [("县人大", "县教育局")]
    assert budget.total == 140


def test_the_draft_waits_until_every_project_of_the_year_is_selected(county, user):
    selected_project(user, "unit", "dept", "JY-2027-001", "教室改造", 80, 1)
    start_instance(user("unit2"), KEY, title="村卫生室建设")
    form = project_form(project_code="WS-2027-001", project_name="村卫生室建设")
    _step(user("unit2"), "fill_project_targets", form, "村卫生室建设")  # at its department now
    with pytest.raises(ValidationFailed) as refused:
        submit_draft(user, YEAR)
    assert refused.value.details[0]["message"] == (
        "2027 年还有项目未完成遴选排序，预算草案须整体提交：村卫生室建设（部门审核项目）"
    )
    db.session.rollback()  # the draft's step stays open: finance tries again in English
    with force_locale("en"), pytest.raises(ValidationFailed) as in_english:
        county_step(user("finance"), "submit_draft", {"fiscal_year": YEAR})
    assert in_english.value.details[0]["message"] == (
        "Projects of 2027 are still before selection (遴选排序), and the draft goes as a "
        "whole: 村卫生室建设 (at 部门审核项目)."
    )
    assert list_inbox(user("gov")).tasks == []


def test_selection_adds_nothing_to_a_draft_before_the_congress_or_approved(county, user):
    selected_project(user, "unit", "dept", "JY-2027-001", "教室改造", 80, 1)
    approve_county_budget(user, YEAR)
    with pytest.raises(ValidationFailed) as refused:
        selected_project(
            user, "unit2", "dept2", "WS-2027-001", "村卫生室建设", 60, 1, function="基层医疗"
        )
    assert "已经县人大批准" in refused.value.details[0]["message"]
    assert "年中追加调整" in refused.value.details[0]["message"]


def test_finance_revision_holds_requests_and_control_totals(two_departments, user):
    submit_draft(user, YEAR)
    county_step(
        user("gov"),
        "gov_review",
        {"gov_decision": "return", "return_department": "县教育局", "return_reason": "调整"},
    )
    too_much = [
        {"project_code": "JY-2027-001", "amount": 95},
        {"project_code": "JY-2027-002", "amount": 50},
    ]
    with pytest.raises(ValidationFailed) as refused:
        county_step(user("finance"), "finance_revise", {"revision_rows": too_much})
    assert "超过申报" in refused.value.details[0]["message"]
    county_step(
        user("finance"),
        "finance_revise",
        {"revision_rows": too_much, "override_reason": "县政府常务会议决定增加"},
    )
    actions = [
        e.action
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.instance_id == two_departments["JY-2027-001"].id)
        )
    ]
    assert "message_received" not in actions, "nothing released before the congress approves"
    assert find_project("JY-2027-001", YEAR).selected_amount == 95


def test_the_county_review_deploys_as_drawn_without_warnings(deployed):
    compilation, county = deployed(KEY, COUNTY)
    assert compilation.warnings == [] and county.warnings == []
