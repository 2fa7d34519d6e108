"""Importing diagrams drawn in Camunda Modeler and spiff-arena, and exporting a version as a
zip that imports back identically."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ProcessAuditEvent, ProcessDefinition, ProcessInstance
from app.models.instance import STATUS_COMPLETED
from app.services.administration import transfer
from app.services.foundation.errors import BadRequest, Forbidden
from app.services.runtime.definitions import pinned_forms
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS

FIXTURES = Path(__file__).parents[2] / "fixtures"
IMPORTS = FIXTURES / "imports"


def files(*names: str) -> list[tuple[str, bytes]]:
    found = []
    for name in names:
        path = IMPORTS / name if (IMPORTS / name).exists() else FIXTURES / "forms" / name
        found.append((name, path.read_bytes()))
    return found


def count_definitions() -> int:
    return len(db.session.scalars(select(ProcessDefinition.id)).all())


def test_a_camunda_modeler_diagram_imports_with_its_forms_and_runs(user):
    admin, unit, dept = user("admin"), user("unit"), user("dept")
    uploads = files(
        "camunda7_review.bpmn",
        "project-targets.schema.json",
        "project-targets.uischema.json",
        "review.schema.json",
    )
    imported = transfer.import_process(admin, uploads, "从 Camunda 迁入")
    definition = imported.definition
    assert (definition.key, definition.version) == ("camunda_review", 1)
    assert set(pinned_forms(definition)) == {
        "project-targets.schema.json",
        "project-targets.uischema.json",
        "review.schema.json",
    }
    assert imported.notes.editor == "camunda"
    assert any("dueIn=P10D" in note for note in imported.notes.converted)
    assert any("camunda:taskListener" in note for note in imported.notes.ignored)
    # Foreign extensions are kept in the stored diagram (an export gives them back).
    assert (
        "camunda:taskListener" in definition.bpmn_xml and "camunda:formKey" in definition.bpmn_xml
    )

    instance, ready = start_instance(unit, "camunda_review", title="Camunda 导入")
    assert ready[0].activity_id == "Activity_fill" and ready[0].due_at is not None
    _, ready = complete_task(unit, ready[0].id, GOOD_TARGETS)
    assert ready[0].activity_id == "Activity_review" and ready[0].role_code == "budget_department"
    # ${decision eq 'return' && comment != null} runs as a Python condition.
    _, ready = complete_task(dept, ready[0].id, {"decision": "return", "comment": "补充"})
    assert [t.activity_id for t in ready] == ["Activity_fill"]

    log = db.session.scalars(
        select(ProcessAuditEvent).where(ProcessAuditEvent.process_key == "camunda_review")
    ).one()
    assert (log.action, log.actor.username, log.comment) == ("imported", "admin", "从 Camunda 迁入")
    assert log.details["editor"] == "camunda"


def test_a_camunda_8_diagram_with_zeebe_extensions_imports(user):
    imported = transfer.import_process(
        user("admin"), files("zeebe_review.bpmn", "review.schema.json")
    )
    assert imported.notes.editor == "zeebe"
    _, ready = start_instance(user("dept"), "zeebe_review", title="复核")
    assert (
        ready[0].activity_id == "Activity_review" and ready[0].form_schema == "review.schema.json"
    )
    assert ready[0].due_at is not None


def test_a_spiff_arena_diagram_imports_unchanged_and_runs_its_scripts(user):
    admin, finance, expert = user("admin"), user("finance"), user("expert")
    raw = (IMPORTS / "arena_expert_review.bpmn").read_bytes()
    imported = transfer.import_process(
        admin,
        files(
            "arena_expert_review.bpmn",
            "assign-expert-schema.json",
            "expert-score-schema.json",
            "expert-score-uischema.json",
        ),
    )
    assert imported.notes.editor == "spiff-arena" and imported.notes.converted == []
    assert imported.definition.bpmn_xml.encode() == raw

    instance, ready = start_instance(finance, "arena_expert_review", title="专家评分")
    _, ready = complete_task(
        finance, ready[0].id, {"project_name": "校舍维修", "expert_username": "expert"}
    )
    assert ready[0].activity_id == "Activity_score" and ready[0].assignee_id == expert.id
    instance, ready = complete_task(expert, ready[0].id, {"total_score": 55, "opinion": "不足"})
    assert ready == [] and instance.status == STATUS_COMPLETED
    assert instance.data["grade"] == "差" and instance.data["passed"] is False


def test_export_then_import_then_export_gives_the_same_diagram_and_forms(user):
    admin = user("admin")
    name, first = transfer.export_version(admin, "simple_approval", 1)
    assert name == "simple_approval-v1.zip"
    imported = transfer.import_process(admin, [(name, first)], "从示范县导入")
    assert imported.definition.version == 2
    _, second = transfer.export_version(admin, "simple_approval", 2)

    one, two = zipfile.ZipFile(io.BytesIO(first)), zipfile.ZipFile(io.BytesIO(second))
    assert sorted(one.namelist()) == sorted(two.namelist())
    assert "simple_approval.bpmn" in one.namelist()
    assert "forms/review.schema.json" in one.namelist()
    for entry in one.namelist():
        if entry != "manifest.json":
            assert one.read(entry) == two.read(entry), entry
    manifest = json.loads(two.read("manifest.json"))
    assert (manifest["key"], manifest["version"]) == ("simple_approval", 2)
    assert manifest["forms"] == sorted(pinned_forms(imported.definition))
    original = db.session.scalar(select(ProcessDefinition).where(ProcessDefinition.version == 1))
    assert imported.definition.bpmn_xml == original.bpmn_xml


def test_an_imported_version_is_where_new_submissions_start(user):
    admin = user("admin")
    _, package = transfer.export_version(admin, "simple_approval", 1)
    transfer.import_process(admin, [("simple_approval-v1.zip", package)])
    instance, _ = start_instance(user("unit"), "simple_approval", title="新版")
    assert instance.version == 2


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("uploads", "says"),
    [
        ([("p.zip", b"not a zip")], "zip"),
        ([("p.zip", _zip({"a.bpmn": b"<x/>", "b.bpmn": b"<y/>"}))], ".bpmn"),
        ([("review.schema.json", b"{}")], ".bpmn"),
        ([("p.bpmn", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')], "DTD"),
    ],
    ids=["not-a-zip", "two-diagrams", "no-diagram", "entities"],
)
def test_an_unreadable_upload_is_refused_and_nothing_is_deployed(user, uploads, says):
    before = count_definitions()
    with pytest.raises(BadRequest) as refused:
        transfer.import_process(user("admin"), uploads)
    assert says in refused.value.message
    assert count_definitions() == before


@pytest.mark.parametrize("username", ["unit", "dept", "finance"])
def test_only_process_administrators_may_export_or_import(user, username):
    someone = user(username)
    with pytest.raises(Forbidden):
        transfer.export_version(someone, "simple_approval", 1)
    with pytest.raises(Forbidden):
        transfer.import_process(someone, files("zeebe_review.bpmn", "review.schema.json"))
    assert db.session.scalar(select(ProcessInstance.id)) is None
