"""The indicator rows' points: each level's rows make up the level's weight. A rule of
the project target forms (form_rules.py) and of the department's (department_rules.py),
kept here so that neither imports the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.forms.translated import translated as _
from app.performance.numbers import to_decimal
from app.performance.scoring import LEVELS, level_of
from app.performance.settings import Thresholds

Problem = tuple[str, str]
"""(JSON pointer, message)."""


def indicator_points(data: Mapping[str, Any], t: Thresholds) -> list[Problem]:
    """Indicator rows' points add up, level by level, to the level's weight (产出 50,
    效益 30, 满意度 10 by default; 预算执行率 is the other 10), so that no score is left
    to be shared out later. A row without points is the schema's to refuse (points are
    required); the sums are judged once every row has them."""
    rows = data.get("indicators")
    if not isinstance(rows, list):
        return []
    rows = [row if isinstance(row, Mapping) else {} for row in rows]
    points = [to_decimal(row.get("points")) for row in rows]
    if any(p is None for p in points):
        return []
    sums = dict.fromkeys(LEVELS, Decimal(0))
    present = dict.fromkeys(LEVELS, False)
    for row, row_points in zip(rows, points, strict=True):
        level = level_of(row.get("level1"))
        if level is not None:
            sums[level] += row_points
            present[level] = True
    problems: list[Problem] = []
    for level, weight in zip(LEVELS, level_weights(t), strict=True):
        if weight > 0 and not present[level]:
            missing = _(
                "There is no %(level)s row (the level's points should add up to %(weight)s).",
                level=level,
                weight=f"{weight:g}",
            )
            problems.append(("/indicators", missing))
        elif present[level] and sums[level] != weight:
            wrong = _(
                "The %(level)s points add up to %(sum)s; they should add up to %(weight)s.",
                level=level,
                sum=f"{sums[level]:g}",
                weight=f"{weight:g}",
            )
            problems.append(("/indicators", wrong))
    return problems


def level_weights(t: Thresholds) -> tuple[Decimal, Decimal, Decimal]:
    """The points of 产出, 效益 and 满意度 indicators, in the order of `LEVELS`."""
    return tuple(
        Decimal(str(w)) for w in (t.weight_output, t.weight_benefit, t.weight_satisfaction)
    )
