"""追加调整 (midyear_adjustment): the brief's gateways in order — no targets, low-performing,
filing or review — and the review's department, finance, government and 人大常委会 steps.

The route is the seed's: only a restructuring, or a reallocation between projects of one
职能分类 within 5 % of the department's special fund (cumulative per department, fund and
year, from the registry), is filed; new money and reductions change the county's total and
go on to the government and the standing committee."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.models import Org, Project, ProjectEvent
from app.performance.registry import find_project
from app.services.foundation.errors import ValidationFailed
from app.services.runtime.forms_view import task_form
from app.services.runtime.instances import start_instance
from app.services.runtime.queries import list_inbox
from app.services.runtime.tasks import complete_task

KEY = "midyear_adjustment"
CODE = "JY-2027-001"
SOURCE = "JY-2027-002"
REALLOCATION = "同一职能分类内项目间调剂"

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
    year: int = 2027,
    indicators=INDICATORS,
    grade=None,
    light=None,
    cumulative=0,
    code=CODE,
    amount=300,
    function="义务教育保障",
    school="edu-school1",
) -> Project:
    """A project as compilation leaves it: approved, of the 教育发展专项资金 fund."""
    school = db.session.scalar(select(Org).where(Org.code == school))
    project = Project(
        code=code,
        name="县第一中学教室改造" if code == CODE else f"项目 {code}",
        fiscal_year=year,
        department_id=school.parent_id,
        unit_id=school.id,
        status="approved",
        functional_category="2050203 初中教育",
        department_function=function,
        special_fund="教育发展专项资金",
        approved_amount=amount,
        adjusted_amount=amount,
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
        "kind": "追加资金",
        "addition": 50,
        "reduction": 0,
        "functional_category": "2050203 初中教育",
        "economic_category": "31002 办公设备购置",
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


def reallocation(amount=50, source=SOURCE, **changes) -> dict:
    return {"kind": REALLOCATION, "addition": amount, "source_project_code": source, **changes}


def fund_of_2000(function="义务教育保障") -> Project:
    """The 2027 教育发展专项资金 of the education bureau: 300 + 1700 = 2000 万元, so the
    filing share (5 %) is 100 万元; the source project serves `function`."""
    project = approved_project()
    approved_project(code=SOURCE, amount=1700, function=function)
    return project


def through_review(user, *, finance="approve"):
    complete(user("dept"), "dept_review", {"dept_decision": "approve"})
    return complete(
        user("finance"), "finance_review", {"finance_decision": finance, "finance_opinion": "同意"}
    )


def test_a_reallocation_within_one_function_and_five_percent_is_filed_with_finance(midyear, user):
    fund_of_2000()
    instance = submit(user, **reallocation(50))
    assessment = instance.data["adjustment"]
    assert assessment["route"] == "filing" and assessment["changes_county_total"] is False
    assert (assessment["fund_total"], assessment["filing_limit"]) == (2000, 100)
    assert tasks_at(user("dept"), "dept_review") == [], "filing needs no department review"

    filing = the_task(user("finance"), "finance_filing")
    shown = task_form(user("finance"), filing.id)
    assert shown.data["adjustment"]["adjusted_amount"] == 350
    assert "未超过" in shown.data["adjustment"]["basis"]
    with pytest.raises(ValidationFailed):
        complete(user("finance"), "finance_filing", {"filing_acknowledged": False})
    instance = complete(user("finance"), "finance_filing", {"filing_acknowledged": True})

    assert instance.status == "completed"
    assert find_project(CODE, 2027).adjusted_amount == 350
    assert find_project(SOURCE, 2027).adjusted_amount == 1650, "the money left the source"
    assert find_project(CODE, 2027).indicators[0]["target"] == "14"
    assert all("备案" in event.summary for event in adjustments())


def test_filed_reallocations_count_cumulatively_per_department_fund_and_year(midyear, user):
    fund_of_2000()
    submit(user, **reallocation(60))
    complete(user("finance"), "finance_filing", {"filing_acknowledged": True})

    instance = submit(user, **reallocation(50))  # 60 + 50 > 100: beyond what may be filed
    assessment = instance.data["adjustment"]
    assert assessment["route"] == "review" and assessment["filed_before"] == 60
    assert "超过" in assessment["basis"]
    assert the_task(user("dept"), "dept_review")
    instance = through_review(user)
    assert instance.status == "completed", "a reallocation leaves the county total alone"
    assert tasks_at(user("gov"), "gov_review") == []
    assert find_project(SOURCE, 2027).adjusted_amount == 1700 - 60 - 50


def test_a_reallocation_across_functions_is_reviewed_by_department_and_finance(midyear, user):
    fund_of_2000(function="教师队伍建设")
    instance = submit(user, **reallocation(10))
    assert instance.data["adjustment"]["route"] == "review"
    assert "职能分类" in instance.data["adjustment"]["basis"]
    assert tasks_at(user("finance"), "finance_filing") == []
    assert through_review(user).status == "completed"


def test_new_money_always_reaches_the_department_finance_government_and_congress(midyear, user):
    fund_of_2000()
    # One 万元 of new money, far inside 5 %, and the unit claiming a filing: no matter.
    instance = submit(user, addition=1, route="filing", same_category=True)
    assessment = instance.data["adjustment"]
    assert (assessment["route"], assessment["changes_county_total"]) == ("review", True)
    assert tasks_at(user("finance"), "finance_filing") == []
    through_review(user)

    gov = the_task(user("gov"), "gov_review")
    assert task_form(user("gov"), gov.id).data["finance_opinion"] == "同意"
    complete(user("gov"), "gov_review", {"gov_decision": "approve", "gov_opinion": "同意报批"})
    assert adjustments() == [], "nothing is recorded before the standing committee approves"

    congress = the_task(user("congress"), "congress_review")
    shown = task_form(user("congress"), congress.id)
    assert shown.data["gov_opinion"] == "同意报批"
    assert "人大常委会" in shown.data["adjustment"]["basis"]
    instance = complete(user("congress"), "congress_review", {"congress_decision": "approve"})
    assert instance.status == "completed"
    assert find_project(CODE, 2027).adjusted_amount == 301
    assert "审批" in adjustments()[0].summary


@pytest.mark.parametrize("rejecting", ["gov", "congress"])
def test_a_budget_adjustment_refused_by_government_or_congress_changes_nothing(
    midyear, user, rejecting
):
    approved_project()
    submit(user, addition=400)
    through_review(user)
    decision = "reject" if rejecting == "gov" else "approve"
    complete(user("gov"), "gov_review", {"gov_decision": decision, "gov_opinion": "意见"})
    if rejecting == "congress":
        complete(user("congress"), "congress_review", {"congress_decision": "reject"})
    assert adjustments() == [] and find_project(CODE, 2027).adjusted_amount == 300
    assert tasks_at(user("congress"), "congress_review") == []


def test_a_reduction_is_a_budget_adjustment_too(midyear, user):
    approved_project()
    instance = submit(user, kind="追减资金", addition=0, reduction=30)
    assert instance.data["adjustment"]["changes_county_total"] is True
    through_review(user)
    complete(user("gov"), "gov_review", {"gov_decision": "approve"})
    complete(user("congress"), "congress_review", {"congress_decision": "approve"})
    assert find_project(CODE, 2027).adjusted_amount == 270


def test_a_change_of_content_and_structure_is_filed(midyear, user):
    approved_project()
    instance = submit(user, kind="调整支出内容和结构", addition=0)
    assert instance.data["adjustment"]["route"] == "filing"
    complete(user("finance"), "finance_filing", {"filing_acknowledged": True})
    assert find_project(CODE, 2027).adjusted_amount == 300


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "调整支出内容和结构", "addition": 20}, "/addition"),
        ({"kind": "追加资金", "addition": 0}, "/addition"),
        ({"kind": REALLOCATION, "addition": 10}, "/source_project_code"),
        (reallocation(1800), "/addition"),
        (reallocation(10, source="JY-2027-404"), "/source_project_code"),
    ],
)
def test_a_request_that_does_not_add_up_is_refused_with_the_field(midyear, user, changes, field):
    fund_of_2000()
    start_instance(user("unit"), KEY, title="教室改造追加")
    with pytest.raises(ValidationFailed) as refused:
        complete(user("unit"), "fill_adjustment", request(**changes))
    assert field in [d["path"] for d in refused.value.details]
    assert adjustments() == []


def test_money_cannot_be_taken_from_another_units_project(midyear, user):
    approved_project()
    approved_project(code=SOURCE, amount=1700, school="edu-school2")
    start_instance(user("unit"), KEY, title="从实验小学调剂")
    with pytest.raises(ValidationFailed) as refused:
        complete(user("unit"), "fill_adjustment", request(**reallocation(10)))
    assert [d["path"] for d in refused.value.details] == ["/source_project_code"]
    assert find_project(SOURCE, 2027).adjusted_amount == 1700


def test_finance_rejection_ends_without_recording(midyear, user):
    approved_project()
    submit(user)
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


def test_the_department_returns_a_request_to_the_unit(midyear, user):
    approved_project()
    submit(user)
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
    assert the_task(user("dept"), "dept_review")


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
    assert instance.data["targets_ok"] is True
    assert instance.data["adjustment"]["route"] == "review"
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
    instance = submit(user, kind="追减资金", addition=0, reduction=30)
    assert instance.status == "running"
    assert instance.data["low_performing"] is True
    assert the_task(user("dept"), "dept_review")


def test_a_project_funded_mid_year_enters_the_registry_approved_and_its_rounds_cover_it(
    midyear, user
):
    from app.services.registry.campaigns import round_projects

    new_row = {**INDICATORS[0], "name": "新建录播教室数量", "target": "2", "change": "新增"}
    instance = submit(
        user,
        project_code="JY-2027-099",
        project_name="录播教室建设",
        addition=60,
        indicator_changes=[new_row],
    )
    through_review(user)
    complete(user("gov"), "gov_review", {"gov_decision": "approve"})
    complete(user("congress"), "congress_review", {"congress_decision": "approve"})
    db.session.refresh(instance)
    assert instance.status == "completed"

    project = find_project("JY-2027-099", 2027)
    assert (project.status, project.adjusted_amount) == ("approved", 60)
    assert [row["name"] for row in project.indicators] == ["新建录播教室数量"]
    covered = [p.code for p in round_projects("quarterly_monitoring", 2027)]
    assert "JY-2027-099" in covered


def test_an_adjusted_project_is_flagged_for_key_monitoring_in_the_next_round(midyear, user):
    from app.services.registry.campaigns import start_data

    code = fund_of_2000().code
    # As a round reads them: with their department's and unit's names (find_project).
    project = find_project(code, 2027)
    assert "key_monitoring" not in start_data("quarterly_monitoring", project, 2027, 2)
    submit(user, **reallocation(50))  # within 5 % of the special fund: filed with finance
    complete(user("finance"), "finance_filing", {"filing_acknowledged": True})
    project = find_project(code, 2027)
    assert start_data("quarterly_monitoring", project, 2027, 2)["key_monitoring"] is True


def test_the_basis_is_kept_in_the_county_s_language_whoever_asks(midyear, user):
    fund_of_2000()
    with force_locale("en"):
        instance = submit(user, **reallocation(50))
    assert instance.data["adjustment"]["basis"] == (
        "同一职能分类内调剂，本年累计 50.00 万元，"
        "未超过专项资金“教育发展专项资金”预算 2000.00 万元的 5%（100.00 万元）"
    )


def test_an_english_reader_reads_a_refused_reduction_in_english(midyear, user):
    approved_project()
    with force_locale("en"), pytest.raises(ValidationFailed) as refused:
        submit(user, kind="追减资金", addition=0, reduction=500)
    with force_locale("en"):
        assert refused.value.details[0]["message"] == (
            "The reduction exceeds the project's budget of 300.00 (10k yuan)."
        )
