"""Mid-year addition and adjustment gateways (追加调整, BRIEF.md §2), in the brief's order:
targets attached? → low-performing? → within the share a department may file?
(`budget_changes` reads the registry's figures for the last one.)"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.performance.numbers import is_blank, to_bool, to_decimal
from app.performance.settings import DEFAULT_THRESHOLDS, Thresholds

_LIGHT_NAMES = {
    "red": "red",
    "红": "red",
    "红灯": "red",
    "yellow": "yellow",
    "黄": "yellow",
    "黄灯": "yellow",
    "green": "green",
    "绿": "green",
    "绿灯": "green",
    "blue": "blue",
    "蓝": "blue",
    "蓝灯": "blue",
}


def has_targets(indicators: Any) -> bool:
    """At least one indicator row with a name and a target (0 counts as a target)."""
    if not isinstance(indicators, list | tuple):
        return False
    return any(
        isinstance(row, Mapping)
        and not is_blank(row.get("name"))
        and not is_blank(row.get("target"))
        for row in indicators
    )


def is_low_performing(last_grade: Any, last_light: Any, t: Thresholds | None = None) -> bool:
    """Low-performing when last year's grade or the last monitoring light is one the settings
    name (defaults: grade 中 or 差, light red). Blank values are not low-performing."""
    t = t or DEFAULT_THRESHOLDS
    grade = str(last_grade or "").strip()
    light = _LIGHT_NAMES.get(str(last_light or "").strip().lower())
    return grade in t.low_performing_grades or light in t.low_performing_lights


def within_filing_share(
    filed_before: Any, this_change: Any, fund_total: Any, t: Thresholds | None = None
) -> bool:
    """Whether a department's reallocations filed this year in one special fund, this one
    included, stay within the filing share (default 5 %) of the fund's approved total.

    Amounts count by size (a reduction moves money too); blank ones count 0. A blank or
    non-positive total leaves no room to file.
    """
    t = t or DEFAULT_THRESHOLDS
    total = to_decimal(fund_total)
    if total is None or total <= 0:
        return False
    moved = abs(to_decimal(filed_before) or 0) + abs(to_decimal(this_change) or 0)
    return moved <= total * Decimal(str(t.filing_change_percent)) / 100


def adjustment_route(
    same_category: Any,
    cumulative_change_before: Any,
    this_change: Any,
    special_fund_total: Any,
    t: Thresholds | None = None,
) -> str:
    """The route as diagrams deployed before the registry decided it: from what the unit
    typed. Kept only so that their running submissions can finish; the shipped diagram
    calls `registry_assess_adjustment`, which reads every figure from the registry."""
    if not to_bool(same_category):
        return "review"
    within = within_filing_share(cumulative_change_before, this_change, special_fund_total, t)
    return "filing" if within else "review"
