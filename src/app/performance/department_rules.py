"""The rule of a department's year targets that JSON Schema cannot say (a form names it
in `x-rules`, see form_rules.py). Pure: plain values in, (pointer, message) out.

What "the functions' amounts add up" means here: the 职能分类 targets split the
department's project spending of the year (项目支出合计, the form's `total_amount`) by
function, as the reform plan groups project budgets under the department's functions.
So the functions' amounts must add up to that total to the cent, and when finance has set
the department's 控制数 for the year the total may not exceed it. Each function is named
once, has at least one indicator, and every indicator names a listed function; the
indicators' points add up, level by level, to the weights a self-evaluation scores them by
(产出 50, 效益 30, 满意度 10 by default), so the department's year-end score is out of 100.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.forms.translated import translated as _
from app.performance.indicator_points import indicator_points
from app.performance.numbers import is_blank, to_decimal
from app.performance.settings import Thresholds

Problem = tuple[str, str]
CENT = Decimal("0.01")


def _rows(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    rows = data.get(key)
    if not isinstance(rows, list):
        return []
    return [row if isinstance(row, Mapping) else {} for row in rows]


def _name(value: Any) -> str:
    return "" if is_blank(value) else str(value).strip()


def department_functions_add_up(data: Mapping[str, Any], t: Thresholds) -> list[Problem]:
    """Functions named once, their amounts adding up to the total (within the control
    total), each with indicators, and the indicators' points making up the weights."""
    functions = _rows(data, "functions")
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, row in enumerate(functions):
        name = _name(row.get("name"))
        if name and name in seen:
            twice = _("The function “%(name)s” is listed twice.", name=name)
            problems.append((f"/functions/{index}/name", twice))
        seen.add(name)
    amounts = [to_decimal(row.get("amount")) for row in functions]
    total = to_decimal(data.get("total_amount"))
    if functions and total is not None and all(a is not None for a in amounts):
        added = sum(amounts, Decimal(0))
        if abs(added - total) >= CENT:
            problems.append(
                (
                    "/total_amount",
                    _(
                        "The functions' amounts add up to %(added)s 万元, not to the project "
                        "total of %(total)s 万元.",
                        added=f"{added:,.2f}",
                        total=f"{total:,.2f}",
                    ),
                )
            )
    ceiling = to_decimal(data.get("control_total"))
    if total is not None and ceiling is not None and total > ceiling:
        problems.append(
            (
                "/total_amount",
                _(
                    "The project total of %(total)s 万元 is above the control total of "
                    "%(ceiling)s 万元 finance set.",
                    total=f"{total:,.2f}",
                    ceiling=f"{ceiling:,.2f}",
                ),
            )
        )
    indicators = _rows(data, "indicators")
    used: set[str] = set()
    for index, row in enumerate(indicators):
        name = _name(row.get("function_name"))
        used.add(name)
        if name and name not in seen:
            listed = _(", ").join(sorted(n for n in seen if n)) or _("(none)")
            problems.append(
                (
                    f"/indicators/{index}/function_name",
                    _("It must be one of the functions listed above: %(listed)s.", listed=listed),
                )
            )
    for index, row in enumerate(functions):
        name = _name(row.get("name"))
        if name and name not in used:
            bare = _("The function “%(name)s” has no indicator yet.", name=name)
            problems.append((f"/functions/{index}/name", bare))
    return problems + indicator_points({"indicators": indicators}, t)
