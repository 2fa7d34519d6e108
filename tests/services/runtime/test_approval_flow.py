"""The fixture approval (fill targets, department review, finance review) via services."""

from __future__ import annotations

import pytest

from app.models import Task
from app.services.foundation.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.services.runtime import queries
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import claim_task, complete_task, unclaim_task
from factories import GOOD_TARGETS


def inbox_names(user) -> list[tuple[str, str]]:
    return [(t.activity_id, t.instance.title) for t in queries.list_inbox(user).tasks]


def start(user, title="校舍维修改造 申报") -> tuple:
    instance, ready = start_instance(user, "simple_approval", title=title)
    return instance, ready[0]


def test_unit_starts_and_the_first_task_waits_in_its_own_inbox_only(user):
    unit = user("unit")
    instance, task = start(unit)
    assert instance.org.code == "edu-school1"
    assert instance.started_by.username == "unit"
    assert task.activity_id == "fill_targets" and task.role_code == "budget_unit"
    assert inbox_names(unit) == [("fill_targets", "校舍维修改造 申报")]
    for other in ("unit2", "dept", "dept2", "expert", "admin"):
        assert inbox_names(user(other)) == [], other


def test_department_review_reaches_own_department_and_finance_only(user):
    unit = user("unit")
    _, task = start(unit)
    _, ready = complete_task(unit, task.id, GOOD_TARGETS)
    assert [t.activity_id for t in ready] == ["dept_review"]
    # Lane "预算部门" is the role's display name: routed to budget_department.
    assert ready[0].role_code == "budget_department"
    assert [a for a, _ in inbox_names(user("dept"))] == ["dept_review"]
    assert inbox_names(user("dept2")) == []
    assert inbox_names(user("unit")) == []


def test_finance_sees_every_department_review_and_dept2_sees_nothing_of_dept(user):
    unit = user("unit")
    instance, task = start(unit)
    complete_task(unit, task.id, GOOD_TARGETS)
    dept2 = user("dept2")
    with pytest.raises(NotFound):
        queries.instance_detail(dept2, instance.id)
    assert queries.list_instances(dept2) == []
    assert [i.id for i in queries.list_instances(user("dept"))] == [instance.id]
    assert [i.id for i in queries.list_instances(user("finance"))] == [instance.id]


def test_return_loop_brings_the_task_back_prefilled_and_approval_finishes(user):
    unit, dept, finance = user("unit"), user("dept"), user("finance")
    instance, task = start(unit)
    _, ready = complete_task(unit, task.id, GOOD_TARGETS)
    _, ready = complete_task(dept, ready[0].id, {"decision": "return", "comment": "指标不够细化"})
    assert [t.activity_id for t in ready] == ["fill_targets"]
    assert instance.data["project_name"] == "校舍维修改造"
    revised = dict(GOOD_TARGETS, annual_goal="完成三栋教学楼维修改造，面积不少于3000平方米")
    _, ready = complete_task(unit, ready[0].id, revised)
    _, ready = complete_task(dept, ready[0].id, {"decision": "approve"})
    assert [t.activity_id for t in ready] == ["finance_review"]
    instance, ready = complete_task(
        finance, ready[0].id, {"decision": "approve", "comment": "同意"}
    )
    assert ready == [] and instance.status == "completed"
    detail = queries.instance_detail(finance, instance.id)
    actions = [
        (e.action, e.activity_id, e.actor.username if e.actor else None) for e in detail.history
    ]
    assert actions == [
        ("started", None, "unit"),
        ("completed", "fill_targets", "unit"),
        ("completed", "dept_review", "dept"),
        ("completed", "fill_targets", "unit"),
        ("completed", "dept_review", "dept"),
        ("completed", "finance_review", "finance"),
        ("finished", None, "finance"),
    ]
    assert detail.history[2].comment == "指标不够细化"
    assert detail.history[2].details == {"decision": "return", "fields": ["comment", "decision"]}


def test_invalid_submission_is_refused_with_paths_and_changes_nothing(user):
    unit = user("unit")
    instance, task = start(unit)
    bad = dict(GOOD_TARGETS, total_amount=-5, project_code="bad code")
    bad["indicators"] = [{"level1": "产出指标", "sign": "≥", "target": "1"}]
    with pytest.raises(ValidationFailed) as refused:
        complete_task(unit, task.id, bad)
    paths = {d["path"] for d in refused.value.details}
    assert {"/total_amount", "/project_code", "/indicators/0/name"} <= paths
    fresh = queries.list_inbox(unit).tasks
    assert [t.id for t in fresh] == [task.id] and fresh[0].status == "ready"
    assert queries.instance_detail(unit, instance.id).history[-1].action == "started"


def test_second_completion_answers_conflict(user):
    unit = user("unit")
    _, task = start(unit)
    complete_task(unit, task.id, GOOD_TARGETS)
    with pytest.raises(Conflict):
        complete_task(unit, task.id, GOOD_TARGETS)


def test_claimed_task_is_completed_only_by_its_holder(user, app):
    unit = user("unit")
    _, task = start(unit)
    complete_task(unit, task.id, GOOD_TARGETS)
    review = queries.list_inbox(user("dept")).tasks[0]
    finance = user("finance")
    # finance cannot see dept_review: the lane is budget_department
    with pytest.raises(NotFound):
        claim_task(finance, review.id)
    claim_task(user("dept"), review.id)
    inbox = queries.list_inbox(user("dept"))
    assert inbox.mine_count == 1 and inbox.roles_count == 1
    unclaim_task(user("dept"), review.id)
    assert queries.list_inbox(user("dept")).mine_count == 0


def test_someone_else_cannot_unclaim_or_complete_a_claimed_task(user, app):
    from app.extensions import db
    from app.services.operations.setup import add_user

    unit = user("unit")
    _, task = start(unit)
    colleague = add_user("unit-b", "同校同事", unit.org, ["budget_unit"], "pw-secret-1")
    db.session.commit()
    claim_task(unit, task.id)
    with pytest.raises(Conflict):
        claim_task(colleague, task.id)
    with pytest.raises(Conflict):
        unclaim_task(colleague, task.id)
    with pytest.raises(Forbidden):
        complete_task(colleague, task.id, GOOD_TARGETS)
    assert db.session.get(Task, task.id).status == "ready"


def test_only_the_start_lane_role_may_start(user):
    with pytest.raises(Forbidden):
        start_instance(user("dept"), "simple_approval")
    with pytest.raises(NotFound):
        start_instance(user("unit"), "no_such_process")


def test_fields_the_form_does_not_own_are_not_taken(user):
    unit = user("unit")
    instance, task = start(unit)
    complete_task(unit, task.id, dict(GOOD_TARGETS, decision="approve"))
    assert "decision" not in instance.data


def test_read_only_columns_of_table_rows_keep_their_values_whatever_is_posted(user, app):
    from app.extensions import db
    from app.models import FormFile
    from app.services.runtime.definitions import forget_versions

    # Make the indicator name and target read-only in the fixture's ui schema, as a
    # monitoring report shows approved targets.
    unit = user("unit")
    instance, task = start(unit)
    complete_task(unit, task.id, GOOD_TARGETS)
    _, ready = complete_task(user("dept"), queries.list_inbox(user("dept")).tasks[0].id,
                             {"decision": "return", "comment": "请补充"})  # fmt: skip
    ui = db.session.query(FormFile).filter_by(filename="project-targets.uischema.json").one()
    ui.content = {**ui.content, "indicators": {"items": {"target": {"ui:readonly": True}}}}
    db.session.commit()
    forget_versions()  # a deployed form rewritten in place, which only this test does
    tampered = dict(GOOD_TARGETS)
    tampered["indicators"] = [dict(GOOD_TARGETS["indicators"][0], target="1", unit="平方米")]
    complete_task(unit, ready[0].id, tampered)
    assert instance.data["indicators"][0]["target"] == "3000"
