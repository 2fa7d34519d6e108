"""Annual self-evaluation scoring (部门自评, BRIEF.md §4 and "Indicators and scoring").

Scores are computed exactly in Decimal; `self_evaluation` rounds each shown score and the
total to 2 decimals (half up) and grades the rounded total, so the grade always matches
the number the report shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.performance.numbers import (
    NEGATIVE_SIGNS,
    QUALITATIVE,
    is_blank,
    normalize_qualitative,
    normalize_sign,
    to_decimal,
    to_float,
)
from app.performance.settings import DEFAULT_THRESHOLDS, Thresholds

LEVELS = ("产出指标", "效益指标", "满意度指标")
_LEVEL_ALIASES = {
    "产出指标": "产出指标",
    "产出": "产出指标",
    "output": "产出指标",
    "效益指标": "效益指标",
    "效益": "效益指标",
    "benefit": "效益指标",
    "满意度指标": "满意度指标",
    "满意度": "满意度指标",
    "satisfaction": "满意度指标",
}


def execution_score(budget_a: Any, spent_b: Any, t: Thresholds | None = None) -> float:
    """Execution points = min(B ÷ A, 1) × weight (10); 0 when A is 0 or blank."""
    return float(_execution_score(budget_a, spent_b, t or DEFAULT_THRESHOLDS))


def indicator_score(
    sign: Any,
    target: Any,
    actual: Any,
    points: Any,
    qualitative_result: Any = None,
    t: Thresholds | None = None,
) -> float:
    """Score of one indicator row, between 0 and `points`.

    Quantitative met → full points; otherwise points × actual ÷ target (target ÷ actual for
    ≤ and <); for = the smaller of the two ratios, so missing either way loses points.
    Qualitative: 达成/部分达成/未达成 → the configured percent of points. A blank actual
    scores 0. Raises ValueError for an unknown or blank sign, or negative points.
    """
    return float(
        _indicator_score(sign, target, actual, points, qualitative_result, t or DEFAULT_THRESHOLDS)
    )


def grade_for(total: Any, t: Thresholds | None = None) -> str:
    """优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差 (cut-offs are settings). Raises ValueError."""
    t = t or DEFAULT_THRESHOLDS
    score = to_decimal(total)
    if score is None:
        raise ValueError(f"total must be a number, got {total!r}")
    if score >= _d(t.grade_excellent_from):
        return "优"
    if score >= _d(t.grade_good_from):
        return "良"
    if score >= _d(t.grade_fair_from):
        return "中"
    return "差"


def self_evaluation(
    budget_a: Any,
    spent_b: Any,
    indicators: list[dict] | None,
    t: Thresholds | None = None,
) -> dict[str, Any]:
    """Score a project's self-evaluation report (JSON-ready).

    Rows without `points` share what is left of their level's weight evenly. Every row
    below full points needs a deviation reason; rows lacking one are named in
    `missing_reasons`. Raises ValueError for an unknown sign, or a row without points
    whose level is not one of 产出指标/效益指标/满意度指标.
    """
    t = t or DEFAULT_THRESHOLDS
    rows = [dict(row) if isinstance(row, Mapping) else {"name": row} for row in indicators or []]
    points = _row_points(rows, t)
    exec_score = _execution_score(budget_a, spent_b, t)
    total = exec_score
    max_total = _d(t.weight_execution)
    level_totals = {level: Decimal(0) for level in LEVELS}
    missing: list[Any] = []
    out_rows = []
    for row, row_points in zip(rows, points, strict=True):
        name = row.get("name")
        try:
            score = _indicator_score(
                row.get("sign"),
                row.get("target"),
                row.get("actual"),
                row_points,
                row.get("qualitative_result"),
                t,
            )
        except ValueError as exc:
            raise ValueError(f"indicator {name!r}: {exc}") from None
        needs_reason = score < row_points
        if needs_reason and is_blank(row.get("deviation_reason")):
            missing.append(name)
        level = level_of(row.get("level1")) or str(row.get("level1") or "未分级")
        level_totals[level] = level_totals.get(level, Decimal(0)) + score
        total += score
        max_total += row_points
        row.update(points=to_float(row_points, 2), score=to_float(score, 2))
        row["needs_reason"] = needs_reason
        out_rows.append(row)

    shown_total = to_float(total, 2)
    return {
        "execution_rate": to_float(_ratio(spent_b, budget_a)),
        "execution_points": to_float(_d(t.weight_execution), 2),
        "execution_score": to_float(exec_score, 2),
        "indicators": out_rows,
        "level_scores": {k: to_float(v, 2) for k, v in level_totals.items()},
        "missing_reasons": missing,
        "reasons_complete": not missing,
        "total": shown_total,
        "max_total": to_float(max_total, 2),
        "grade": grade_for(shown_total, t),
    }


def _ratio(spent_b: Any, budget_a: Any) -> Decimal | None:
    a, b = to_decimal(budget_a), to_decimal(spent_b)
    if a is None or b is None or a <= 0:
        return None
    return b / a


def _execution_score(budget_a: Any, spent_b: Any, t: Thresholds) -> Decimal:
    ratio = _ratio(spent_b, budget_a)
    if ratio is None:
        return Decimal(0)
    return min(max(ratio, Decimal(0)), Decimal(1)) * _d(t.weight_execution)


def _indicator_score(
    sign: Any,
    target: Any,
    actual: Any,
    points: Any,
    qualitative_result: Any,
    t: Thresholds,
) -> Decimal:
    full = to_decimal(points)
    if full is None or full < 0:
        raise ValueError(f"points must be a non-negative number, got {points!r}")
    canonical = normalize_sign(sign)
    if canonical is None and normalize_qualitative(qualitative_result):
        canonical = QUALITATIVE
    if canonical is None:
        raise ValueError("indicator sign is blank")
    if canonical == QUALITATIVE:
        result = normalize_qualitative(qualitative_result) or normalize_qualitative(actual)
        if result is None:
            return Decimal(0)
        return full * _d(t.qualitative_percent(result)) / 100
    goal, value = to_decimal(target), to_decimal(actual)
    if goal is None or value is None:
        return Decimal(0)
    if _met(canonical, goal, value):
        return full
    if canonical in NEGATIVE_SIGNS:
        share = goal / value if value > 0 else Decimal(0)
    elif canonical == "=":
        share = min(value / goal, goal / value) if goal > 0 and value > 0 else Decimal(0)
    else:
        share = value / goal if goal > 0 else Decimal(0)
    return min(max(full * share, Decimal(0)), full)


def _met(sign: str, goal: Decimal, value: Decimal) -> bool:
    return {
        "≥": value >= goal,
        ">": value > goal,
        "=": value == goal,
        "≤": value <= goal,
        "<": value < goal,
    }[sign]


def level_of(level1: Any) -> str | None:
    """The canonical level-1 name (产出指标/效益指标/满意度指标) of a row's level."""
    return _LEVEL_ALIASES.get(str(level1 or "").strip().lower())


def _row_points(rows: list[dict], t: Thresholds) -> list[Decimal]:
    """Each row's points: its own, or an even share of what its level's weight leaves."""
    weights = {
        "产出指标": _d(t.weight_output),
        "效益指标": _d(t.weight_benefit),
        "满意度指标": _d(t.weight_satisfaction),
    }
    given = [None if is_blank(row.get("points")) else row.get("points") for row in rows]
    explicit: dict[str, Decimal] = {}
    unset: dict[str, int] = {}
    for row, value in zip(rows, given, strict=True):
        level = level_of(row.get("level1"))
        if value is not None:
            number = to_decimal(value)
            if number is None or number < 0:
                raise ValueError(
                    f"indicator {row.get('name')!r}: points must be a non-negative number, "
                    f"got {value!r}"
                )
            if level is not None:
                explicit[level] = explicit.get(level, Decimal(0)) + number
        elif level is None:
            raise ValueError(
                f"indicator {row.get('name')!r} has no points and an unknown level "
                f"{row.get('level1')!r} (expected one of {', '.join(LEVELS)})"
            )
        else:
            unset[level] = unset.get(level, 0) + 1
    result = []
    for row, value in zip(rows, given, strict=True):
        if value is not None:
            result.append(to_decimal(value))
            continue
        level = level_of(row.get("level1"))
        left = max(weights[level] - explicit.get(level, Decimal(0)), Decimal(0))
        result.append(left / unset[level])
    return result


def _d(value: float) -> Decimal:
    return Decimal(str(value))
