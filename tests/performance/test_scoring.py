"""Self-evaluation scoring: execution points, indicator points, total and grade."""

from __future__ import annotations

import pytest

from app.performance import Thresholds, execution_score, grade_for, indicator_score, self_evaluation


@pytest.mark.parametrize(
    ("budget_a", "spent_b", "score"),
    [
        (100, 85, 8.5),  # min(85 ÷ 100, 1) × 10
        ("1,000", "1,200", 10.0),  # 1.2 capped at 1 → 10
        (100, 100, 10.0),
        (0, 50, 0.0),  # no budget → 0, no division by zero
        (None, 50, 0.0),
        (100, None, 0.0),
        (300, 100, 10 / 3),  # 100 ÷ 300 × 10 = 3.333…
    ],
)
def test_execution_score(budget_a, spent_b, score):
    assert execution_score(budget_a, spent_b) == pytest.approx(score)


@pytest.mark.parametrize(
    ("sign", "target", "actual", "score"),
    [
        ("≥", 100, 100, 20.0),  # met → full points
        ("≥", 100, 120, 20.0),  # over-achieved → full points, never above
        ("≥", 100, 90, 18.0),  # 20 × 90 ÷ 100
        ("≥", "3,000", "1,500", 10.0),  # 20 × 1500 ÷ 3000
        ("≥", "95%", "76%", 16.0),  # 20 × 76 ÷ 95 = 16
        (">", 100, 100, 20.0),  # not strictly met, but 20 × 100 ÷ 100 = 20
        ("≥", 100, -5, 0.0),  # never below 0
        ("≤", 10, 8, 20.0),  # cap met → full
        ("≤", 10, 10, 20.0),
        ("≤", 10, 12.5, 16.0),  # not met: 20 × 10 ÷ 12.5
        ("<", 10, 10, 20.0),  # not met strictly: 20 × 10 ÷ 10 = 20
        ("<", 10, 40, 5.0),  # 20 × 10 ÷ 40
        ("=", 100, 100, 20.0),
        ("=", 100, 80, 16.0),  # 20 × 80 ÷ 100
        ("=", 100, 125, 16.0),  # over an exact target: 20 × 100 ÷ 125
        ("≥", 100, None, 0.0),  # missing actual → 0
        ("≥", 100, "未统计", 0.0),
    ],
)
def test_quantitative_indicator_score(sign, target, actual, score):
    assert indicator_score(sign, target, actual, 20) == pytest.approx(score)


@pytest.mark.parametrize(
    ("result", "score"),
    [("达成", 10.0), ("部分达成", 7.0), ("未达成", 3.0), (None, 0.0)],  # 100 %, 70 %, 30 % of 10
)
def test_qualitative_indicator_score_uses_the_band_point(result, score):
    assert indicator_score("定性", "按期完成", None, 10, result) == score


def test_qualitative_band_point_is_a_setting():
    t = Thresholds(qualitative_partly_percent=60, qualitative_met_percent=80)
    assert indicator_score("定性", "x", None, 10, "部分达成", t) == 6.0  # 60 % of 10
    assert indicator_score("定性", "x", None, 10, "达成", t) == 8.0  # 80 % of 10


def test_indicator_score_refuses_a_blank_sign_or_negative_points():
    with pytest.raises(ValueError, match="sign"):
        indicator_score("", 1, 1, 10)
    with pytest.raises(ValueError, match="points"):
        indicator_score("≥", 1, 1, -1)


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        (100, "优"),
        (90, "优"),
        ("90.00", "优"),
        (89.99, "良"),
        (80, "良"),
        (79.99, "中"),
        (60, "中"),
        (59.99, "差"),
        (0, "差"),
    ],
)
def test_grade_cut_offs(total, grade):
    assert grade_for(total) == grade


def test_grade_cut_offs_are_settings():
    assert grade_for(88, Thresholds(grade_excellent_from=85)) == "优"


def test_grade_for_a_blank_total_is_an_error():
    with pytest.raises(ValueError, match="total"):
        grade_for(None)


def _row(level1, name, sign, target, actual, **extra):
    return {
        "level1": level1,
        "name": name,
        "sign": sign,
        "target": target,
        "actual": actual,
    } | extra


def test_self_evaluation_splits_each_level_weight_among_its_rows():
    rows = [
        # 产出 50 over 2 rows → 25 each
        _row(
            "产出指标", "培训人次", "≥", 200, 180, deviation_reason="疫情停训"
        ),  # 25 × 180/200 = 22.5
        _row("产出指标", "按时完成率", "≥", "100%", "100%"),  # 25
        # 效益 30 over 3 rows → 10 each
        _row("效益指标", "就业率", "≥", "80%", "60%"),  # 10 × 60/80 = 7.5, no reason given
        _row("效益指标", "带动增收", "定性", "明显", None, qualitative_result="部分达成"),  # 7
        _row("效益指标", "投诉率", "≤", "2%", "1%"),  # 10
        # 满意度 10 over 1 row
        _row("满意度指标", "学员满意度", "≥", "90%", "95%"),  # 10
    ]
    # execution: min(190 ÷ 200, 1) × 10 = 9.5
    result = self_evaluation(200, 190, rows)
    assert [r["points"] for r in result["indicators"]] == [25.0, 25.0, 10.0, 10.0, 10.0, 10.0]
    assert [r["score"] for r in result["indicators"]] == [22.5, 25.0, 7.5, 7.0, 10.0, 10.0]
    assert result["execution_rate"] == 0.95
    assert result["execution_score"] == 9.5
    assert result["level_scores"] == {"产出指标": 47.5, "效益指标": 24.5, "满意度指标": 10.0}
    # 9.5 + 47.5 + 24.5 + 10 = 91.5
    assert result["total"] == 91.5
    assert result["max_total"] == 100.0
    assert result["grade"] == "优"
    assert [r["needs_reason"] for r in result["indicators"]] == [
        True,
        False,
        True,
        True,
        False,
        False,
    ]
    assert result["missing_reasons"] == ["就业率", "带动增收"]
    assert result["reasons_complete"] is False


def test_explicit_points_are_kept_and_the_rest_of_the_level_is_shared():
    rows = [
        _row("产出指标", "a", "≥", 1, 1, points=20),  # 20 given
        _row("产出指标", "b", "≥", 1, 1),  # (50 − 20) ÷ 2 = 15
        _row("产出指标", "c", "≥", 1, 1),  # 15
    ]
    result = self_evaluation(100, 100, rows)
    assert [r["points"] for r in result["indicators"]] == [20.0, 15.0, 15.0]
    # 10 + 50; no 效益/满意度 rows, so 40 points cannot be earned
    assert result["total"] == 60.0
    assert result["max_total"] == 60.0
    assert result["grade"] == "中"


def test_thirds_of_a_level_add_back_to_the_whole_weight():
    # 50 ÷ 3 = 16.666…, shown 16.67, but three full rows total exactly 50, not 50.01
    rows = [_row("产出指标", n, "≥", 1, 1) for n in "abc"] + [
        _row("效益指标", "d", "≥", 1, 1),
        _row("满意度指标", "e", "≥", 1, 1),
    ]
    result = self_evaluation(1, 1, rows)
    assert result["indicators"][0]["points"] == 16.67
    assert result["total"] == 100.0
    assert result["grade"] == "优"


def test_total_just_below_ninety_is_good_not_excellent():
    # output is 50 points × 39.99 ÷ 50 = 39.99, so the total lands on 89.99 exactly
    rows = [
        _row("产出指标", "o", "≥", 50, 39.99, deviation_reason="x"),  # 50 × 39.99/50 = 39.99
        _row("效益指标", "b", "≥", 1, 1),  # 30
        _row("满意度指标", "s", "≥", 1, 1),  # 10
    ]
    result = self_evaluation(100, 100, rows)  # execution 10
    assert result["total"] == 89.99  # 10 + 39.99 + 30 + 10
    assert result["grade"] == "良"
    rows[0]["actual"] = 40  # 50 × 40/50 = 40 → total 90
    result = self_evaluation(100, 100, rows)
    assert result["total"] == 90.0
    assert result["grade"] == "优"


def test_full_marks_need_no_reasons():
    rows = [_row("产出指标", "a", "≤", 5, 5), _row("满意度指标", "s", "定性", "满意", "达成")]
    result = self_evaluation(10, 10, rows)
    assert result["missing_reasons"] == []
    assert result["reasons_complete"] is True
    assert not any(r["needs_reason"] for r in result["indicators"])


def test_empty_reason_list_counts_as_missing():
    rows = [_row("产出指标", "a", "≥", 10, 5, deviation_reason=[])]
    assert self_evaluation(10, 10, rows)["missing_reasons"] == ["a"]


def test_a_row_without_points_needs_a_known_level():
    with pytest.raises(ValueError, match="unknown level"):
        self_evaluation(1, 1, [_row("决策指标", "a", "≥", 1, 1)])


def test_weights_are_settings():
    t = Thresholds(weight_output=60, weight_benefit=20)  # 60 + 20 + 10 + 10 = 100
    result = self_evaluation(1, 1, [_row("产出指标", "a", "≥", 1, 1)], t)
    assert result["indicators"][0]["points"] == 60.0
    assert result["total"] == 70.0  # 10 + 60
