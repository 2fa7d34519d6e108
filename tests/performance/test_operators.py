"""Operators diagrams call by name: keyword JSON in, JSON out, thresholds from the host."""

from __future__ import annotations

import json

import pytest

from app.performance import OPERATOR_PARAMETERS, OPERATORS, Thresholds, set_thresholds_provider

EXPECTED = {
    "assess_monitoring": ["quarter", "adjusted_budget", "spent", "indicators"],
    "self_evaluation": ["budget_a", "spent_b", "indicators"],
    "adjusted_budget": ["opening", "addition", "reduction"],
    "execution_rate": ["spent", "adjusted_budget"],
    "time_progress": ["months_elapsed"],
    "grade_for": ["total"],
    "adjustment_route": [
        "same_category",
        "cumulative_change_before",
        "this_change",
        "special_fund_total",
    ],
    "is_low_performing": ["last_grade", "last_light"],
    "grade_consequence": ["last_grade", "requested_amount"],
    "has_targets": ["indicators"],
}


@pytest.fixture(autouse=True)
def _default_thresholds():
    set_thresholds_provider(None)
    yield
    set_thresholds_provider(None)


def test_operator_parameters_exclude_thresholds():
    assert OPERATOR_PARAMETERS == EXPECTED
    assert set(OPERATORS) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_operator_has_a_one_line_bilingual_docstring(name):
    doc = OPERATORS[name].__doc__
    assert doc and "\n" not in doc and " / " in doc
    assert any("\u4e00" <= ch <= "\u9fff" for ch in doc)


def test_operators_take_json_keywords_and_return_json():
    monitoring = OPERATORS["assess_monitoring"](
        quarter=2,
        adjusted_budget="100",
        spent="50",
        indicators=[{"name": "x", "sign": "≥", "target": "100", "actual": "50"}],
    )
    evaluation = OPERATORS["self_evaluation"](
        budget_a=100,
        spent_b=100,
        indicators=[{"level1": "产出指标", "name": "x", "sign": "≥", "target": 1, "actual": 1}],
    )
    for value in (monitoring, evaluation):
        assert json.loads(json.dumps(value)) == value
    assert OPERATORS["adjusted_budget"](opening=100, addition=10) == 110.0
    assert OPERATORS["execution_rate"](spent=25, adjusted_budget=100) == 0.25
    assert OPERATORS["time_progress"](months_elapsed=9) == 0.75
    assert OPERATORS["grade_for"](total=90) == "优"
    assert OPERATORS["grade_for"](89.99) == "良"  # scripts may call positionally
    assert OPERATORS["is_low_performing"](last_grade="差", last_light=None) is True
    assert OPERATORS["has_targets"](indicators=[{"name": "x", "target": 1}]) is True


def test_operators_refuse_unknown_arguments_and_thresholds():
    with pytest.raises(TypeError):
        OPERATORS["grade_for"](total=90, t=Thresholds())
    with pytest.raises(TypeError):
        OPERATORS["time_progress"](months=3)


def test_registered_provider_changes_what_operators_decide():
    assert OPERATORS["grade_for"](total=85) == "良"
    set_thresholds_provider(lambda: Thresholds(grade_excellent_from=85))
    assert OPERATORS["grade_for"](total=85) == "优"
    set_thresholds_provider(None)
    assert OPERATORS["grade_for"](total=85) == "良"


def test_a_provider_returning_something_else_is_an_error():
    set_thresholds_provider(lambda: {"grade_excellent_from": 85})
    with pytest.raises(TypeError, match="dict"):
        OPERATORS["grade_for"](total=85)
