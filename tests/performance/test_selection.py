"""performance/selection.py: last year's grade decides this year's money at 遴选."""

from __future__ import annotations

import pytest

from app.performance import Thresholds
from app.performance.selection import grade_consequence


@pytest.mark.parametrize(
    ("grade", "action", "ceiling"),
    [("差", "exclude", None), ("中", "cut", 64.0), ("优", "priority", None), ("良", "none", None)],
)
def test_each_grade_has_its_consequence(grade, action, ceiling):
    result = grade_consequence(grade, 80)
    assert (result["action"], result["ceiling"]) == (action, ceiling)


def test_no_grade_leaves_it_to_finance():
    assert grade_consequence("", 80) == {
        "action": "none",
        "ceiling": None,
        "advice": "无上年绩效评价结果",
    }


def test_the_cut_is_a_setting_and_rounds_to_the_fen_of_a_wan_yuan():
    result = grade_consequence("中", "333.33", Thresholds(grade_cut_percent=30))
    assert result["ceiling"] == 233.33  # 333.33 × 0.7 = 233.331
    assert "压减30%" in result["advice"] and "233.33 万元" in result["advice"]


def test_which_grades_are_excluded_is_a_setting():
    assert grade_consequence("中", 80, Thresholds(grade_excluded=("中", "差")))["action"] == (
        "exclude"
    )
    with pytest.raises(ValueError, match="grade_cut"):
        Thresholds(grade_cut=("甲",))
