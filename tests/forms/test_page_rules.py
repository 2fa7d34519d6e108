"""forms/page_rules.py and browser_regex.py: what the page is told to check while a person
types, read from the same schema the server judges by."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.forms import form_spec, validate_data
from app.forms.browser_regex import v_mode_problem
from app.forms.page_rules import page_rules

FORMS = Path(__file__).parents[2] / "forms"


def targets_form():
    schema = json.loads((FORMS / "compilation-project-targets.schema.json").read_text("utf-8"))
    ui = json.loads((FORMS / "compilation-project-targets.uischema.json").read_text("utf-8"))
    return schema, form_spec(schema, ui)


def test_the_target_form_hands_its_dates_and_totals_to_the_page():
    _, spec = targets_form()
    compare = json.loads(spec.rules)["compare"]
    assert {"field": "plan_end_date", "op": ">=", "other": "plan_start_date"}.items() <= compare[
        0
    ].items()
    assert compare[2]["field"] == ["requested_amount", "carryover_amount", "other_annual_amount"]
    schedule = next(node for node in spec.fields if node.key == "schedule")
    assert json.loads(schedule.rules)["compare"][0]["message"] == "完成日期不得早于开始日期"


def test_level_two_narrows_by_level_one_and_a_quantity_asks_for_a_number():
    _, spec = targets_form()
    indicators = next(node for node in spec.fields if node.key == "indicators")
    when = json.loads(indicators.rules)["when"]
    by_level1 = {c["if"]["in"][0]: c["enum"] for c in when if c["field"] == "level2"}
    assert by_level1["产出指标"] == ["数量指标", "质量指标", "时效指标", "成本指标"]
    assert by_level1["满意度指标"] == ["服务对象满意度指标"]
    (number,) = [c for c in when if c["field"] == "target"]
    assert number["if"] == {"field": "sign", "in": ["≥", ">", "=", "<", "≤"]}
    assert "须为数字" in number["message"]


def test_the_server_says_a_number_is_expected_and_which_level_two_fits():
    schema, _ = targets_form()
    row = {"level1": "产出指标", "level2": "数量指标", "name": "改造教室", "sign": "≥"}
    errors = validate_data(schema, {"indicators": [dict(row, target="很多", points=50)]})
    (target,) = [e for e in errors if e.path == "/indicators/0/target"]
    assert target.message.startswith("定量指标的指标值须为数字")
    mismatched = dict(row, level2="社会效益指标", target="12", points=50)
    errors = validate_data(schema, {"indicators": [mismatched]})
    (level2,) = [e for e in errors if e.path == "/indicators/0/level2"]
    assert level2.message == "产出指标下的二级指标只能是：数量指标、质量指标、时效指标、成本指标"


def test_a_form_without_relations_hands_nothing_to_the_page():
    assert page_rules({"type": "object", "properties": {"a": {"type": "string"}}}, {}) == ""


def test_dependent_schemas_narrow_a_choice_once_the_other_is_filled():
    schema = {
        "type": "object",
        "properties": {"kind": {"type": "string"}, "size": {"enum": ["S", "M", "L"]}},
        "dependentSchemas": {"kind": {"properties": {"size": {"enum": ["S", "M"]}}}},
    }
    (rule,) = json.loads(page_rules(schema, schema))["when"]
    assert rule["if"] == {"field": "kind", "filled": True} and rule["enum"] == ["S", "M"]


@pytest.mark.parametrize(
    "pattern",
    [
        r"^[A-Za-z0-9\-]+$",
        r"^-?[0-9]+(\.[0-9]+)?$",
        r"^[A-Za-z0-9_.@\-]+$",
        r"^\d{4}-\d{2}-\d{2}$",
        r"^(?:[A-Z]{2}|[0-9]{3})$",
        r"^[^\s]+$",
        r"^\p{L}+$",
    ],
)
def test_patterns_the_browser_compiles_in_v_mode_pass(pattern):
    assert v_mode_problem(pattern) is None


@pytest.mark.parametrize(
    "pattern",
    [
        r"^[A-Za-z0-9-]+$",  # '-' ending a class
        r"^[-A-Z]+$",  # '-' opening a class
        r"^\d{4}\-\d{2}$",  # '\-' outside a class
        r"^a{2,1}$",
        r"^[a&&]$",  # a reserved double punctuator (set operations are refused too)
        r"^x{$",
        r"^[(]$",
        r"^(a$",
    ],
)
def test_patterns_invalid_in_v_mode_are_named(pattern):
    assert v_mode_problem(pattern)


def test_an_else_branch_applies_when_the_choice_is_not_the_tested_one():
    schema = json.loads((FORMS / "monitoring-report.schema.json").read_text("utf-8"))
    row = schema["properties"]["indicators"]["items"]
    actual = [c for c in json.loads(page_rules(row, schema))["when"] if c["field"] == "actual"]
    assert [c["if"] for c in actual] == [{"field": "sign", "in": ["定性"], "not": True}]


@pytest.mark.parametrize(
    ("form", "table"),
    [("evaluation-self", "indicators"), ("department-self-evaluation", "indicator_results")],
)
def test_a_self_evaluation_refuses_words_where_a_quantity_is_expected(form, table):
    schema = json.loads((FORMS / f"{form}.schema.json").read_text("utf-8"))
    rows = [
        {"name": "维修面积", "sign": "≥", "target": "3000", "actual": "很多"},
        {"name": "满意度", "sign": "≥", "target": "90", "actual": "95.5%"},
        {"name": "条件改善", "sign": "定性", "target": "明显改善", "actual": "明显改善"},
    ]
    errors = [e for e in validate_data(schema, {table: rows}) if e.path.startswith(f"/{table}/")]
    assert [(e.path, e.message) for e in errors if e.path.endswith("/actual")] == [
        (f"/{table}/0/actual", "定量指标的实际完成值须为数字（如 12、95.5 或 95.5%）")
    ]
