"""整改清单 in annual_evaluation, driven as the demo roles through the services: the
department's "已完成" is a claim, finance's verification alone closes an item, failures
and overdue items are listed for accountability with who decided."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, RectificationItem, RectificationVerification
from app.performance.context import RequestRefused, running
from app.performance.rectification import (
    registry_record_rectification,
    registry_verify_rectification,
)
from app.services.documents.rectification import RectificationFilters, rectification_list
from app.services.foundation.errors import NotFound, ValidationFailed
from app.services.runtime.forms_view import task_form
from app.services.runtime.queries import instance_detail, list_inbox
from app.services.runtime.tasks import complete_task
from rectification_loop import (
    FOLLOW_UP,
    ITEMS,
    KEY,
    LEDGER,
    MONITORING,
    RECORDS,
    VERIFY,
    deploy_evaluation,
    evaluated_with_items,
    monitored_with_correction,
    report,
    step,
    task_of,
    verify,
)

REJECTED = "台账未覆盖上级转移支付资金"


@pytest.fixture
def evaluated(app, user):
    deploy_evaluation()
    return lambda *items: evaluated_with_items(user, list(items))


def items_of(instance) -> list[tuple]:
    db.session.expire_all()
    return [
        (item.description, item.status, item.failures, item.verified_by_id)
        for item in db.session.scalars(
            select(RectificationItem)
            .where(RectificationItem.instance_id == instance.id)
            .order_by(RectificationItem.id)
        )
    ]


def shown(actor, instance, activity: str) -> list[tuple]:
    form = task_form(actor, task_of(actor, instance, activity).id)
    return [(r["description"], r["status"], r["failures"]) for r in form.data[ITEMS]]


def test_a_rejected_claim_goes_back_with_its_reason_and_a_verified_one_closes(
    user, clock, evaluated
):
    dept, finance = user("dept"), user("finance")
    instance = evaluated(LEDGER, RECORDS)
    assert shown(dept, instance, FOLLOW_UP) == [
        ("完善项目资金台账", "整改中", 0),
        ("规范项目验收资料归档", "整改中", 0),
    ]
    _, ready = report(dept, instance, "已完成", "正在整改")
    assert [t.activity_id for t in ready] == [VERIFY]
    assert list_inbox(dept, process=KEY).tasks == [], "the department waits for finance"
    assert items_of(instance) == [
        ("完善项目资金台账", "claimed", 0, None),
        ("规范项目验收资料归档", "open", 0, None),
    ]

    form = task_form(finance, task_of(finance, instance, VERIFY).id)
    assert [(r["status"], r["progress"]) for r in form.data[ITEMS]] == [
        ("待核实", "已完成"),
        ("整改中", "正在整改"),
    ]
    assert form.ui[ITEMS]["items"]["action_taken"] == {"ui:readonly": True}
    with pytest.raises(ValidationFailed) as refused:  # a failure names its reason
        verify(finance, instance, ("未通过", None), None)
    assert [d["path"] for d in refused.value.details] == [f"/{ITEMS}/0/verification_reason"]
    with pytest.raises(ValidationFailed) as refused:  # every claim is decided
        verify(finance, instance, None, None)
    assert [d["path"] for d in refused.value.details] == [f"/{ITEMS}/0/verification"]

    clock.at = datetime(2027, 3, 5, 10, 0)
    _, ready = verify(finance, instance, ("未通过", REJECTED), None)
    assert [t.activity_id for t in ready] == [FOLLOW_UP]
    form = task_form(dept, ready[0].id)
    assert [(r["status"], r["failures"], r["finance_reason"]) for r in form.data[ITEMS]] == [
        ("整改中", 1, REJECTED),
        ("整改中", 0, None),
    ]

    report(dept, instance, "已完成", "已完成", action="已补齐转移支付资金台账")
    clock.at = datetime(2027, 3, 9, 15, 30)
    instance, ready = verify(finance, instance, ("核实通过", None), ("核实通过", None))
    assert instance.status == "completed" and ready == []
    assert items_of(instance) == [
        ("完善项目资金台账", "closed", 1, finance.id),
        ("规范项目验收资料归档", "closed", 0, finance.id),
    ]
    closed = db.session.scalars(
        select(RectificationItem.closed_at).where(RectificationItem.instance_id == instance.id)
    ).all()
    assert closed == [datetime(2027, 3, 9, 15, 30)] * 2
    decisions = db.session.execute(
        select(
            RectificationVerification.outcome,
            RectificationVerification.decided_by_id,
            RectificationVerification.reason,
            RectificationVerification.at,
        ).order_by(RectificationVerification.id)
    ).all()
    assert decisions == [
        ("failed", finance.id, REJECTED, datetime(2027, 3, 5, 10, 0)),
        ("passed", finance.id, None, datetime(2027, 3, 9, 15, 30)),
        ("passed", finance.id, None, datetime(2027, 3, 9, 15, 30)),
    ]
    history = [
        (e.action, e.activity_id, e.actor.username if e.actor else None)
        for e in instance_detail(finance, instance.id).history
        if e.activity_id in (FOLLOW_UP, VERIFY)
    ]
    assert history == [
        ("completed", FOLLOW_UP, "dept"),
        ("completed", VERIFY, "finance"),
        ("completed", FOLLOW_UP, "dept"),
        ("completed", VERIFY, "finance"),
    ]
    listed = rectification_list(finance, RectificationFilters(fiscal_year=2027))
    assert [(r.status_label, r.verified_by) for r in listed.rows] == [
        ("已销号", finance.display_name)
    ] * 2


def test_reporting_nothing_done_comes_back_to_the_department_without_troubling_finance(
    user, evaluated
):
    dept, finance = user("dept"), user("finance")
    instance = evaluated(LEDGER)
    _, ready = report(dept, instance, "正在整改")
    assert [t.activity_id for t in ready] == [FOLLOW_UP]
    assert [t for t in list_inbox(finance, process=KEY).tasks if t.activity_id == VERIFY] == []
    assert shown(dept, instance, FOLLOW_UP) == [("完善项目资金台账", "整改中", 0)]


def test_a_department_cannot_close_an_item_itself(user, evaluated):
    dept = user("dept")
    instance = evaluated(LEDGER)
    task = task_of(dept, instance, FOLLOW_UP)
    with pytest.raises(ValidationFailed) as refused:
        complete_task(dept, task.id, {ITEMS: [{"action_taken": "已整改", "progress": "已销号"}]})
    assert [d["path"] for d in refused.value.details] == [f"/{ITEMS}/0/progress"]
    # What is finance's to write is not taken from the department: the item stays open.
    sent = {
        "action_taken": "已整改",
        "progress": "正在整改",
        "status": "已销号",
        "failures": 0,
        "verification": "核实通过",
    }
    complete_task(dept, task.id, {ITEMS: [sent]})
    assert items_of(instance) == [("完善项目资金台账", "open", 0, None)]
    assert db.session.scalars(select(RectificationVerification)).all() == []
    audit = db.session.scalar(
        select(AuditEvent).where(AuditEvent.task_id == task.id, AuditEvent.action == "completed")
    )
    assert sorted(audit.details["ignored"]) == [f"/{ITEMS}/0/status", f"/{ITEMS}/0/verification"]
    assert shown(dept, instance, FOLLOW_UP) == [("完善项目资金台账", "整改中", 0)]

    # Nor may it take finance's verification step.
    _, ready = report(dept, instance, "已完成")
    with pytest.raises(NotFound):
        complete_task(dept, ready[0].id, {ITEMS: [{"verification": "核实通过"}]})
    assert items_of(instance) == [("完善项目资金台账", "claimed", 0, None)]


def test_a_second_failure_puts_the_item_on_the_accountability_list(user, evaluated):
    dept, finance = user("dept"), user("finance")
    instance = evaluated(LEDGER)

    def accountable():
        found = rectification_list(finance, RectificationFilters(fiscal_year=2027))
        return [(r.item.description, r.ground_labels) for r in found.accountability]

    report(dept, instance, "已完成")
    verify(finance, instance, ("未通过", REJECTED))
    assert accountable() == [], "one failure is not yet for accountability"
    report(dept, instance, "已完成", action="补充了部分台账")
    verify(finance, instance, ("未通过", "仍缺少上级转移支付资金台账"))
    assert accountable() == [("完善项目资金台账", ["两次核实未通过"])]
    (row,) = rectification_list(finance, RectificationFilters(fiscal_year=2027)).accountability
    assert [str(d) for d in row.decisions] == [
        f"{d.at:%Y-%m-%d} {finance.display_name}：未通过（{reason}）"
        for d, reason in zip(row.decisions, (REJECTED, "仍缺少上级转移支付资金台账"), strict=True)
    ]
    assert row.set_by == finance.display_name and row.item.failures == 2
    assert shown(dept, instance, FOLLOW_UP) == [("完善项目资金台账", "整改中", 2)]


def test_an_item_past_its_deadline_and_not_closed_is_listed_for_accountability(
    user, clock, evaluated
):
    dept, finance = user("dept"), user("finance")
    instance = evaluated(
        {"description": "完善项目资金台账", "deadline": "2027-03-31"},
        {"description": "规范项目验收资料归档", "deadline": "2027-03-31"},
    )
    report(dept, instance, "已完成", "正在整改")
    verify(finance, instance, ("核实通过", None), None)

    def accountable():
        found = rectification_list(finance, RectificationFilters(fiscal_year=2027))
        return [(r.item.description, r.ground_labels) for r in found.accountability]

    assert accountable() == []
    clock.at = datetime(2027, 4, 1, 8, 0)
    assert accountable() == [("规范项目验收资料归档", ["逾期未销号"])], "the closed one is not"
    listed = rectification_list(finance, RectificationFilters(fiscal_year=2027, status="open"))
    assert [(r.item.due_date, r.overdue) for r in listed.rows] == [(date(2027, 3, 31), True)]


def test_a_department_never_sees_another_departments_items(user, evaluated):
    evaluated(LEDGER)
    seen = {
        name: [
            r.item.description for r in rectification_list(user(name), RectificationFilters()).rows
        ]
        for name in ("finance", "dept", "unit", "dept2", "unit2", "gov")
    }
    assert seen == {
        "finance": ["完善项目资金台账"],
        "dept": ["完善项目资金台账"],
        "unit": ["完善项目资金台账"],  # its own project
        "dept2": [],
        "unit2": [],
        "gov": ["完善项目资金台账"],
    }


def test_an_evaluation_with_nothing_to_rectify_ends_at_result_application(user, evaluated):
    instance = evaluated()
    db.session.refresh(instance)
    assert instance.status == "completed" and instance.data[ITEMS] == []
    with pytest.raises(AssertionError):
        step(user("dept"), instance, FOLLOW_UP, {})


@pytest.fixture
def monitored(app, user):
    deploy_evaluation(MONITORING)
    return lambda **correction: monitored_with_correction(user, correction)


def test_a_monitoring_correction_is_followed_like_an_evaluation_item(user, monitored):
    dept, finance = user("dept"), user("finance")
    instance = monitored(
        correction_decision="暂缓拨款",
        correction_decision_reason="重新招标完成前暂缓拨付二期工程款",
    )
    assert instance.status == "running"
    form = task_form(dept, task_of(dept, instance, FOLLOW_UP).id)
    assert form.data["correction_decision"] == "暂缓拨款"
    assert form.ui["correction_decision"] == {"ui:readonly": True}
    description = "第2季度监控纠偏：暂缓拨款（重新招标完成前暂缓拨付二期工程款）"
    assert [(r["description"], r["deadline"]) for r in form.data[ITEMS]] == [
        (description, "2027-09-30")  # by the end of the next quarter
    ]
    listed = rectification_list(finance, RectificationFilters(fiscal_year=2027))
    assert [(r.source_label, r.item.description) for r in listed.rows] == [
        ("监控纠偏", description)
    ]

    report(dept, instance, "已完成", action="七月完成重新招标，施工单位已进场")
    verify(finance, instance, ("未通过", "未见中标通知书"))
    report(dept, instance, "已完成", action="已上传中标通知书")
    instance, _ = verify(finance, instance, ("核实通过", None))
    assert instance.status == "completed"
    assert items_of(instance) == [(description, "closed", 1, finance.id)]


def test_no_correction_needed_opens_no_item(user, monitored):
    instance = monitored(
        correction_decision="无需处理", correction_decision_reason="二季度末已完成招标"
    )
    assert instance.status == "completed" and items_of(instance) == []


def test_a_report_from_a_diagram_drawn_before_verification_only_claims(user, evaluated):
    """Submissions running on an earlier version report by description with a status
    column; their "已完成" claims the item as today's form does, and closes nothing."""
    instance = evaluated(LEDGER, RECORDS)
    with running(instance, user("dept")):
        rows = registry_record_rectification(
            "JY-2027-001",
            2027,
            [
                {"description": "完善项目资金台账", "action_taken": "已建账", "status": "已完成"},
                {"description": "规范项目验收资料归档", "status": "正在整改"},
            ],
        )
    assert [(r["description"], r["status"]) for r in rows] == [
        ("完善项目资金台账", "待核实"),
        ("规范项目验收资料归档", "整改中"),
    ]
    assert items_of(instance) == [
        ("完善项目资金台账", "claimed", 0, None),
        ("规范项目验收资料归档", "open", 0, None),
    ]


def test_only_finance_may_verify_even_in_a_redrawn_diagram(user, evaluated):
    instance = evaluated(LEDGER)
    report(user("dept"), instance, "已完成")
    with running(instance, user("dept")), pytest.raises(RequestRefused, match="只有财政部门"):
        registry_verify_rectification("JY-2027-001", 2027, [{"verification": "核实通过"}])
    assert items_of(instance) == [("完善项目资金台账", "claimed", 0, None)]
