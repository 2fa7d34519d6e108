"""Quarterly dual monitoring: time progress, execution and indicator lights, correction."""

from __future__ import annotations

import pytest

from app.performance import (
    Thresholds,
    adjusted_budget,
    assess_monitoring,
    execution_light,
    execution_rate,
    indicator_light,
    project_light,
    quarter_months,
    time_progress,
)


@pytest.mark.parametrize(("quarter", "months"), [(1, 3), (2, 6), (3, 9), (4, 12), ("4", 12)])
def test_quarter_end_months(quarter, months):
    assert quarter_months(quarter) == months


@pytest.mark.parametrize("quarter", [0, 5, "Q9", None, 2.5])
def test_quarter_outside_one_to_four_is_refused(quarter):
    with pytest.raises(ValueError, match="quarter"):
        quarter_months(quarter)


@pytest.mark.parametrize(
    ("months", "progress"),
    [(3, 0.25), (6, 0.5), (9, 0.75), (12, 1.0), (0, 0.0), (-2, 0.0), (15, 1.0)],
)
def test_time_progress_is_months_over_twelve_clamped(months, progress):
    assert time_progress(months) == progress


def test_adjusted_budget_adds_additions_and_subtracts_reductions():
    # 100 + 20.5 − 0.5 = 120
    assert adjusted_budget(100, "20.5", "0.5") == 120.0
    # Decimal arithmetic: 0.1 + 0.2 − 0 = 0.3 exactly, not 0.30000000000000004
    assert adjusted_budget(0.1, 0.2) == 0.3
    assert adjusted_budget("1,000", None, "") == 1000.0
    assert adjusted_budget(None, 5) is None


def test_execution_rate_is_spent_over_adjusted_budget():
    assert execution_rate(30, 120) == 0.25  # 30 ÷ 120
    assert execution_rate("1,500", "1,000") == 1.5  # spent above budget: 150 %


@pytest.mark.parametrize("budget", [0, "0", None, "", -10])
def test_execution_rate_without_a_budget_is_none(budget):
    assert execution_rate(10, budget) is None


@pytest.mark.parametrize(
    ("rate", "progress", "light"),
    [
        (0.2, 0.25, "green"),  # R = 0.2 ÷ 0.25 × 100 = 80, and only R < 80 is yellow
        (0.199, 0.25, "yellow"),  # R = 79.6
        (0.149, 0.25, "red"),  # R = 59.6 < 60
        (0.15, 0.25, "yellow"),  # R = 60 → not red, < 80 → yellow
        (0.6, 1.0, "yellow"),  # Q4: R = 60
        (0.59, 1.0, "red"),  # Q4: R = 59
        (0.8, 1.0, "green"),  # R = 80 exactly → green
        (1.5, 0.75, "green"),  # over budget: R = 200
    ],
)
def test_execution_light_bands(rate, progress, light):
    assert execution_light(rate, progress) == light


def test_execution_light_is_none_without_a_rate_or_time():
    assert execution_light(None, 0.5) is None
    assert execution_light(0.5, 0) is None


def test_same_spending_is_green_in_quarter_one_and_red_in_quarter_four():
    # 25 spent of 100: Q1 R = 0.25 ÷ 0.25 × 100 = 100 → green; Q4 R = 0.25 ÷ 1 × 100 = 25 → red
    assert assess_monitoring(1, 100, 25, [])["execution_light"] == "green"
    assert assess_monitoring(4, 100, 25, [])["execution_light"] == "red"


@pytest.mark.parametrize(
    ("target", "actual", "months", "light"),
    [
        # completion = actual ÷ (target × months ÷ 12) × 100
        (1200, 179, 6, "red"),  # 179 ÷ 600 × 100 = 29.8
        (1200, 359, 6, "red"),  # 359 ÷ 600 = 59.83 % < 60
        (1200, 360, 6, "yellow"),  # 360 ÷ 600 = 60 %
        (1200, 479, 6, "yellow"),  # 79.83 %
        (1200, 480, 6, "green"),  # 80 %
        (1200, 719, 6, "green"),  # 119.83 %
        (1200, 720, 6, "blue"),  # 120 % → target set too low
        (1200, 300, 3, "green"),  # Q1: 300 ÷ (1200 × 3 ÷ 12 = 300) = 100 %
        (1200, 300, 12, "red"),  # Q4: 300 ÷ 1200 = 25 %
        ("3,000", "1,500", 6, "green"),  # 1500 ÷ 1500 = 100 %
        ("95%", "57%", 6, "yellow"),  # a rate is not prorated: 57 ÷ 95 = 60 %
        ("95%", "96%", 3, "green"),  # 96 ÷ 95 = 101 %, even in Q1
    ],
)
def test_positive_indicator_light_bands(target, actual, months, light):
    assert indicator_light("≥", target, actual, months) == light


@pytest.mark.parametrize("sign", [">", "=", ">=", "＞"])
def test_other_positive_signs_use_the_same_bands(sign):
    # 540 ÷ (1200 × 9 ÷ 12 = 900) = 60 % → yellow
    assert indicator_light(sign, 1200, 540, 9) == "yellow"


@pytest.mark.parametrize(
    ("sign", "target", "actual", "light"),
    [
        ("≤", 100, 80, "green"),
        ("≤", 100, 100, "green"),  # equal meets ≤
        ("≤", 100, 100.01, "red"),
        ("<", 100, 100, "red"),  # equal does not meet <
        ("<", "5%", "4.9%", "green"),
        ("<=", "1,000", "1,001", "red"),
    ],
)
def test_upper_bound_indicator_is_green_when_met_else_red(sign, target, actual, light):
    # ≤ / < rows are not scaled by time: the cap holds all year.
    assert indicator_light(sign, target, actual, 6) == light


@pytest.mark.parametrize(
    ("result", "light"),
    [("达成", "green"), ("部分达成", "yellow"), ("部分", "yellow"), ("未达成", "red"), ("", None)],
)
def test_qualitative_indicator_light(result, light):
    assert indicator_light("定性", "群众满意", None, 6, qualitative_result=result) == light


def test_qualitative_result_written_in_the_actual_field_is_read():
    assert indicator_light("定性", "完成", "未达成", 6) == "red"


@pytest.mark.parametrize(
    ("target", "actual"),
    [(100, None), (100, ""), (100, "待统计"), (None, 50), (0, 50)],
)
def test_indicator_light_is_none_when_not_computable(target, actual):
    assert indicator_light("≥", target, actual, 6) is None


def test_unknown_sign_is_an_error_and_blank_sign_no_light():
    with pytest.raises(ValueError, match="sign"):
        indicator_light("about", 1, 1, 6)
    assert indicator_light("", 1, 1, 6) is None


def test_threshold_override_changes_a_light():
    # 450 ÷ (1200 × 6 ÷ 12 = 600) = 75 %: yellow by default, green when yellow ends at 70
    strict = Thresholds.from_mapping({"indicator_yellow_below": 70, "indicator_red_below": 50})
    assert indicator_light("≥", 1200, 450, 6) == "yellow"
    assert indicator_light("≥", 1200, 450, 6, strict) == "green"
    # execution R = 0.35 ÷ 0.5 × 100 = 70: yellow by default, red when red ends at 75
    assert execution_light(0.35, 0.5) == "yellow"
    assert (
        execution_light(0.35, 0.5, Thresholds(execution_red_below=75, execution_yellow_below=90))
        == "red"
    )


@pytest.mark.parametrize(
    ("lights", "worst"),
    [
        (["green", "blue"], "blue"),
        (["blue", "yellow", "green"], "yellow"),
        (["yellow", "red", "blue"], "red"),
        (["green", None], "green"),
        ([None, None], None),
        ([], None),
    ],
)
def test_project_light_is_the_worst_indicator_light(lights, worst):
    assert project_light(lights) == worst


def test_assess_monitoring_on_track_needs_no_correction():
    # Q3: progress 9 ÷ 12 = 0.75; rate 600 ÷ 800 = 0.75; R = 100 → green
    # indicator: 90 ÷ (120 × 0.75 = 90) = 100 % → green; ≤ 50 with 40 → green
    result = assess_monitoring(
        3,
        "800",
        600,
        [
            {"name": "培训人次", "sign": "≥", "target": 120, "actual": 90, "likelihood": "确定能"},
            {"name": "单位成本", "sign": "≤", "target": 50, "actual": 40, "likelihood": "确定能"},
        ],
    )
    assert result["time_progress"] == 0.75
    assert result["execution_rate"] == 0.75
    assert result["execution_ratio"] == 100.0
    assert result["reaches_time_progress"] is True
    assert result["execution_light"] == "green"
    assert [row["light"] for row in result["indicators"]] == ["green", "green"]
    assert result["indicators"][0]["completion"] == 100.0
    assert result["indicators"][0]["likelihood"] == "确定能"  # input keys are kept
    assert result["project_light"] == "green"
    assert result["needs_correction"] is False
    assert result["correction_reasons"] == []


def test_assess_monitoring_red_indicator_forces_correction():
    # Q2: rate 50 ÷ 100 = 0.5, R = 100 → green; indicator 100 ÷ (1000 × 0.5) = 20 % → red
    result = assess_monitoring(
        2, 100, 50, [{"name": "受益人数", "sign": "≥", "target": "1,000", "actual": 100}]
    )
    assert result["execution_light"] == "green"
    assert result["project_light"] == "red"
    assert result["needs_correction"] is True
    assert [(r["code"], r["indicator"]) for r in result["correction_reasons"]] == [
        ("indicator_red", "受益人数")
    ]


def test_assess_monitoring_yellow_execution_forces_correction():
    # Q4: rate 70 ÷ 100 = 0.7, R = 70 → yellow
    result = assess_monitoring(4, 100, 70, [])
    assert result["execution_light"] == "yellow"
    assert result["project_light"] is None
    assert result["needs_correction"] is True
    assert result["correction_reasons"][0]["code"] == "execution_yellow"


def test_impossible_likelihood_forces_correction_even_when_all_lights_are_green():
    result = assess_monitoring(
        1,
        100,
        25,
        [
            {
                "name": "验收",
                "sign": "定性",
                "qualitative_result": "达成",
                "likelihood": "完全不可能",
            }
        ],
    )
    assert result["project_light"] == "green"
    assert result["execution_light"] == "green"
    assert result["needs_correction"] is True
    assert result["correction_reasons"][0]["code"] == "impossible"


def test_blue_over_achievement_alone_needs_no_correction():
    # Q1: 500 ÷ (1200 × 0.25 = 300) = 166.67 % → blue
    result = assess_monitoring(
        1, 100, 25, [{"name": "x", "sign": "≥", "target": 1200, "actual": 500}]
    )
    assert result["indicators"][0]["completion"] == 166.67
    assert result["project_light"] == "blue"
    assert result["needs_correction"] is False


def test_assess_monitoring_with_zero_budget_and_missing_actuals_does_not_fail():
    result = assess_monitoring(2, 0, 10, [{"name": "x", "sign": "≥", "target": 10, "actual": None}])
    assert result["execution_rate"] is None
    assert result["execution_light"] is None
    assert result["reaches_time_progress"] is None
    assert result["indicators"][0]["light"] is None
    assert result["project_light"] is None
    assert result["needs_correction"] is False


def test_assess_monitoring_spent_over_budget():
    # Q2: 150 ÷ 100 = 1.5 (150 %), R = 1.5 ÷ 0.5 × 100 = 300 → green
    result = assess_monitoring(2, 100, 150, [])
    assert result["execution_rate"] == 1.5
    assert result["execution_ratio"] == 300.0
    assert result["execution_light"] == "green"


def test_assess_monitoring_names_the_row_with_a_bad_sign():
    with pytest.raises(ValueError, match="'坏行'"):
        assess_monitoring(1, 1, 1, [{"name": "坏行", "sign": "~", "target": 1, "actual": 1}])


@pytest.mark.parametrize(
    ("level2", "unit", "target", "actual", "light"),
    [
        ("服务对象满意度指标", "分", "90", "91", "green"),  # not 404 % and blue
        ("质量指标", "%", "95", "96", "green"),
        ("时效指标", "天", "30", "30", "green"),
        ("社会效益指标", "%", "80", "40", "red"),
        ("数量指标", "平方米", "3000", "750", "green"),  # Q1: 750 ÷ (3000 × 3 ÷ 12)
        ("成本指标", "万元", "120", "30", "green"),
        ("数量指标", "%", "100", "25", "red"),  # a share is a state, not a count
    ],
)
def test_only_accumulating_quantities_are_prorated_by_time(level2, unit, target, actual, light):
    row = {"level2": level2, "unit": unit, "sign": "≥", "target": target, "actual": actual}
    assessed = assess_monitoring(1, 100, 25, [row])
    assert assessed["indicators"][0]["light"] == light
    assert indicator_light("≥", target, actual, 3, level2=level2, unit=unit) == light


def test_a_satisfaction_of_91_against_90_is_green_in_every_quarter():
    for quarter in (1, 2, 3, 4):
        row = {"level2": "服务对象满意度指标", "sign": "≥", "target": "90", "actual": "91"}
        assert assess_monitoring(quarter, 100, 100, [row])["indicators"][0]["light"] == "green"
