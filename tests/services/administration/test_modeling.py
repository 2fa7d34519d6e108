"""Process administration without code: drafts, deploying them, versions and rollback."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_babel import force_locale

from app.extensions import db
from app.models import ProcessDefinition, ProcessInstance
from app.services.administration import modeling
from app.services.foundation.errors import BadRequest, Forbidden, LintFailed, NotFound
from app.services.runtime.definitions import pinned_forms
from app.services.runtime.instances import start_instance

FIXTURES = Path(__file__).parents[2] / "fixtures"
BPMN = (FIXTURES / "processes" / "simple_approval.bpmn").read_text(encoding="utf-8")


def with_due(xml: str, days: int) -> str:
    """simple_approval with the department review due in `days` days instead of five."""
    marker = '<spiffworkflow:property name="dueIn" value="P5D" />'
    return xml.replace(marker, f'<spiffworkflow:property name="dueIn" value="P{days}D" />', 1)


def test_a_draft_is_kept_per_process_until_discarded(user):
    admin = user("admin")
    modeling.save_draft(admin, "simple_approval", with_due(BPMN, 3))
    assert modeling.get_draft(admin, "other_process") is None
    draft = modeling.get_draft(admin, "simple_approval")
    assert 'value="P3D"' in draft.bpmn_xml and draft.updated_by_id == admin.id

    modeling.save_draft(admin, "simple_approval", with_due(BPMN, 7))  # replaces, not adds
    assert 'value="P7D"' in modeling.get_draft(admin, "simple_approval").bpmn_xml
    source = modeling.modeler_source(admin, "simple_approval")
    assert source.draft is not None and source.version == 1

    assert modeling.discard_draft(admin, "simple_approval") is True
    assert modeling.get_draft(admin, "simple_approval") is None
    assert modeling.discard_draft(admin, "simple_approval") is False
    assert modeling.modeler_source(admin, "simple_approval").draft is None


@pytest.mark.parametrize("username", ["unit", "dept", "finance", "gov"])
def test_only_process_administrators_may_touch_drafts_and_versions(user, username):
    someone = user(username)
    with pytest.raises(Forbidden):
        modeling.save_draft(someone, "simple_approval", BPMN)
    with pytest.raises(Forbidden):
        modeling.deploy_draft(someone, "simple_approval")
    with pytest.raises(Forbidden):
        modeling.list_versions(someone, "simple_approval")
    with pytest.raises(Forbidden):
        modeling.rollback(someone, "simple_approval", 1)
    assert modeling.get_draft(user("admin"), "simple_approval") is None


@pytest.mark.parametrize(
    "xml, says",
    [
        ("<bpmn:definitions", "XML"),
        ("", "空"),
        ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "DTD"),
        (BPMN.replace('id="simple_approval"', 'id="another"'), "simple_approval"),
    ],
    ids=["malformed", "empty", "entities", "another-process"],
)
def test_a_bad_diagram_is_refused_as_a_draft_and_nothing_is_kept(user, xml, says):
    admin = user("admin")
    with pytest.raises(BadRequest) as refused:
        modeling.save_draft(admin, "simple_approval", xml)
    assert says in refused.value.message
    assert modeling.get_draft(admin, "simple_approval") is None


def test_a_key_that_is_no_xml_name_is_refused(user):
    with pytest.raises(BadRequest):
        modeling.save_draft(user("admin"), "../etc", BPMN)


def test_deploying_a_draft_creates_the_next_version_with_its_forms_and_drops_the_draft(user):
    admin = user("admin")
    modeling.save_draft(admin, "simple_approval", with_due(BPMN, 3))
    definition = modeling.deploy_draft(admin, "simple_approval", "审核期限改为3天")
    assert (definition.key, definition.version) == ("simple_approval", 2)
    assert definition.comment == "审核期限改为3天" and definition.deployed_by_id == admin.id
    assert set(pinned_forms(definition)) == {
        "project-targets.schema.json",
        "project-targets.uischema.json",
        "review.schema.json",
    }
    assert 'value="P3D"' in definition.bpmn_xml
    assert modeling.get_draft(admin, "simple_approval") is None
    with pytest.raises(NotFound):
        modeling.deploy_draft(admin, "simple_approval")


def test_a_lint_failure_keeps_the_draft_and_names_the_offending_elements(user):
    admin = user("admin")
    broken = BPMN.replace('name="finance_bureau"', 'name="no_such_role"').replace(
        'value="review.schema.json"', 'value="missing.schema.json"', 1
    )
    modeling.save_draft(admin, "simple_approval", broken)
    with pytest.raises(LintFailed) as refused:
        modeling.deploy_draft(admin, "simple_approval")
    found = {(f["element_id"], f["code"]) for f in refused.value.details}
    assert ("finance_review", "unknown-role") in found
    assert ("dept_review", "form-missing") in found
    db.session.rollback()
    assert modeling.get_draft(admin, "simple_approval").bpmn_xml == broken
    assert [v.version for v in modeling.list_versions(admin, "simple_approval")] == [1]


def test_forms_offered_are_the_folder_and_the_latest_versions_pinned_ones(user):
    forms = modeling.form_choices("simple_approval")
    assert forms["schemas"] == ["project-targets.schema.json", "review.schema.json"]
    assert forms["ui"] == ["project-targets.uischema.json"]
    assert {"code": "budget_unit", "name": "部门预算单位"} in modeling.role_choices()


def test_lanes_are_offered_only_roles_that_hold_tasks(user):
    offered = {role["code"] for role in modeling.role_choices()}
    assert {"budget_unit", "finance_bureau", "peoples_congress"} <= offered
    assert not offered & {"process_admin", "user_admin"}


def test_forms_are_offered_by_their_own_titles(user):
    titles = modeling.form_titles("simple_approval")
    assert titles["project-targets.schema.json"] == "项目支出绩效目标申报表"
    assert titles["review.schema.json"] == "审核意见"


def test_versions_list_who_deployed_when_and_how_many_submissions_run_on_each(user):
    admin = user("admin")
    start_instance(user("unit"), "simple_approval", title="一号")
    start_instance(user("unit"), "simple_approval", title="二号")
    modeling.save_draft(admin, "simple_approval", with_due(BPMN, 3))
    modeling.deploy_draft(admin, "simple_approval", "三天")
    start_instance(user("unit"), "simple_approval", title="三号")
    rows = modeling.list_versions(admin, "simple_approval")
    assert [(r.version, r.running, r.comment) for r in rows] == [
        (2, 1, "三天"),
        (1, 2, "随系统部署"),
    ]
    assert rows[0].deployed_by == admin.display_name and rows[1].deployed_by is None
    with pytest.raises(NotFound):
        modeling.list_versions(admin, "no_such_process")


def test_rollback_deploys_an_old_version_again_and_running_submissions_stay_put(user):
    admin = user("admin")
    first, _ = start_instance(user("unit"), "simple_approval", title="一号")
    modeling.save_draft(admin, "simple_approval", with_due(BPMN, 3))
    modeling.deploy_draft(admin, "simple_approval")
    second, _ = start_instance(user("unit"), "simple_approval", title="二号")

    again = modeling.rollback(admin, "simple_approval", 1, "三天太短")
    assert again.version == 3 and again.comment == "三天太短"
    original = db.session.get(ProcessDefinition, first.definition_id)
    assert again.bpmn_xml == original.bpmn_xml
    assert pinned_forms(again) == pinned_forms(original)
    third, _ = start_instance(user("unit"), "simple_approval", title="三号")
    versions = {i.title: i.version for i in db.session.query(ProcessInstance)}
    assert versions == {"一号": 1, "二号": 2, "三号": 3}
    with pytest.raises(NotFound):
        modeling.rollback(admin, "simple_approval", 9)


def test_processes_list_shows_deployed_ones_and_drafts_of_new_ones(user):
    admin = user("admin")
    new = BPMN.replace('id="simple_approval"', 'id="brand_new"').replace(
        'processRef="simple_approval"', 'processRef="brand_new"'
    )
    modeling.save_draft(admin, "brand_new", new)
    rows = {r.key: r for r in modeling.list_processes(admin)}
    assert rows["simple_approval"].latest_version == 1
    assert rows["brand_new"].latest_version is None and rows["brand_new"].draft_updated_at
    definition = modeling.deploy_draft(admin, "brand_new", "新流程")
    assert (definition.key, definition.version) == ("brand_new", 1)


def test_a_refusal_reads_chinese_by_default_and_english_to_an_english_reader(user):
    with pytest.raises(BadRequest) as refused:
        modeling.save_draft(user("admin"), "../etc", BPMN)
    assert refused.value.message == "流程标识“../etc”无效：须以字母开头，只含字母、数字、_ . -"
    with force_locale("en"):
        assert refused.value.message == (
            "The process key “../etc” is invalid: it must begin with a letter and hold"
            " only letters, digits, _ . and -."
        )
    with pytest.raises(BadRequest) as refused:
        modeling.save_draft(
            user("admin"), "simple_approval", BPMN.replace('id="simple_approval"', 'id="other"')
        )
    assert refused.value.message == "图中没有标识为“simple_approval”的流程，只有 other"
    with force_locale("en"):
        assert refused.value.message == (
            "The diagram holds no process with the key “simple_approval”; it holds other."
        )
