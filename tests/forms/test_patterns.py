"""Form patterns that could backtrack catastrophically are refused when a form is deployed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask_babel import force_locale

from app.forms import check_schema
from app.forms.patterns import pattern_problem

FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.mark.parametrize(
    "regex",
    [
        "^(a+)+$",
        "^(a*)*$",
        r"^(\w+\s?)*$",
        "(.*a){12}",
        "(x+x+)+y",
        "(a|ab)*c",
        r"^(\d+)\1$",
        "a" * 501,
    ],
)
def test_a_catastrophic_pattern_is_refused_naming_it(regex):
    problem = pattern_problem(regex)
    assert problem and "pattern" in problem


@pytest.mark.parametrize(
    "regex",
    [
        "^[A-Za-z0-9-]+$",
        r"^-?[0-9]+(\.[0-9]+)?$",
        r"^\d{4}-\d{2}-\d{2}$",
        r"^1[3-9]\d{9}$",
        r"^[\u4e00-\u9fa5]{2,20}$",
        "^(A|B)+$",
        r"^(\d{3}-)*\d{4}$",
    ],
)
def test_everyday_patterns_pass(regex):
    assert pattern_problem(regex) is None


def test_a_form_is_refused_for_a_bad_pattern_anywhere_in_it():
    schema = json.loads((FIXTURES / "forms" / "project-targets.schema.json").read_text())
    schema["properties"]["indicators"]["items"]["properties"]["target"]["pattern"] = "^(a+)+$"
    schema["patternProperties"] = {"(a|a)*": {"type": "string"}}
    problems = [p for p in check_schema(schema) if "exponential time" in p]
    assert problems == [
        "/properties/indicators/items/properties/target/pattern: " + pattern_problem("^(a+)+$"),
        "/patternProperties: " + pattern_problem("(a|a)*"),
    ]


def test_an_invalid_pattern_is_named():
    assert "is invalid" in pattern_problem("(a+")


def test_inside_the_app_a_pattern_finding_is_in_the_readers_language_only(app):
    with app.test_request_context("/"):
        problem = pattern_problem("^(a+)+$")
        assert "灾难性回溯" in problem and "exponential" not in problem
        with force_locale("en"):
            problem = pattern_problem("^(a+)+$")
        assert "exponential time" in problem and "回溯" not in problem


def test_deploying_a_diagram_whose_form_has_a_catastrophic_pattern_changes_nothing(app, user):
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import ProcessDefinition
    from app.services.administration.deployment import deploy_definition
    from app.services.foundation.errors import LintFailed

    forms = {p.name: p.read_bytes() for p in (FIXTURES / "forms").glob("*.json")}
    schema = json.loads(forms["project-targets.schema.json"])
    schema["properties"]["project_code"]["pattern"] = "^([A-Z]+-?)+$"
    forms["project-targets.schema.json"] = json.dumps(schema).encode()
    bpmn = (FIXTURES / "processes" / "simple_approval.bpmn").read_bytes()
    before = db.session.scalar(select(func.count()).select_from(ProcessDefinition))
    with pytest.raises(LintFailed) as refused:
        deploy_definition(user("admin"), bpmn, "simple_approval.bpmn", forms, "ReDoS")
    assert "^([A-Z]+-?)+$" in str(refused.value.details)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ProcessDefinition)) == before
