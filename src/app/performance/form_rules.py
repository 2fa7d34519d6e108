"""Domain rules a form names, for what neither JSON Schema nor `x-compare` can say.

A form schema lists them by name at its root (`"x-rules": ["indicator_points"]`); the
completion runs each over the submitted data with the county's settings, and a broken
rule is a field error like any other. A name the platform does not know is itself an
error, so a misspelt rule is never silently skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.forms.translated import translated as _
from app.performance.department_rules import department_functions_add_up
from app.performance.indicator_points import indicator_points
from app.performance.monitoring import execution_rate, quarter_months, time_progress
from app.performance.numbers import is_blank
from app.performance.settings import Thresholds

Problem = tuple[str, str]
"""(JSON pointer, message)."""


def delay_reason_when_behind(data: Mapping[str, Any], t: Thresholds) -> list[Problem]:
    """Whether a project reaches time progress is computed, never declared: when the
    execution rate (spent ÷ adjusted budget) is below the share of the year elapsed at
    the quarter's end, the reason type and the analysis are required."""
    try:
        months = quarter_months(data.get("quarter"))
    except ValueError:
        return []  # the quarter is the round's, shown read-only; jsonschema judges it
    rate = execution_rate(data.get("spent"), data.get("adjusted_budget"))
    progress = time_progress(months)
    if rate is None or rate >= progress:
        return []
    why = _(
        "The execution rate of %(rate)s is behind time progress (%(progress)s): say why.",
        rate=f"{rate:.1%}",
        progress=f"{progress:.1%}",
    )
    return [
        (f"/{name}", why)
        for name in ("delay_reason_type", "progress_analysis")
        if is_blank(data.get(name))
    ]


def project_function_listed(data: Mapping[str, Any], t: Thresholds) -> list[Problem]:
    """The function a department files a project under (its 职能分类) is one of the
    functions its own targets list: the 5 % filing route compares projects by it."""
    chosen = data.get("project_function")
    rows = data.get("function_targets")
    if is_blank(chosen) or not isinstance(rows, list):
        return []
    names = [row.get("function_name") for row in rows if isinstance(row, Mapping)]
    if str(chosen).strip() in [str(n).strip() for n in names if not is_blank(n)]:
        return []
    listed = _(", ").join(str(n) for n in names if not is_blank(n)) or _("(none)")
    return [
        (
            "/project_function",
            _("It must be one of the functions listed above: %(listed)s.", listed=listed),
        )
    ]


FORM_RULES: dict[str, Callable[[Mapping[str, Any], Thresholds], list[Problem]]] = {
    "indicator_points": indicator_points,
    "delay_reason_when_behind": delay_reason_when_behind,
    "project_function_listed": project_function_listed,
    "department_functions_add_up": department_functions_add_up,
}


def form_rule_problems(names: Any, data: Mapping[str, Any], t: Thresholds) -> list[Problem]:
    """The problems of every rule `names` lists, in order."""
    problems: list[Problem] = []
    for name in names if isinstance(names, list) else []:
        rule = FORM_RULES.get(name)
        if rule is None:
            unknown = _(
                "The form rule “%(name)s” does not exist: tell the process administrator.",
                name=name,
            )
            problems.append(("", unknown))
        else:
            problems.extend(rule(data, t))
    return problems
