"""The deployment linter names every problem by element id."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine import lint_bpmn

FIXTURE = (Path(__file__).parents[1] / "fixtures/processes/simple_approval.bpmn").read_text()
ROLES = {
    "budget_unit": "budget_unit",
    "预算部门": "budget_department",
    "finance_bureau": "finance_bureau",
}


def lint(xml: str):
    return lint_bpmn(xml.encode(), "t.bpmn", ROLES.get)


def codes(findings) -> set[tuple[str, str]]:
    return {(f.element_id, f.code) for f in findings if f.severity == "error"}


def test_the_fixture_diagram_has_no_findings():
    process, findings = lint(FIXTURE)
    assert findings == []
    assert process.key == "simple_approval" and process.name == "项目申报审核"
    assert process.user_tasks["fill_targets"].form == "project-targets.schema.json"
    assert process.user_tasks["fill_targets"].due_in.days == 10


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda x: x.replace("</bpmn:definitions>", ""), ("", "xml")),
        (lambda x: '<!DOCTYPE x [<!ENTITY a "aaaa">]>' + x.split("?>", 1)[1], ("", "xml")),
        (
            lambda x: x.replace('isExecutable="true"', 'isExecutable="false"'),
            ("", "no-executable-process"),
        ),
        (
            lambda x: x.replace("<bpmn:flowNodeRef>dept_review</bpmn:flowNodeRef>", ""),
            ("dept_review", "lane-missing"),
        ),
        (
            lambda x: x.replace('name="finance_bureau"', 'name="审计局"'),
            ("finance_review", "unknown-role"),
        ),
        (lambda x: x.replace('decision == "return"', "decision =="), ("flow_return", "condition")),
        (lambda x: x.replace('value="P5D"', 'value="five days"', 1), ("dept_review", "due-in")),
    ],
    ids=[
        "malformed",
        "dtd",
        "not-executable",
        "outside-lane",
        "unknown-role",
        "bad-condition",
        "bad-due",
    ],
)
def test_each_problem_is_named_by_element(edit, expected):
    process, findings = lint(edit(FIXTURE))
    assert expected in codes(findings), findings


def test_a_script_that_imports_is_refused():
    xml = FIXTURE.replace(
        '<bpmn:endEvent id="end"',
        '<bpmn:scriptTask id="calc"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>'
        '<bpmn:endEvent id="end"',
    )
    _, findings = lint(xml)
    assert ("calc", "script") in codes(findings)
