"""performance/form_rules.py: the indicator points of a target form add up, level by level."""

from __future__ import annotations

import pytest

from app.performance import Thresholds
from app.performance.form_rules import form_rule_problems, indicator_points

T = Thresholds()


def rows(*spec):
    return {
        "indicators": [
            {"level1": level, "name": f"指标{i}", "points": p} for i, (level, p) in enumerate(spec)
        ]
    }


def test_points_that_add_up_to_each_levels_weight_pass():
    data = rows(("产出指标", 30), ("产出指标", 20), ("效益指标", 30), ("满意度指标", 10))
    assert indicator_points(data, T) == []


def test_a_level_that_does_not_add_up_is_named_with_its_sum_and_weight():
    data = rows(("产出指标", 40), ("效益指标", 30), ("满意度指标", 10))
    # Outside a request a message is its English msgid (Chinese pages: tests/processes).
    assert indicator_points(data, T) == [
        ("/indicators", "The 产出指标 points add up to 40; they should add up to 50.")
    ]


def test_a_missing_level_is_named():
    data = rows(("产出指标", 50), ("满意度指标", 10))
    assert indicator_points(data, T) == [
        ("/indicators", "There is no 效益指标 row (the level's points should add up to 30).")
    ]


def test_a_row_without_points_is_the_schemas_to_refuse_not_shared_out():
    # The target forms require points on every row; the sums wait until all have them.
    data = rows(("产出指标", 50), ("效益指标", None), ("效益指标", 30), ("满意度指标", 10))
    assert indicator_points(data, T) == []


def test_the_weights_are_settings():
    t = Thresholds(weight_output=60, weight_benefit=20, weight_satisfaction=10)
    data = rows(("产出指标", 60), ("效益指标", 20), ("满意度指标", 10))
    assert indicator_points(data, t) == []


def test_output_and_benefit_carry_at_least_sixty_percent():
    with pytest.raises(ValueError, match="at least 60"):
        Thresholds(weight_output=30, weight_benefit=20, weight_satisfaction=40)


def test_an_unknown_rule_name_is_an_error_not_a_skip():
    assert form_rule_problems(["no_such_rule"], {}, T) == [
        ("", "The form rule “no_such_rule” does not exist: tell the process administrator.")
    ]
