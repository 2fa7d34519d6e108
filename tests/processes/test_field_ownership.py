"""Each step writes only what is its own, driven as the demo roles through the services.

A clerk cannot plant a later step's fields at start or through any step, read-only
holds in every spelling, approved rows keep their identity, and registry operators
reach only the submission's own organisation.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Org, ProcessInstance, Project
from app.services.foundation.errors import ValidationFailed
from app.services.runtime import queries
from app.services.runtime.forms_view import task_form
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS, SCHOOL_INDICATORS, approved_project, deploy_simple_approval

FIXTURES = Path(__file__).parents[1] / "fixtures"
INDICATORS = SCHOOL_INDICATORS


def instance_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ProcessInstance))


def the_task(actor, process: str, activity: str):
    found = [
        t for t in queries.list_inbox(actor, process=process).tasks if t.activity_id == activity
    ]
    assert len(found) == 1, f"{actor.username} should have one {activity}"
    return found[0]


# --- start data -------------------------------------------------------------------------


def test_a_clerk_cannot_plant_an_experts_score_or_an_approved_amount_at_start(deployed, user):
    deployed("budget_compilation")
    before = instance_count()
    with pytest.raises(ValidationFailed) as refused:
        start_instance(
            user("unit"),
            "budget_compilation",
            data={"project_name": "操场改造", "score_necessity": 20, "approved_amount": 999},
        )
    assert {d["path"] for d in refused.value.details} == {"/score_necessity", "/approved_amount"}
    assert all("发起表单" in d["message"] for d in refused.value.details)
    db.session.rollback()
    assert instance_count() == before, "a refused start creates nothing"


def test_start_data_that_the_first_form_asks_for_prefills_it(deployed, user):
    deployed("budget_compilation")
    instance, ready = start_instance(
        user("unit"),
        "budget_compilation",
        data={"project_name": "操场改造", "requested_amount": 50},
    )
    prefill = task_form(user("unit"), ready[0].id).data
    assert prefill["project_name"] == "操场改造" and prefill["requested_amount"] == 50


def test_a_read_only_field_of_the_start_form_cannot_be_planted_either(deployed, user):
    deployed("budget_compilation")  # dept_opinion is shown to the unit, read-only
    with pytest.raises(ValidationFailed) as refused:
        start_instance(
            user("unit"), "budget_compilation", data={"dept_opinion": "同意，直接报财政"}
        )
    assert [d["path"] for d in refused.value.details] == ["/dept_opinion"]


# --- completions ------------------------------------------------------------------------


def test_a_step_cannot_write_the_fields_of_later_steps(deployed, user):
    deployed("budget_compilation")
    unit = user("unit")
    instance, ready = start_instance(unit, "budget_compilation")
    form = task_form(unit, ready[0].id)
    planted = {"approved_amount": 999, "pre_eval_conclusion": "予以支持", "funded": True}
    data = {**_compilation_targets(), **planted}
    complete_task(unit, ready[0].id, data)
    db.session.refresh(instance)
    assert not planted.keys() & instance.data.keys()
    assert form.task.id == ready[0].id
    audit = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.instance_id == instance.id, AuditEvent.action == "completed"
        )
    )
    assert set(audit.details["ignored"]) == {"/approved_amount", "/pre_eval_conclusion", "/funded"}


READ_ONLY_SPELLINGS = {
    "ui:readonly": ({}, {"total_amount": {"ui:readonly": True}}),
    "ui:disabled": ({}, {"total_amount": {"ui:disabled": True}}),
    "readOnly": ({"readOnly": True}, {}),
}


@pytest.mark.parametrize("spelling", sorted(READ_ONLY_SPELLINGS))
def test_read_only_in_every_spelling_keeps_the_earlier_value(app, user, spelling):
    schema_extra, ui = READ_ONLY_SPELLINGS[spelling]
    review = json.loads((FIXTURES / "forms" / "review.schema.json").read_text())
    review["properties"]["total_amount"] = {"type": "number", "title": "项目总额", **schema_extra}
    deploy_simple_approval({"review.schema.json": review, "review.uischema.json": ui})

    instance, ready = start_instance(user("unit"), "simple_approval", title="只读测试")
    _, ready = complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
    complete_task(user("dept"), ready[0].id, {"decision": "approve", "total_amount": 1})
    db.session.refresh(instance)
    assert instance.data["total_amount"] == 120.5


# --- approved rows ----------------------------------------------------------------------


@pytest.fixture
def monitoring(deployed, user):
    """A Q2 monitoring report of 县第一中学's project, as a round starts it."""
    deployed("quarterly_monitoring")
    approved_project("JY-2027-001", 2027, INDICATORS)
    instance, ready = start_instance(
        user("finance"),
        "quarterly_monitoring",
        org_id=db.session.scalar(select(Org.id).where(Org.code == "edu-school1")),
        prefill={
            "project_code": "JY-2027-001",
            "project_name": "校舍维修改造",
            "fiscal_year": 2027,
            "quarter": 2,
            "adjusted_budget": 100,
            "indicators": INDICATORS,
        },
    )
    return instance, ready[0]


def _answers(row: int) -> dict:
    if row == 0:
        return {"actual": "1500", "expected_full_year": "3000", "likelihood": "确定能"}
    return {"qualitative_result": "达成", "likelihood": "确定能"}


def _report(rows: list) -> dict:
    return {
        "spent": 50,
        "reached_stage_goal": True,
        "indicators": rows,
    }


def test_approved_rows_keep_their_order_when_posted_swapped(monitoring, user):
    instance, task = monitoring
    rows = [{"_row": "2", **_answers(1)}, {"_row": "1", **_answers(0)}]
    complete_task(user("unit"), task.id, _report(rows))
    db.session.refresh(instance)
    stored = instance.data["indicators"]
    assert [r["name"] for r in stored] == ["维修校舍面积", "师生满意度"]
    assert stored[0]["actual"] == "1500" and stored[1]["qualitative_result"] == "达成"
    assert [r["_row"] for r in stored] == ["1", "2"]


def test_an_approved_rows_target_cannot_be_changed_and_no_row_added(monitoring, user):
    instance, task = monitoring
    rows = [
        {**_answers(0), "target": "1", "name": "随便什么"},
        _answers(1),
        {"name": "新增的指标", "sign": "≥", "target": "1", **_answers(0)},
    ]
    complete_task(user("unit"), task.id, _report(rows))
    db.session.refresh(instance)
    stored = instance.data["indicators"]
    assert [(r["name"], r["target"]) for r in stored] == [
        ("维修校舍面积", "3000"),
        ("师生满意度", "满意"),
    ]


def test_an_approved_row_cannot_be_dropped(monitoring, user):
    instance, task = monitoring
    with pytest.raises(ValidationFailed) as refused:
        complete_task(user("unit"), task.id, _report([_answers(0)]))
    assert "/indicators/1/qualitative_result" in {d["path"] for d in refused.value.details}
    db.session.rollback()
    db.session.refresh(instance)
    assert [r["name"] for r in instance.data["indicators"]] == ["维修校舍面积", "师生满意度"]


def test_the_row_keys_travel_with_the_rows_to_the_next_step(monitoring, user):
    _, task = monitoring
    _, ready = complete_task(user("unit"), task.id, _report([_answers(0), _answers(1)]))
    later = task_form(user("dept"), ready[0].id).data["indicators"]
    assert [(r["_row"], r["name"]) for r in later] == [("1", "维修校舍面积"), ("2", "师生满意度")]


# --- the registry's reach ---------------------------------------------------------------


def test_a_unit_naming_another_departments_project_gets_a_refusal_not_its_figures(deployed, user):
    deployed("midyear_adjustment")
    hospital = db.session.scalar(select(Org).where(Org.code == "health-hospital"))
    if hospital is None:  # the demo's second department's unit, whatever its code
        hospital = db.session.scalar(select(Org).where(Org.name == "县人民医院"))
    db.session.add(
        Project(
            code="WS-2027-009",
            name="医疗设备购置",
            fiscal_year=2027,
            department_id=hospital.parent_id,
            unit_id=hospital.id,
            status="approved",
            approved_amount=880,
            adjusted_amount=880,
            indicators=INDICATORS,
            cumulative_adjustment=0,
            updated_at=datetime(2027, 1, 1),
        )
    )
    db.session.commit()
    unit = user("unit")
    instance, ready = start_instance(unit, "midyear_adjustment", title="借用他人项目")
    data = {
        "project_code": "WS-2027-009",
        "project_name": "医疗设备购置",
        "fiscal_year": 2027,
        "unit_name": "县第一中学",
        "kind": "追加资金",
        "addition": 10,
        "reduction": 0,
        "functional_category": "2100201 综合医院",
        "economic_category": "31002 办公设备购置",
        "reason": "试探另一个部门的项目数据",
        "indicator_changes": [],
    }
    with pytest.raises(ValidationFailed) as refused:
        complete_task(unit, ready[0].id, data)
    assert [d["path"] for d in refused.value.details] == ["/project_code"]
    assert "不属于本单位" in refused.value.details[0]["message"]
    assert "880" not in str(refused.value.details)
    db.session.rollback()
    db.session.refresh(instance)
    assert "project" not in (instance.data or {}), "nothing of the other project is stored"
    incidents = select(AuditEvent).where(AuditEvent.action == "incident")
    assert db.session.scalars(incidents).all() == [], "a typing mistake is no incident"


# --- helpers ----------------------------------------------------------------------------


def _compilation_targets() -> dict:
    return {
        "project_code": "JY-2028-010",
        "project_name": "操场改造",
        "fiscal_year": 2028,
        "department_name": "县教育局",
        "unit_name": "县第一中学",
        "nature": "新增",
        "project_type": "一次性",
        "project_category": "基本建设",
        "plan_start_date": "2028-03-01",
        "plan_end_date": "2028-10-31",
        "total_fiscal_funds": 80,
        "requested_amount": 80,
        "functional_category": "2050203 初中教育",
        "special_fund": "教育发展专项资金",
        "funding_source": "本级财政",
        "overall_goal": "完成操场塑胶跑道与排水改造，满足师生体育活动需要",
        "annual_goal": "完成操场塑胶跑道与排水改造，满足师生体育活动需要",
        "project_content": "铺设 400 米塑胶跑道并改造操场排水",
        "cost_basis": "6000 平方米 × 130 元/平方米 ≈ 80 万元",
        "safeguards": "按政府采购程序实施，县教育局验收",
        "indicators": [
            {
                "level1": "产出指标",
                "level2": "数量指标",
                "name": "改造面积",
                "sign": "≥",
                "target": "6000",
                "unit": "平方米",
                "period": "年度",
                "points": 50,
            },
            {
                "level1": "效益指标",
                "level2": "社会效益指标",
                "name": "体育课正常开课率",
                "sign": "≥",
                "target": "100",
                "unit": "%",
                "period": "年度",
                "points": 30,
            },
            {
                "level1": "满意度指标",
                "level2": "服务对象满意度指标",
                "name": "师生满意度",
                "sign": "≥",
                "target": "90",
                "unit": "%",
                "period": "年度",
                "points": 10,
            },
        ],
    }


# --- the property, through the service ------------------------------------------------

hostile_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
)
hostile_posts = st.dictionaries(
    st.sampled_from(
        ["decision", "comment", "project_name", "total_amount", "indicators", "score", "x"]
    ),
    hostile_values | st.sampled_from(["approve", "return"]),
    max_size=6,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(posted=hostile_posts)
def test_any_json_posted_to_a_step_changes_only_that_steps_own_fields(app, user, posted):
    instance, ready = start_instance(user("unit"), "simple_approval", title="任意数据")
    _, ready = complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
    db.session.refresh(instance)
    before = dict(instance.data)
    try:
        complete_task(user("dept"), ready[0].id, posted)
    except ValidationFailed:
        db.session.rollback()
    db.session.refresh(instance)
    changed = {
        k for k in before.keys() | instance.data.keys() if before.get(k) != instance.data.get(k)
    }
    assert changed <= {"decision", "comment"}, "the department review owns only these"


def test_the_modelers_test_run_shows_a_stand_in_for_a_project_its_user_may_not_see(deployed, user):
    from app.services.administration.test_runs import advance_test_run, start_test_run
    from processes.conftest import PROCESSES

    deployed("midyear_adjustment")
    approved_project("JY-2027-001", 2027, INDICATORS, approved_amount=321)
    xml = (PROCESSES / "midyear_adjustment.bpmn").read_bytes()
    admin = user("admin")
    first = start_test_run(admin, "midyear_adjustment", xml)
    (fill,) = first["ready"]
    request = {
        "project_code": "JY-2027-001",
        "project_name": "校舍维修改造",
        "fiscal_year": 2027,
        "unit_name": "县第一中学",
        "kind": "追加资金",
        "addition": 10,
        "reduction": 0,
        "functional_category": "2050203 初中教育",
        "economic_category": "31002 办公设备购置",
        "reason": "试运行：查看网关走向",
        "indicator_changes": [],
    }
    answer = advance_test_run(
        admin, "midyear_adjustment", xml, first["token"], fill["task_id"], request
    )
    assert "321" not in json.dumps(answer, ensure_ascii=False), "no figure of the project"
    assert "registry_lookup" in answer["stand_ins"]
