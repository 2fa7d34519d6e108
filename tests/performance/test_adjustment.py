"""Mid-year adjustment gateways: targets attached, low-performing, filing or review."""

from __future__ import annotations

import pytest

from app.performance import Thresholds, adjustment_route, has_targets, is_low_performing


@pytest.mark.parametrize(
    ("before", "this", "total", "route"),
    [
        (0, 50, 1000, "filing"),  # 50 ÷ 1000 = 5 % exactly → filing
        (0, "50.1", 1000, "review"),  # 50.1 ÷ 1000 = 5.01 % → review
        (30, 20, 1000, "filing"),  # cumulative 30 + 20 = 50 → 5 %
        (30, 20.1, 1000, "review"),  # 50.1 → 5.01 %
        (-30, -20, 1000, "filing"),  # reductions count by size: |−50| = 5 %
        (-30, "-20.1", "1,000", "review"),  # |−50.1| = 5.01 %
        (40, -30, 1000, "filing"),  # net +10 = 1 %
        (None, 10, 1000, "filing"),  # blank history counts 0
        (0, 0.05, 1, "filing"),  # 0.05 ÷ 1 = 5 % in Decimal, no float drift
    ],
)
def test_same_category_route_turns_on_cumulative_five_percent(before, this, total, route):
    assert adjustment_route(True, before, this, total) == route


def test_different_category_is_always_reviewed():
    assert adjustment_route(False, 0, 1, 1000) == "review"  # 0.1 %, but other category
    assert adjustment_route("false", 0, 1, 1000) == "review"


@pytest.mark.parametrize("total", [0, None, "", -100])
def test_unknown_or_zero_fund_total_is_reviewed(total):
    assert adjustment_route(True, 0, 1, total) == "review"


def test_form_truth_values_for_same_category():
    assert adjustment_route("是", 0, 1, 1000) == "filing"
    assert adjustment_route("true", 0, 1, 1000) == "filing"


def test_filing_share_is_a_setting():
    # 80 ÷ 1000 = 8 %: review at 5 %, filing at 10 %
    assert adjustment_route(True, 0, 80, 1000) == "review"
    assert adjustment_route(True, 0, 80, 1000, Thresholds(filing_change_percent=10)) == "filing"


@pytest.mark.parametrize(
    ("grade", "light", "low"),
    [
        ("中", "green", True),
        ("差", None, True),
        ("良", "red", True),
        ("良", "红灯", True),
        ("优", "yellow", False),
        ("良", "blue", False),
        (None, None, False),
        ("", "", False),
    ],
)
def test_low_performing_by_default_rule(grade, light, low):
    assert is_low_performing(grade, light) is low


def test_low_performing_rule_is_a_setting():
    t = Thresholds(low_performing_grades=("差",), low_performing_lights=("red", "yellow"))
    assert is_low_performing("中", "green", t) is False
    assert is_low_performing("良", "yellow", t) is True


@pytest.mark.parametrize(
    ("indicators", "expected"),
    [
        ([{"name": "培训人次", "target": 200}], True),
        ([{"name": "成本", "target": 0}], True),  # 0 is a target
        ([{"name": "验收", "target": "按期完成"}], True),
        ([{"name": "", "target": 5}, {"name": "x", "target": " "}], False),
        ([{"name": "x"}], False),
        ([], False),
        (None, False),
        ("not a list", False),
    ],
)
def test_has_targets(indicators, expected):
    assert has_targets(indicators) is expected
