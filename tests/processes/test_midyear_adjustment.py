"""追加调整 (midyear_adjustment): the brief's gateways in order — no targets, low-performing,
filing or review — and the review's department, finance and government steps."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Org, Project, ProjectEvent
from app.performance.registry import find_project
from app.services.errors import ValidationFailed
from app.services.forms_view import task_form
from app.services.instances import start_instance
from app.services.queries import list_inbox
from app.services.tasks import complete_task

KEY = "midyear_adjustment"
CODE = "JY-2027-001"

INDICATORS = [
    {
        "level1": "产出指标",
        "level2": "数量指标",
        "name": "改造教室数量",
        "sign": "≥",
        "target": "12",
        "unit": "间",
        "period": "年度",
    }
]
CHANGE = {**INDICATORS[0], "change": "修改", "target": "14"}


@pytest.fixture
def midyear(deployed):
    deployed(KEY)


def approved_project(
    year: int = 2027, indicators=INDICATORS, grade=None, light=None, cumulative=0
) -> Project:
    """A project as compilation leaves it: approved 300 万元 within a 2000 万元 special fund."""
    school = db.session.scalar(select(Org).where(Org.code == "edu-school1"))
    project = Project(
        code=CODE,
        name="县第一中学教室改造",
        fiscal_year=year,
        department_id=school.parent_id,
        unit_id=school.id,
        status="approved",
        functional_category="2050203 初中教育",
        special_fund="教育发展专项资金",
        special_fund_total=2000,
        approved_amount=300,
        adjusted_amount=300,
        cumulative_adjustment=cumulative,
        indicators=indicators,
        grade=grade,
        latest_light=light,
        updated_at=datetime(2027, 1, 1),
    )
    db.session.add(project)
    db.session.commit()
    return project


def request(**changes) -> dict:
    data = {
        "project_code": CODE,
        "project_name": "县第一中学教室改造",
        "fiscal_year": 2027,
        "unit_name": "县第一中学",
        "opening_budget": 300,
        "addition": 50,
        "reduction": 0,
        "functional_category": "2050203 初中教育",
        "economic_category": "31002 办公设备购置",
        "same_category": True,
        "changes_total_budget": False,
        "reason": "新增 2 间多媒体教室改造",
        "indicator_changes": [CHANGE],
    }
    data.update(changes)
    return data


def tasks_at(actor, activity: str) -> list:
    return [t for t in list_inbox(actor, process=KEY).tasks if t.activity_id == activity]


def the_task(actor, activity: str):
    tasks = tasks_at(actor, activity)
    assert len(tasks) == 1, f"{actor.username} should have one {activity}, has {len(tasks)}"
    return tasks[0]


def complete(actor, activity: str, data: dict):
    instance, _ready = complete_task(actor, the_task(actor, activity).id, data)
    return instance


def submit(user, **changes):
    start_instance(user("unit"), KEY, title="教室改造追加")
    return complete(user("unit"), "fill_adjustment", request(**changes))


def adjustments() -> list[ProjectEvent]:
    return list(db.session.scalars(select(ProjectEvent).where(ProjectEvent.kind == "adjusted")))


def test_small_change_within_one_category_is_filed_with_finance(midyear, user):
    approved_project()
    instance = submit(user)
    assert instance.data["route"] == "filing"
    assert tasks_at(user("dept"), "dept_review") == [], "filing needs no department review"

    filing = the_task(user("finance"), "finance_filing")
    prefill = task_form(user("finance"), filing.id).data
    assert prefill["adjusted_amount"] == 350 and prefill["route"] == "filing"
    with pytest.raises(ValidationFailed):
        complete(user("finance"), "finance_filing", {"filing_acknowledged": False})
    instance = complete(user("finance"), "finance_filing", {"filing_acknowledged": True})

    assert instance.status == "completed"
    project = find_project(CODE, 2027)
    assert project.adjusted_amount == 350 and project.cumulative_adjustment == 50
    assert project.indicators[0]["target"] == "14"
    assert "备案" in adjustments()[0].summary


def test_review_path_department_returns_then_finance_approves(midyear, user):
    approved_project(cumulative=90)  # 90 + 50 > 5 % of 2000: full review
    instance = submit(user, adjusted_amount=999)
    assert instance.data["route"] == "review"
    assert instance.data["adjusted_amount"] == 350, "computed, never taken from the post"

    assert tasks_at(user("dept2"), "dept_review") == []
    with pytest.raises(ValidationFailed):
        complete(user("dept"), "dept_review", {"dept_decision": "return"})
    complete(
        user("dept"), "dept_review", {"dept_decision": "return", "dept_opinion": "补充测算依据"}
    )

    assert tasks_at(user("unit2"), "fill_adjustment") == []
    again = the_task(user("unit"), "fill_adjustment")
    form = task_form(user("unit"), again.id)
    assert form.data["dept_opinion"] == "补充测算依据"
    assert form.ui["dept_opinion"]["ui:readonly"] is True
    complete(user("unit"), "fill_adjustment", request(reason="新增 2 间多媒体教室，测算见附件"))

    complete(user("dept"), "dept_review", {"dept_decision": "approve"})
    review = the_task(user("finance"), "finance_review")
    prefill = task_form(user("finance"), review.id).data
    assert prefill["adjusted_amount"] == 350 and prefill["route"] == "review"
    instance = complete(user("finance"), "finance_review", {"finance_decision": "approve"})

    assert instance.status == "completed"
    assert tasks_at(user("gov"), "gov_review") == [], "the total budget does not change"
    assert find_project(CODE, 2027).adjusted_amount == 350
    assert "审批" in adjustments()[0].summary


def test_finance_rejection_ends_without_recording(midyear, user):
    approved_project()
    submit(user, same_category=False)
    complete(user("dept"), "dept_review", {"dept_decision": "approve"})
    with pytest.raises(ValidationFailed):
        complete(user("finance"), "finance_review", {"finance_decision": "reject"})
    instance = complete(
        user("finance"),
        "finance_review",
        {"finance_decision": "reject", "finance_opinion": "年中不再追加"},
    )
    assert instance.status == "completed"
    assert adjustments() == [] and find_project(CODE, 2027).adjusted_amount == 300


@pytest.mark.parametrize(("decision", "recorded"), [("approve", True), ("reject", False)])
def test_a_change_of_the_total_budget_goes_to_the_county_government(
    midyear, user, decision, recorded
):
    approved_project()
    submit(user, same_category=False, changes_total_budget=True, addition=400)
    complete(user("dept"), "dept_review", {"dept_decision": "approve"})
    complete(
        user("finance"),
        "finance_review",
        {"finance_decision": "approve", "finance_opinion": "同意"},
    )
    gov = the_task(user("gov"), "gov_review")
    prefill = task_form(user("gov"), gov.id).data
    assert prefill["finance_opinion"] == "同意" and prefill["adjusted_amount"] == 700
    instance = complete(
        user("gov"), "gov_review", {"gov_decision": decision, "gov_opinion": "意见"}
    )
    assert instance.status == "completed"
    assert bool(adjustments()) is recorded
    assert find_project(CODE, 2027).adjusted_amount == (700 if recorded else 300)


def test_a_request_without_performance_targets_is_not_accepted(midyear, user):
    instance = submit(user, project_code="NEW-1", indicator_changes=[])
    assert instance.status == "completed" and instance.data["targets_ok"] is False
    assert list_inbox(user("finance"), process=KEY).tasks == []
    assert find_project("NEW-1", 2027) is None


def test_deleting_every_indicator_leaves_no_targets(midyear, user):
    approved_project(indicators=[])
    instance = submit(user, indicator_changes=[{**CHANGE, "change": "删除"}])
    assert instance.status == "completed" and instance.data["targets_ok"] is False


def test_new_targets_make_a_new_project_acceptable(midyear, user):
    instance = submit(user, project_code="NEW-2", indicator_changes=[{**CHANGE, "change": "新增"}])
    assert instance.data["targets_ok"] is True and instance.data["route"] == "review"
    assert the_task(user("dept"), "dept_review")


@pytest.mark.parametrize(("grade", "light"), [("差", None), ("中", None), (None, "red")])
def test_no_addition_for_a_low_performing_project(midyear, user, grade, light):
    approved_project(year=2026, grade=grade, light=light)  # last year's result
    approved_project(light=light)
    instance = submit(user)
    assert instance.status == "completed" and instance.data["low_performing"] is True
    assert list_inbox(user("finance"), process=KEY).tasks == []
    assert adjustments() == []


def test_a_low_performing_project_may_still_give_money_back(midyear, user):
    approved_project(year=2026, grade="差")
    approved_project()
    instance = submit(user, addition=0, reduction=30)
    assert instance.status == "running"
    assert instance.data["low_performing"] is True
    assert the_task(user("finance"), "finance_filing")


def test_a_project_funded_mid_year_enters_the_registry_approved_and_its_rounds_cover_it(
    midyear, user
):
    from app.services.campaigns import round_projects

    new_row = {**INDICATORS[0], "name": "新建录播教室数量", "target": "2", "change": "新增"}
    instance = submit(
        user,
        project_code="JY-2027-099",
        project_name="录播教室建设",
        opening_budget=0,
        addition=60,
        indicator_changes=[new_row],
    )
    complete(user("dept"), "dept_review", {"dept_decision": "approve"})
    complete(user("finance"), "finance_review", {"finance_decision": "approve"})
    db.session.refresh(instance)
    assert instance.status == "completed"

    project = find_project("JY-2027-099", 2027)
    assert (project.status, project.adjusted_amount) == ("approved", 60)
    assert [row["name"] for row in project.indicators] == ["新建录播教室数量"]
    covered = [p.code for p in round_projects("quarterly_monitoring", 2027)]
    assert "JY-2027-099" in covered


def test_an_adjusted_project_is_flagged_for_key_monitoring_in_the_next_round(midyear, user):
    from app.services.campaigns import start_data

    project = approved_project()
    assert "key_monitoring" not in start_data("quarterly_monitoring", project, 2027, 2)
    submit(user)  # within 5 % of the special fund: filed with finance
    complete(user("finance"), "finance_filing", {"filing_acknowledged": True})
    assert start_data("quarterly_monitoring", project, 2027, 2)["key_monitoring"] is True
