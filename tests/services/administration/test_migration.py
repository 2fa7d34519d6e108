"""Moving running submissions to a newer version: a dry run that changes nothing, then a
migration that moves the movable ones, audits each and leaves the rest alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, ProcessAuditEvent, ProcessDefinition, ProcessInstance, Task
from app.models.instance import STATUS_COMPLETED
from app.models.task import TASK_READY
from app.services.administration import migration
from app.services.administration.deployment import deploy_definition
from app.services.foundation.errors import BadRequest, Forbidden
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS, org

FIXTURES = Path(__file__).parents[2] / "fixtures"
BPMN = (FIXTURES / "processes" / "simple_approval.bpmn").read_text(encoding="utf-8")
FORMS = {p.name: p.read_bytes() for p in (FIXTURES / "forms").glob("*.json")}


def renamed_first_step(xml: str) -> str:
    """v2: the unit's step gets another id (fill_goals); the department's a new name."""
    return xml.replace("fill_targets", "fill_goals").replace('name="部门审核"', 'name="部门初审"')


def deploy(admin, xml: str, extra_forms: dict | None = None):
    return deploy_definition(
        admin, xml.encode(), "simple_approval.bpmn", extra_forms or {}, "改版", FORMS
    )


def open_task(instance_id: int) -> Task:
    return db.session.scalar(
        select(Task).where(Task.instance_id == instance_id, Task.status == TASK_READY)
    )


@pytest.fixture
def two_waiting(user):
    """v1 submissions: `filling` waits at fill_targets, `reviewing` at dept_review."""
    unit = user("unit")
    filling, _ = start_instance(unit, "simple_approval", title="待填报")
    reviewing, ready = start_instance(unit, "simple_approval", title="待审核")
    complete_task(unit, ready[0].id, GOOD_TARGETS)
    return filling.id, reviewing.id


def test_dry_run_says_per_submission_whether_it_can_move_and_changes_nothing(user, two_waiting):
    filling, reviewing = two_waiting
    admin = user("admin")
    deploy(admin, renamed_first_step(BPMN))
    before = {i.id: (i.version, i.engine_state) for i in db.session.query(ProcessInstance)}

    plan = {c.instance_id: c for c in migration.plan_migration(admin, "simple_approval", 1, 2)}

    assert plan[reviewing].movable and plan[reviewing].current == ["部门审核"]
    assert not plan[filling].movable
    assert "fill_targets" in plan[filling].problems[0] and "不存在" in plan[filling].problems[0]
    db.session.expire_all()
    after = {i.id: (i.version, i.engine_state) for i in db.session.query(ProcessInstance)}
    assert after == before


def test_migration_moves_the_movable_audits_each_and_leaves_the_rest(user, two_waiting):
    filling, reviewing = two_waiting
    admin = user("admin")
    deploy(admin, renamed_first_step(BPMN))
    untouched_state = db.session.get(ProcessInstance, filling).engine_state

    result = migration.migrate_submissions(admin, "simple_approval", 1, 2, "审核环节更名")

    assert result.moved == [reviewing] and list(result.refused) == [filling]
    db.session.expire_all()
    moved = db.session.get(ProcessInstance, reviewing)
    assert moved.version == 2
    assert db.session.get(ProcessDefinition, moved.definition_id).version == 2
    row = open_task(reviewing)
    assert (row.activity_id, row.name) == ("dept_review", "部门初审")
    history = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.instance_id == reviewing, AuditEvent.action == "migrated"
        )
    ).one()
    assert history.actor.username == "admin" and history.comment == "审核环节更名"
    assert history.details == {"from_version": 1, "to_version": 2}
    stayed = db.session.get(ProcessInstance, filling)
    assert stayed.version == 1 and stayed.engine_state == untouched_state
    log = db.session.scalars(
        select(ProcessAuditEvent).where(ProcessAuditEvent.action == "migrated")
    ).one()
    assert log.actor.username == "admin" and log.comment == "审核环节更名"
    assert log.details["moved"] == [reviewing] and str(filling) in log.details["refused"]


def test_a_migrated_submission_runs_on_the_new_version_to_the_end(user, two_waiting):
    _, reviewing = two_waiting
    admin, unit, dept, finance = user("admin"), user("unit"), user("dept"), user("finance")
    deploy(admin, renamed_first_step(BPMN))
    migration.migrate_submissions(admin, "simple_approval", 1, 2, "统一到新版")

    # Returned: it goes back to the step only v2 has.
    _, ready = complete_task(
        dept, open_task(reviewing).id, {"decision": "return", "comment": "补充指标"}
    )
    assert [t.activity_id for t in ready] == ["fill_goals"]
    _, ready = complete_task(unit, ready[0].id, GOOD_TARGETS)
    assert [(t.activity_id, t.name) for t in ready] == [("dept_review", "部门初审")]
    _, ready = complete_task(dept, ready[0].id, {"decision": "approve"})
    instance, ready = complete_task(finance, ready[0].id, {"decision": "approve"})
    assert ready == [] and instance.status == STATUS_COMPLETED and instance.version == 2


def test_running_submissions_finish_on_their_version_while_new_ones_take_the_new(user, two_waiting):
    filling, _ = two_waiting
    unit = user("unit")
    deploy(user("admin"), renamed_first_step(BPMN))
    newer, ready = start_instance(unit, "simple_approval", title="新提交")
    assert newer.version == 2 and ready[0].activity_id == "fill_goals"
    _, ready = complete_task(unit, open_task(filling).id, GOOD_TARGETS)
    assert ready[0].name == "部门审核"  # still v1's name
    assert db.session.get(ProcessInstance, filling).version == 1


def test_a_target_form_requiring_a_read_only_field_the_data_lacks_refuses_the_move(
    user, two_waiting
):
    _, reviewing = two_waiting
    admin = user("admin")
    strict = json.loads(FORMS["review.schema.json"])
    strict["properties"]["budget_code"] = {"type": "string", "title": "预算编码"}
    strict["required"] = [*strict.get("required", []), "budget_code"]
    xml = BPMN.replace(
        '<spiffworkflow:property name="formJsonSchemaFilename" value="review.schema.json" />\n'
        '          <spiffworkflow:property name="dueIn" value="P5D" />',
        '<spiffworkflow:property name="formJsonSchemaFilename" value="strict.schema.json" />'
        '<spiffworkflow:property name="formUiSchemaFilename" value="strict.uischema.json" />'
        '<spiffworkflow:property name="dueIn" value="P5D" />',
        1,
    )
    assert "strict.schema.json" in xml
    forms = {
        "strict.schema.json": json.dumps(strict).encode(),
        "strict.uischema.json": json.dumps({"budget_code": {"ui:readonly": True}}).encode(),
    }
    deploy(admin, xml, forms)

    plan = {c.instance_id: c for c in migration.plan_migration(admin, "simple_approval", 1, 2)}
    assert not plan[reviewing].movable and "budget_code" in plan[reviewing].problems[0]
    result = migration.migrate_submissions(admin, "simple_approval", 1, 2, "加字段")
    assert reviewing in result.refused and reviewing not in result.moved
    assert "budget_code" in result.refused[reviewing][0]
    assert db.session.get(ProcessInstance, reviewing).version == 1


def test_the_selection_can_be_narrowed_by_current_step_and_organisation(user, two_waiting):
    filling, reviewing = two_waiting
    admin = user("admin")
    unit2_instance, _ = start_instance(user("unit2"), "simple_approval", title="医院")
    deploy(admin, BPMN.replace('name="部门审核"', 'name="部门初审"'))

    at_review = migration.plan_migration(admin, "simple_approval", 1, 2, activity="dept_review")
    assert [c.instance_id for c in at_review] == [reviewing]
    of_hospital = migration.plan_migration(
        admin, "simple_approval", 1, 2, org_id=unit2_instance.org_id
    )
    assert [c.instance_id for c in of_hospital] == [unit2_instance.id]
    education = org("edu")
    result = migration.migrate_submissions(
        admin, "simple_approval", 1, 2, "教育系统先行", org_id=education.id
    )
    assert sorted(result.moved) == sorted([filling, reviewing])
    assert db.session.get(ProcessInstance, unit2_instance.id).version == 1


@pytest.mark.parametrize("username", ["unit", "dept", "finance"])
def test_only_process_administrators_may_migrate(user, two_waiting, username):
    deploy(user("admin"), renamed_first_step(BPMN))
    with pytest.raises(Forbidden):
        migration.plan_migration(user(username), "simple_approval", 1, 2)
    with pytest.raises(Forbidden):
        migration.migrate_submissions(user(username), "simple_approval", 1, 2, "想迁")


@pytest.mark.parametrize(
    ("source", "target", "reason", "says"),
    [(1, 2, "  ", "原因"), (2, 1, "回退", "更新"), (2, 2, "原地", "更新")],
    ids=["no-reason", "older-target", "same-version"],
)
def test_a_migration_without_reason_or_to_an_older_version_is_refused(
    user, two_waiting, source, target, reason, says
):
    deploy(user("admin"), BPMN.replace('name="部门审核"', 'name="部门初审"'))
    with pytest.raises(BadRequest) as refused:
        migration.migrate_submissions(user("admin"), "simple_approval", source, target, reason)
    assert says in refused.value.message
    assert {i.version for i in db.session.query(ProcessInstance)} == {1}
