"""Quarterly dual monitoring (双监控, BRIEF.md §3): execution progress and target lights.

Pure functions on plain values; numbers may be int, float, Decimal or form strings.
A light that cannot be computed (missing actual, zero budget, no time elapsed) is None,
never an exception.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from app.performance.numbers import (
    NEGATIVE_SIGNS,
    QUALITATIVE,
    normalize_qualitative,
    normalize_sign,
    to_decimal,
    to_float,
)
from app.performance.settings import DEFAULT_THRESHOLDS, Thresholds

# Worst first. Blue (over 120 % of the time-scaled target) ranks above green because it
# says the target was set too low — a planning defect finance should see and may ask to
# revise — but below yellow and red, which say the money or the results are falling behind
# and need correction now.
LIGHT_SEVERITY = ("red", "yellow", "blue", "green")
QUALITATIVE_LIGHTS = {"met": "green", "partly": "yellow", "not_met": "red"}
IMPOSSIBLE = "完全不可能"
LIKELIHOODS = ("确定能", "有可能", IMPOSSIBLE)


def quarter_months(quarter: int) -> int:
    """Months elapsed at the end of `quarter` (1 → 3 … 4 → 12). Raises ValueError."""
    number = to_decimal(quarter)
    if number is None or number not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1, 2, 3 or 4, got {quarter!r}")
    return int(number) * 3


def time_progress(months_elapsed: int) -> float:
    """Share of the year elapsed: months ÷ 12, clamped to 0..1."""
    return float(_progress(months_elapsed))


def adjusted_budget(opening: Any, addition: Any = 0, reduction: Any = 0) -> float | None:
    """调整预算数 = 年初预算 + 追加 − 追减; blank changes count 0, a blank opening gives None."""
    result = _adjusted(opening, addition, reduction)
    return to_float(result)


def execution_rate(spent: Any, adjusted_budget: Any) -> float | None:
    """预算执行率 = spent ÷ adjusted budget (may exceed 1); None when either is unknown or
    the budget is not positive."""
    return to_float(_rate(spent, adjusted_budget))


def execution_light(rate: Any, progress: Any, t: Thresholds | None = None) -> str | None:
    """Light of R = rate ÷ progress × 100: below 60 red, below 80 yellow, else green.

    None when the rate is unknown or no time has elapsed.
    """
    ratio = _execution_ratio(to_decimal(rate), to_decimal(progress))
    return None if ratio is None else _execution_light(ratio, t or DEFAULT_THRESHOLDS)


def indicator_light(
    sign: Any,
    target: Any,
    actual: Any,
    months_elapsed: int,
    t: Thresholds | None = None,
    qualitative_result: Any = None,
    level2: Any = None,
    unit: Any = None,
) -> str | None:
    """The warning light of one indicator row at `months_elapsed`.

    ≥ > =: actual ÷ expected-to-date × 100 — red / yellow / green / blue (≥ 120), where
    expected-to-date is target × months ÷ 12 for a quantity that accumulates over the
    year (see `accumulates`), else the target itself; ≤ <: met green, else red;
    定性: 达成/部分达成/未达成 → green/yellow/red. None when not computable (blank
    actual or target, zero target or months). Raises ValueError for an unknown sign.
    """
    t = t or DEFAULT_THRESHOLDS
    prorated = accumulates(level2, unit, target)
    light, _ = _indicator(sign, target, actual, months_elapsed, t, qualitative_result, prorated)
    return light


# Second-level indicators whose value builds up over the year (BRIEF §3): counts and
# amounts of output and cost. Rates, quality, timeliness, benefits and satisfaction are
# a state reached, so a quarter's figure is compared with the target itself.
ACCUMULATING_LEVEL2 = ("数量", "成本")
PERCENT_UNITS = ("%", "％", "百分比")


def accumulates(level2: Any, unit: Any, target: Any = None) -> bool:
    """Whether an indicator's target is prorated by time: a 数量 or 成本 indicator not
    stated as a percentage (in its unit or its target). Without a second level, only the
    percentage decides."""
    if any(mark in f"{unit or ''}{target or ''}" for mark in PERCENT_UNITS):
        return False
    if not str(level2 or "").strip():
        return True
    return any(kind in str(level2) for kind in ACCUMULATING_LEVEL2)


def project_light(lights: Iterable[str | None]) -> str | None:
    """A project's light is its worst indicator's (red > yellow > blue > green); None if none."""
    present = {light for light in lights if light in LIGHT_SEVERITY}
    return next((light for light in LIGHT_SEVERITY if light in present), None)


def assess_monitoring(
    quarter: int,
    adjusted_budget: Any,
    spent: Any,
    indicators: list[dict] | None,
    t: Thresholds | None = None,
) -> dict[str, Any]:
    """Lights and the correction decision of one project's quarterly report (JSON-ready).

    `needs_correction` is true for a red or yellow execution or project light, or any
    indicator whose completion likelihood is 完全不可能; `correction_reasons` says which.
    Raises ValueError for a quarter outside 1–4 or an unknown indicator sign.
    """
    t = t or DEFAULT_THRESHOLDS
    months = quarter_months(quarter)
    progress = _progress(months)
    rate = _rate(spent, adjusted_budget)
    ratio = _execution_ratio(rate, progress)
    exec_light = None if ratio is None else _execution_light(ratio, t)
    reasons: list[dict[str, Any]] = []
    if exec_light in ("red", "yellow"):
        reasons.append(
            _reason(
                f"execution_{exec_light}", None, f"预算执行进度{_ZH[exec_light]}（R={ratio:.2f}）"
            )
        )

    rows = []
    for row in indicators or []:
        row = dict(row) if isinstance(row, Mapping) else {"name": row}
        name = row.get("name")
        try:
            light, completion = _indicator(
                row.get("sign"),
                row.get("target"),
                row.get("actual"),
                months,
                t,
                row.get("qualitative_result"),
                accumulates(row.get("level2"), row.get("unit"), row.get("target")),
            )
        except ValueError as exc:
            raise ValueError(f"indicator {name!r}: {exc}") from None
        row["light"] = light
        row["completion"] = to_float(completion, 2)
        rows.append(row)
        if light in ("red", "yellow"):
            reasons.append(_reason(f"indicator_{light}", name, f"指标“{name}”{_ZH[light]}"))
        if str(row.get("likelihood") or "").strip() == IMPOSSIBLE:
            reasons.append(_reason("impossible", name, f"指标“{name}”全年目标完全不可能完成"))

    overall = project_light(row["light"] for row in rows)
    return {
        "quarter": quarter_months(quarter) // 3,
        "months_elapsed": months,
        "time_progress": float(progress),
        "execution_rate": to_float(rate),
        "execution_ratio": to_float(ratio, 2),
        "reaches_time_progress": None if rate is None else rate >= progress,
        "execution_light": exec_light,
        "indicators": rows,
        "project_light": overall,
        "needs_correction": bool(reasons) or overall in ("red", "yellow"),
        "correction_reasons": reasons,
    }


_ZH = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "blue": "蓝灯"}


def _reason(code: str, indicator: Any, message: str) -> dict[str, Any]:
    return {"code": code, "indicator": indicator, "message": message}


def _progress(months_elapsed: Any) -> Decimal:
    months = to_decimal(months_elapsed)
    if months is None:
        raise ValueError(f"months elapsed must be a number, got {months_elapsed!r}")
    return min(max(months / 12, Decimal(0)), Decimal(1))


def _adjusted(opening: Any, addition: Any, reduction: Any) -> Decimal | None:
    base = to_decimal(opening)
    if base is None:
        return None
    return base + (to_decimal(addition) or 0) - (to_decimal(reduction) or 0)


def _rate(spent: Any, budget: Any) -> Decimal | None:
    amount, total = to_decimal(spent), to_decimal(budget)
    if amount is None or total is None or total <= 0:
        return None
    return amount / total


def _execution_ratio(rate: Decimal | None, progress: Decimal | None) -> Decimal | None:
    if rate is None or progress is None or progress <= 0:
        return None
    return rate / progress * 100


def _execution_light(ratio: Decimal, t: Thresholds) -> str:
    if ratio < _d(t.execution_red_below):
        return "red"
    if ratio < _d(t.execution_yellow_below):
        return "yellow"
    return "green"


def _indicator(
    sign: Any,
    target: Any,
    actual: Any,
    months_elapsed: Any,
    t: Thresholds,
    qualitative_result: Any,
    accumulating: bool = True,
) -> tuple[str | None, Decimal | None]:
    """(light, completion percent) of one indicator; completion only for positive signs."""
    canonical = normalize_sign(sign)
    if canonical is None and normalize_qualitative(qualitative_result):
        canonical = QUALITATIVE
    if canonical is None:
        return None, None
    if canonical == QUALITATIVE:
        result = normalize_qualitative(qualitative_result) or normalize_qualitative(actual)
        return QUALITATIVE_LIGHTS.get(result or ""), None
    goal, value = to_decimal(target), to_decimal(actual)
    if goal is None or value is None:
        return None, None
    if canonical in NEGATIVE_SIGNS:
        met = value <= goal if canonical == "≤" else value < goal
        return ("green" if met else "red"), None
    expected = goal * _progress(months_elapsed) if accumulating else goal
    if expected <= 0:
        return None, None
    completion = value / expected * 100
    if completion < _d(t.indicator_red_below):
        return "red", completion
    if completion < _d(t.indicator_yellow_below):
        return "yellow", completion
    if completion < _d(t.indicator_blue_from):
        return "green", completion
    return "blue", completion


def _d(value: float) -> Decimal:
    return Decimal(str(value))
