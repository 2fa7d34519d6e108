"""Why a warning light is lit: the figure and the threshold behind each light.

A light alone ("红灯") makes a reviewer hunt for the numbers; the badge says what was
measured and which line it crossed ("R = 10.7，低于 60"). Built from the assessment the
monitoring step stores (performance.monitoring.assess_monitoring) and the county's
thresholds, so the words follow the settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from app.performance.settings import Thresholds
from app.services.registry.settings import performance_thresholds

SIGN_WORDS = {"≤": "≤", "<": "<"}


@dataclass(frozen=True)
class LightBadge:
    """One light as a page shows it: which light, what it measures, the figure, the line."""

    light: str
    subject: str  # 预算执行进度 · 项目预警灯 · an indicator's name
    figure: str  # "R = 10.7（执行率 2.7% ÷ 序时进度 25.0%）"
    threshold: str  # "低于 60 为红灯"


def _num(value: Any) -> float | None:
    try:
        number = float(str(value).replace(",", ""))
    except (TypeError, ValueError):
        return None
    return number


def _pct(value: Any) -> str:
    number = _num(value)
    return "—" if number is None else f"{number * 100:.1f}%"


def _one(value: Any) -> str:
    number = _num(value)
    return "—" if number is None else f"{number:.1f}"


def _band(light: str, red_below: float, yellow_below: float, blue_from: float | None) -> str:
    """The threshold a value met, in the county's own words."""
    if light == "red":
        return _("below %(n)s is red", n=f"{red_below:g}")
    if light == "yellow":
        return _("%(low)s to %(high)s is yellow", low=f"{red_below:g}", high=f"{yellow_below:g}")
    if light == "blue" and blue_from is not None:
        return _("%(n)s or more is blue (target set too low)", n=f"{blue_from:g}")
    if blue_from is not None:
        return _("%(low)s to %(high)s is green", low=f"{yellow_below:g}", high=f"{blue_from:g}")
    return _("%(n)s or more is green", n=f"{yellow_below:g}")


def execution_badge(
    light: str | None, rate: Any, progress: Any, t: Thresholds | None = None
) -> LightBadge | None:
    """The execution light with R = rate ÷ time progress × 100 and its band."""
    if light is None:
        return None
    t = t or performance_thresholds()
    rate_n, progress_n = _num(rate), _num(progress)
    ratio = rate_n / progress_n * 100 if rate_n is not None and progress_n else None
    figure = _(
        "R = %(r)s (execution rate %(rate)s ÷ time progress %(progress)s)",
        r=_one(ratio),
        rate=_pct(rate),
        progress=_pct(progress),
    )
    threshold = _band(light, t.execution_red_below, t.execution_yellow_below, None)
    return LightBadge(light, _("Budget execution"), figure, threshold)


def indicator_badge(row: Mapping, t: Thresholds | None = None) -> LightBadge | None:
    """One indicator's light: its completion against the bands, or what decided it."""
    light = row.get("light")
    if not light:
        return None
    t = t or performance_thresholds()
    name = str(row.get("name") or "")
    sign = str(row.get("sign") or "")
    if row.get("completion") is not None:
        figure = _("completion %(c)s%%", c=_one(row.get("completion")))
        threshold = _band(
            light, t.indicator_red_below, t.indicator_yellow_below, t.indicator_blue_from
        )
    elif sign in SIGN_WORDS:
        figure = _(
            "actual %(actual)s, target %(sign)s %(target)s",
            actual=row.get("actual", "—"),
            sign=sign,
            target=row.get("target", "—"),
        )
        threshold = _("met is green, missed is red")
    else:
        result = row.get("qualitative_result") or row.get("actual") or "—"
        figure = _("qualitative: %(result)s", result=result)
        threshold = _("achieved green, partly yellow, not achieved red")
    return LightBadge(light, name, figure, threshold)


_SEVERITY = ("red", "yellow", "blue", "green")


def project_badge(assessment: Mapping, t: Thresholds | None = None) -> LightBadge | None:
    """The project light is its worst indicator's: the badge names that indicator."""
    light = assessment.get("project_light")
    if not light:
        return None
    rows = [r for r in assessment.get("indicators") or [] if isinstance(r, Mapping)]
    worst = next((r for r in rows if r.get("light") == light), None)
    if worst is None:
        return LightBadge(light, _("Project light"), "—", _("the worst indicator's light"))
    inner = indicator_badge(worst, t)
    assert inner is not None
    return LightBadge(
        light,
        _("Project light"),
        _("worst indicator “%(name)s”: %(figure)s", name=inner.subject, figure=inner.figure),
        inner.threshold,
    )


def assessment_badges(assessment: Any) -> list[LightBadge]:
    """The execution and project lights of one quarterly assessment, worst first."""
    if not isinstance(assessment, Mapping):
        return []
    t = performance_thresholds()
    badges = [
        execution_badge(
            assessment.get("execution_light"),
            assessment.get("execution_rate"),
            assessment.get("time_progress"),
            t,
        ),
        project_badge(assessment, t),
    ]
    return [b for b in badges if b is not None]


def indicator_badges(assessment: Any) -> list[LightBadge]:
    """Each indicator's light with its figure, in the report's order."""
    if not isinstance(assessment, Mapping):
        return []
    t = performance_thresholds()
    rows = [r for r in assessment.get("indicators") or [] if isinstance(r, Mapping)]
    return [b for b in (indicator_badge(r, t) for r in rows) if b is not None]
