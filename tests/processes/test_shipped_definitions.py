"""Every shipped diagram deploys with no findings; every shipped form is a valid schema
whose examples validate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.engine import lint_bpmn
from app.forms import check_schema, validate_data
from app.services.foundation.roles import resolve_role

ROOT = Path(__file__).parents[2]
DIAGRAMS = sorted((ROOT / "processes").glob("*.bpmn"))
SCHEMAS = sorted(p for p in (ROOT / "forms").glob("*.json") if ".uischema." not in p.name)
UI_SCHEMAS = sorted((ROOT / "forms").glob("*.uischema.json"))


@pytest.mark.parametrize("path", DIAGRAMS, ids=[p.stem for p in DIAGRAMS])
def test_each_shipped_diagram_lints_clean_and_names_existing_forms(app, path):
    process, findings = lint_bpmn(path.read_bytes(), path.name, resolve_role)
    assert [f.as_dict() for f in findings] == []
    assert process.key == path.stem, "the process id equals the file name"
    for task in process.user_tasks.values():
        assert task.form and (ROOT / "forms" / task.form).exists(), task.id
        assert task.ui_form is None or (ROOT / "forms" / task.ui_form).exists(), task.id
        assert task.due_in is not None, f"{task.id} has no dueIn"


@pytest.mark.parametrize("path", SCHEMAS, ids=[p.stem for p in SCHEMAS])
def test_each_shipped_form_is_valid_and_its_examples_validate(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert check_schema(schema) == []
    assert schema.get("title"), "a form has a Chinese title"
    for example in schema.get("examples", []):
        assert validate_data(schema, example) == []


@pytest.mark.parametrize("path", UI_SCHEMAS, ids=[p.stem for p in UI_SCHEMAS])
def test_each_ui_schema_is_an_object(path):
    assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict)


def test_every_diagram_has_diagram_interchange_for_every_flow_node():
    from lxml import etree

    ns = {
        "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
        "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    }
    for path in DIAGRAMS:
        root = etree.parse(str(path)).getroot()
        drawn = {el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNShape", ns)}
        drawn |= {el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNEdge", ns)}
        process = root.find("bpmn:process", ns)
        elements = {
            el.get("id")
            for el in process
            if isinstance(el.tag, str) and not el.tag.endswith(("laneSet", "extensionElements"))
        }
        assert elements - drawn == set(), f"{path.name}: not drawn"
