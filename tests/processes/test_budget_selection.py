"""遴选排序 against the department's 控制数 and its order, and the 职能分类 a department
files its projects under — driven as the demo's unit, department and finance."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from tests.processes.test_budget_compilation import (
    complete,
    start_as_unit,
    the_task,
    through_department,
)

from app.extensions import db
from app.models import ControlTotal, Org, Project
from app.models.department import DepartmentTargets
from app.performance.registry import find_project
from app.services.foundation.errors import Forbidden, ValidationFailed
from app.services.registry.control_totals import control_totals, save_control_totals
from app.services.runtime.forms_view import task_form
from compilation_data import PROJECT_FUNCTION, department_targets_approved
from county_review import COUNTY, county_step, submit_draft

YEAR = 2027


@pytest.fixture
def compilation(deployed):
    deployed("budget_compilation", COUNTY)
    department_targets_approved("edu", YEAR)


def education() -> Org:
    return db.session.scalar(select(Org).where(Org.code == "edu"))


def selected_elsewhere(code: str, amount: float, rank: int) -> Project:
    """Another of the education bureau's projects, already selected this year."""
    school = db.session.scalar(select(Org).where(Org.code == "edu-school2"))
    project = Project(
        code=code,
        name=f"项目 {code}",
        fiscal_year=YEAR,
        department_id=school.parent_id,
        unit_id=school.id,
        status="proposed",
        selected_amount=amount,
        priority_rank=rank,
        cumulative_adjustment=0,
        updated_at=datetime(YEAR - 1, 10, 1),
    )
    db.session.add(project)
    db.session.commit()
    return project


def to_selection(user):
    start_as_unit(user, nature="延续", requested_amount=300)
    through_department(user)
    complete(user("finance"), "finance_target_review", {"target_grade": "优"})


def set_control_total(user, amount: str):
    save_control_totals(user("finance"), YEAR, {education().id: amount})


def select_project(user, **changes):
    decision = {"funded": "yes", "priority_rank": 2, "approved_amount": 300, **changes}
    return complete(user("finance"), "rank_and_select", decision)


def test_a_selection_above_the_departments_control_total_is_refused_with_the_figures(
    compilation, user
):
    set_control_total(user, "1000")
    selected_elsewhere("JY-2027-050", 800, rank=1)
    to_selection(user)
    with pytest.raises(ValidationFailed) as refused:
        select_project(user)
    (detail,) = refused.value.details
    assert detail["path"] == "/approved_amount"
    assert "控制数 1000.00 万元" in detail["message"] and "最多 200.00 万元" in detail["message"]
    assert find_project("JY-2027-001", YEAR) is None, "the refused selection stored nothing"

    instance = select_project(user, approved_amount=200)
    assert instance.data["selection"]["department_arranged"] == 1000
    assert find_project("JY-2027-001", YEAR).selected_amount == 200


def test_finance_may_exceed_the_control_total_only_with_a_recorded_reason(compilation, user):
    set_control_total(user, "1000")
    selected_elsewhere("JY-2027-050", 800, rank=1)
    to_selection(user)
    instance = select_project(user, override_reason="县政府常务会议同意追加教育投入")
    assert instance.data["selection"]["over_control_total"] is True
    (line,) = [row for row in control_totals(user("finance"), YEAR) if row.name == "县教育局"]
    assert (line.control_total, line.arranged, line.over) == (1000, 1100, True)


def test_projects_are_ranked_within_their_department_without_ties(compilation, user):
    selected_elsewhere("JY-2027-050", 100, rank=1)
    to_selection(user)
    with pytest.raises(ValidationFailed) as refused:
        select_project(user, priority_rank=1)
    (detail,) = refused.value.details
    assert detail["path"] == "/priority_rank" and "JY-2027-050" in detail["message"]
    select_project(user, priority_rank=2)
    assert find_project("JY-2027-001", YEAR).priority_rank == 2


def test_a_rank_held_in_another_department_is_free(compilation, user):
    health = db.session.scalar(select(Org).where(Org.code == "health-hospital"))
    db.session.add(
        Project(
            code="WS-2027-050",
            name="医院项目",
            fiscal_year=YEAR,
            department_id=health.parent_id,
            unit_id=health.id,
            status="proposed",
            selected_amount=100,
            priority_rank=1,
            cumulative_adjustment=0,
            updated_at=datetime(YEAR - 1, 10, 1),
        )
    )
    db.session.commit()
    to_selection(user)
    select_project(user, priority_rank=1)
    assert find_project("JY-2027-001", YEAR).priority_rank == 1


def test_a_project_the_county_review_takes_out_frees_its_share_and_its_place(compilation, user):
    set_control_total(user, "400")
    selected_elsewhere("JY-2027-050", 100, rank=2)
    to_selection(user)
    select_project(user, priority_rank=1)
    submit_draft(user, YEAR)
    county_step(
        user("gov"),
        "gov_review",
        {"gov_decision": "return", "return_department": "县教育局", "return_reason": "压减"},
    )
    county_step(
        user("finance"),
        "finance_revise",
        {"revision_rows": [{"project_code": "JY-2027-001", "amount": 0}]},
    )
    project = find_project("JY-2027-001", YEAR)
    assert (project.status, project.selected_amount, project.priority_rank) == (
        "excluded",
        None,
        None,
    )
    (line,) = [row for row in control_totals(user("finance"), YEAR) if row.name == "县教育局"]
    assert line.arranged == 100


def test_the_department_files_each_project_under_one_of_its_listed_functions(compilation, user):
    start_as_unit(user, nature="延续", requested_amount=80)
    complete(user("dept"), "dept_review", {"dept_decision": "approve"})
    with pytest.raises(ValidationFailed) as refused:
        complete(user("dept"), "choose_project_function", {"project_function": "学前教育"})
    (detail,) = refused.value.details
    assert detail["path"] == "/project_function" and "义务教育" in detail["message"]
    complete(user("dept"), "choose_project_function", PROJECT_FUNCTION)
    review = the_task(user("finance"), "finance_target_review")
    shown = task_form(user("finance"), review.id)
    assert shown.data["project_function"] == "义务教育"
    assert shown.ui["project_function"]["ui:readonly"] is True


def test_a_project_is_grouped_under_the_departments_targets_filed_once_for_the_year(
    compilation, user
):
    """The department's overall targets are not filled again per project: the step shows
    the ones finance approved for the year, read-only, and asks only for the function."""
    start_as_unit(user, nature="延续", requested_amount=80)
    complete(user("dept"), "dept_review", {"dept_decision": "approve"})
    step = the_task(user("dept"), "choose_project_function")
    shown = task_form(user("dept"), step.id)
    targets = shown.data["department_targets"]
    assert targets["overall_goal"] == "办学条件达标率提升到 95%"
    assert [f["name"] for f in targets["functions"]] == ["义务教育"]
    assert shown.ui["department_targets"]["ui:readonly"] is True
    forged = {"functions": [{"name": "学前教育", "amount": 999}]}
    complete(
        user("dept"), "choose_project_function", {**PROJECT_FUNCTION, "department_targets": forged}
    )
    review = task_form(user("finance"), the_task(user("finance"), "finance_target_review").id)
    assert [f["name"] for f in review.data["department_targets"]["functions"]] == ["义务教育"]
    assert review.data["project_function"] == "义务教育"


def test_without_approved_department_targets_the_function_step_says_what_to_do_first(
    compilation, user
):
    db.session.execute(DepartmentTargets.__table__.update().values(status="submitted"))
    db.session.commit()
    start_as_unit(user, nature="延续", requested_amount=80)
    complete(user("dept"), "dept_review", {"dept_decision": "approve"})
    with pytest.raises(ValidationFailed) as refused:
        complete(user("dept"), "choose_project_function", PROJECT_FUNCTION)
    (detail,) = refused.value.details
    assert detail["path"] == "/project_function"
    assert "县教育局 2027 年度部门整体绩效目标尚未经财政批复" in detail["message"]
    assert the_task(user("dept"), "choose_project_function"), "the step stays open"
    # Finance approves the department's targets: the same step now goes on.
    db.session.execute(DepartmentTargets.__table__.update().values(status="approved"))
    db.session.commit()
    complete(user("dept"), "choose_project_function", PROJECT_FUNCTION)
    assert the_task(user("finance"), "finance_target_review")


def test_only_finance_sets_control_totals_and_bad_amounts_change_nothing(compilation, user):
    with pytest.raises(Forbidden):
        save_control_totals(user("dept"), YEAR, {education().id: "5000"})
    with pytest.raises(ValidationFailed) as refused:
        save_control_totals(user("finance"), YEAR, {education().id: "12.345"})
    assert "两位小数" in refused.value.details[0]
    set_control_total(user, "1,200")
    assert db.session.scalar(select(ControlTotal.amount)) == 1200
    set_control_total(user, "")
    assert db.session.scalar(select(ControlTotal.amount)) is None


def test_an_english_reader_reads_the_control_total_refusals_in_english(compilation, user):
    set_control_total(user, "1000")
    selected_elsewhere("JY-2027-050", 800, rank=1)
    to_selection(user)
    with force_locale("en"), pytest.raises(ValidationFailed) as refused:
        select_project(user)
    (detail,) = refused.value.details
    assert detail["message"] == (
        "This exceeds 县教育局's control total of 1000.00 (10k yuan): the department has "
        "arranged 800.00, so this project may have at most 200.00; to exceed the control "
        "total, write the reason for the increase."
    )
    with force_locale("en"), pytest.raises(ValidationFailed) as refused:
        save_control_totals(user("finance"), YEAR, {education().id: "12.345"})
    with force_locale("en"):
        assert refused.value.message == "The control totals have errors; nothing was saved."
        assert refused.value.details == ["县教育局: an amount has at most two decimals."]
    assert refused.value.details == ["县教育局：金额最多两位小数"]  # Chinese by default
