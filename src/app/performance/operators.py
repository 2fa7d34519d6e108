"""The domain functions diagrams call by name from service tasks and scripts.

Each operator takes plain JSON values (by keyword; positionally works too) and returns
JSON-ready values. Thresholds are not a parameter: operators read them from the provider
the host registers with `set_thresholds_provider` (the DB settings), else the defaults.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from app.performance import adjustment, monitoring, scoring, selection
from app.performance.settings import DEFAULT_THRESHOLDS, Thresholds

_provider: Callable[[], Thresholds] | None = None


def set_thresholds_provider(provider: Callable[[], Thresholds] | None) -> None:
    """Make operators read thresholds from `provider()`; None restores the defaults."""
    global _provider
    if provider is not None and not callable(provider):
        raise TypeError("thresholds provider must be callable")
    _provider = provider


def current_thresholds() -> Thresholds:
    """The thresholds operators apply now. Raises TypeError if the provider misbehaves."""
    if _provider is None:
        return DEFAULT_THRESHOLDS
    thresholds = _provider()
    if not isinstance(thresholds, Thresholds):
        raise TypeError(f"thresholds provider returned {type(thresholds).__name__}")
    return thresholds


def _operator(func: Callable[..., Any], doc: str) -> Callable[..., Any]:
    """`func` without its `t` parameter, which is filled from the current thresholds."""
    signature = inspect.signature(func)
    takes_thresholds = "t" in signature.parameters
    public = signature.replace(
        parameters=[p for name, p in signature.parameters.items() if name != "t"]
    )

    @functools.wraps(func)
    def operator(*args: Any, **kwargs: Any) -> Any:
        arguments = public.bind(*args, **kwargs).arguments  # TypeError names a bad argument
        if takes_thresholds:
            arguments["t"] = current_thresholds()
        return func(**arguments)

    operator.__doc__ = doc
    operator.__signature__ = public  # type: ignore[attr-defined]
    del operator.__wrapped__  # inspect.signature must show the public parameters
    return operator


OPERATORS: dict[str, Callable[..., Any]] = {
    "assess_monitoring": _operator(
        monitoring.assess_monitoring,
        "季度双监控：执行进度灯、指标预警灯与是否纠偏 / "
        "Quarterly dual monitoring: execution and indicator lights, correction needed.",
    ),
    "self_evaluation": _operator(
        scoring.self_evaluation,
        "项目绩效自评：执行率得分、指标得分、总分与等级 / "
        "Project self-evaluation: execution score, indicator scores, total and grade.",
    ),
    "adjusted_budget": _operator(
        monitoring.adjusted_budget,
        "调整预算数 = 年初预算 + 追加 − 追减 / Adjusted budget = opening + addition − reduction.",
    ),
    "execution_rate": _operator(
        monitoring.execution_rate,
        "预算执行率 = 支出 ÷ 调整预算（预算为零时为空） / "
        "Execution rate = spent ÷ adjusted budget (None when the budget is zero).",
    ),
    "time_progress": _operator(
        monitoring.time_progress,
        "序时进度 = 已过月数 ÷ 12 / Time progress = months elapsed ÷ 12.",
    ),
    "grade_for": _operator(
        scoring.grade_for,
        "按总分评定等级（优/良/中/差） / Grade for a total score (优/良/中/差).",
    ),
    "adjustment_route": _operator(
        adjustment.adjustment_route,
        "（旧版流程用）按单位填报判定备案或审核；新流程请用 registry_assess_adjustment / "
        "Legacy: filing or review from what the unit typed, for diagrams deployed before; "
        "new diagrams use registry_assess_adjustment.",
    ),
    "is_low_performing": _operator(
        adjustment.is_low_performing,
        "是否低效项目（上年等级中/差或监控红灯） / "
        "Is the project low-performing (last grade 中/差 or a red monitoring light).",
    ),
    "grade_consequence": _operator(
        selection.grade_consequence,
        "上年评价等级对遴选的影响：差取消、中按比例压减、优优先 / "
        "What last year's grade does at selection: 差 excluded, 中 cut by a share, 优 priority.",
    ),
    "has_targets": _operator(
        adjustment.has_targets,
        "是否填报了绩效目标指标 / Does the project have at least one indicator with a target.",
    ),
}

OPERATOR_PARAMETERS: dict[str, list[str]] = {
    name: list(inspect.signature(func).parameters) for name, func in OPERATORS.items()
}
