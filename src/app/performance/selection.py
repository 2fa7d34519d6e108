"""What last year's grade does to this year's money at 遴选排序 (BRIEF §1.5, §4.4).

The grade is read from the registry, never typed: a 差 project is excluded, a 中 one is
cut by a set share of its request unless finance records why not, an 优 one is marked
for priority; 良, or no grade yet, leaves the decision to finance. Each is a setting.
"""

from __future__ import annotations

from typing import Any

from app.performance.numbers import to_decimal, to_float
from app.performance.settings import DEFAULT_THRESHOLDS, Thresholds


def grade_consequence(
    last_grade: Any, requested_amount: Any, t: Thresholds | None = None
) -> dict[str, Any]:
    """{"action": exclude | cut | priority | none, "ceiling": the most that may be
    approved without a recorded reason (万元, None when only the request limits it),
    "advice": the sentence the selection form shows}."""
    t = t or DEFAULT_THRESHOLDS
    grade = str(last_grade or "").strip()
    requested = to_decimal(requested_amount)
    if grade in t.grade_excluded:
        return _result("exclude", None, f"上年绩效评价为{grade}，按规定取消，不予安排")
    if grade in t.grade_cut:
        if requested is None:
            return _result("cut", None, f"上年绩效评价为{grade}，按规定压减{t.grade_cut_percent}%")
        share = 1 - to_decimal(t.grade_cut_percent) / 100
        ceiling = (requested * share).quantize(to_decimal("0.01"))
        return _result(
            "cut",
            to_float(ceiling, 2),
            f"上年绩效评价为{grade}，按规定压减{t.grade_cut_percent}%，"
            f"安排不超过 {ceiling:,.2f} 万元；超出须在遴选说明中写明理由",
        )
    if grade in t.grade_priority:
        return _result("priority", None, f"上年绩效评价为{grade}，优先安排")
    if grade:
        return _result("none", None, f"上年绩效评价为{grade}，结合绩效情况安排")
    return _result("none", None, "无上年绩效评价结果")


def _result(action: str, ceiling: float | None, advice: str) -> dict[str, Any]:
    return {"action": action, "ceiling": ceiling, "advice": advice}
