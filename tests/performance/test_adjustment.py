"""Mid-year adjustment gateways: targets attached, low-performing, filing or review."""

from __future__ import annotations

import pytest

from app.performance import Thresholds, has_targets, is_low_performing, within_filing_share


@pytest.mark.parametrize(
    ("before", "this", "total", "within"),
    [
        (0, 50, 1000, True),  # 50 ÷ 1000 = 5 % exactly → may be filed
        (0, "50.1", 1000, False),  # 50.1 ÷ 1000 = 5.01 % → reviewed
        (30, 20, 1000, True),  # cumulative 30 + 20 = 50 → 5 %
        (30, 20.1, 1000, False),  # 50.1 → 5.01 %
        (30, -20, 1000, True),  # money moved counts by size: 30 + |−20| = 5 %
        (-30, "-20.1", "1,000", False),  # |−30| + |−20.1| = 5.01 %
        (None, 10, 1000, True),  # blank history counts 0
        (0, 0.05, 1, True),  # 0.05 ÷ 1 = 5 % in Decimal, no float drift
    ],
)
def test_filed_reallocations_stay_within_five_percent_cumulatively(before, this, total, within):
    assert within_filing_share(before, this, total) is within


@pytest.mark.parametrize("total", [0, None, "", -100])
def test_unknown_or_zero_fund_total_leaves_no_room_to_file(total):
    assert within_filing_share(0, 1, total) is False


def test_filing_share_is_a_setting():
    # 80 ÷ 1000 = 8 %: reviewed at 5 %, filed at 10 %
    assert within_filing_share(0, 80, 1000) is False
    assert within_filing_share(0, 80, 1000, Thresholds(filing_change_percent=10)) is True


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
