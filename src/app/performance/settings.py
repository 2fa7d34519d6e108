"""Thresholds and weights of the performance rules (BRIEF.md §2–4), every one a setting.

Percentages are stored as numbers of percent (60 means 60 %), the way the brief and the
county's forms state them. The defaults are the brief's; a county overrides them from its
settings with `Thresholds.from_mapping`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any

from app.performance.numbers import to_decimal

LIGHTS = ("red", "yellow", "blue", "green")
GRADES = ("优", "良", "中", "差")
_GRADE_LISTS = ("grade_excluded", "grade_cut", "grade_priority")


@dataclass(frozen=True)
class Thresholds:
    """Every threshold and weight of the monitoring, scoring and adjustment rules."""

    # Execution light: R = execution rate ÷ time progress × 100.
    execution_red_below: float = 60
    execution_yellow_below: float = 80
    # Positive indicator light (≥ > =): actual ÷ (target × months ÷ 12) × 100.
    indicator_red_below: float = 60
    indicator_yellow_below: float = 80
    indicator_blue_from: float = 120  # green below this, blue (target set too low) from it
    # Self-evaluation weights (points out of 100).
    weight_output: float = 50
    weight_benefit: float = 30
    weight_satisfaction: float = 10
    weight_execution: float = 10
    # Qualitative bands in percent of an indicator's points, and the point applied in each.
    qualitative_met_band: tuple[float, float] = (80, 100)
    qualitative_partly_band: tuple[float, float] = (60, 80)
    qualitative_not_met_band: tuple[float, float] = (0, 60)
    qualitative_met_percent: float = 100
    qualitative_partly_percent: float = 70
    qualitative_not_met_percent: float = 30
    # Grade cut-offs: 优 ≥ excellent, 良 ≥ good, 中 ≥ fair, else 差.
    grade_excellent_from: float = 90
    grade_good_from: float = 80
    grade_fair_from: float = 60
    # Mid-year adjustment: filing when the cumulative change is within this share of the
    # special fund's total (percent).
    filing_change_percent: float = 5
    # What makes a project low-performing (not funded mid-year, not selected).
    low_performing_grades: tuple[str, ...] = ("中", "差")
    low_performing_lights: tuple[str, ...] = ("red",)
    # What last year's grade does at this year's 遴选 (BRIEF §4.4): excluded, cut by a share
    # of the request unless finance records why not, or marked for priority.
    grade_excluded: tuple[str, ...] = ("差",)
    grade_cut: tuple[str, ...] = ("中",)
    grade_cut_percent: float = 20
    grade_priority: tuple[str, ...] = ("优",)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_band"):
                object.__setattr__(self, f.name, _band(f.name, value))
            elif f.name.startswith("low_performing_") or f.name in _GRADE_LISTS:
                object.__setattr__(self, f.name, _names(f.name, value))
            else:
                object.__setattr__(self, f.name, _number(f.name, value))
        self._validate()

    def _validate(self) -> None:
        _ascending("execution", self.execution_red_below, self.execution_yellow_below)
        _ascending(
            "indicator",
            self.indicator_red_below,
            self.indicator_yellow_below,
            self.indicator_blue_from,
        )
        _ascending("grade", self.grade_fair_from, self.grade_good_from, self.grade_excellent_from)
        weights = (
            self.weight_output,
            self.weight_benefit,
            self.weight_satisfaction,
            self.weight_execution,
        )
        # 产出 and 效益 carry at least 60 % of the score (财预〔2020〕10号).
        if self.weight_output + self.weight_benefit < 60:
            raise ValueError(
                "weight_output + weight_benefit must be at least 60, got "
                f"{self.weight_output + self.weight_benefit}"
            )
        # Grades are cut on a 100-point scale, so the weights must fill it exactly.
        if sum(Decimal(str(w)) for w in weights) != 100:
            raise ValueError(f"score weights must add up to 100, got {sum(weights)}")
        for result in ("met", "partly", "not_met"):
            low, high = getattr(self, f"qualitative_{result}_band")
            point = getattr(self, f"qualitative_{result}_percent")
            if not low <= point <= high:
                raise ValueError(
                    f"qualitative_{result}_percent {point} is outside its band {low}–{high}"
                )
        unknown = set(self.low_performing_lights) - set(LIGHTS)
        if unknown:
            raise ValueError(f"low_performing_lights: unknown light(s) {sorted(unknown)}")
        for name in ("low_performing_grades", *_GRADE_LISTS):
            unknown = set(getattr(self, name)) - set(GRADES)
            if unknown:
                raise ValueError(f"{name}: unknown grade(s) {sorted(unknown)}")
        if self.grade_cut_percent > 100:
            raise ValueError(f"grade_cut_percent must be at most 100, got {self.grade_cut_percent}")

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any] | None) -> Thresholds:
        """Defaults overridden by `settings` (None values keep the default).

        Raises ValueError naming unknown keys or invalid values.
        """
        settings = dict(settings or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise ValueError(
                f"unknown performance setting(s): {', '.join(map(str, unknown))}; "
                f"known: {', '.join(sorted(known))}"
            )
        return cls(**{k: v for k, v in settings.items() if v is not None})

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready settings (tuples as lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def qualitative_percent(self, result: str) -> float:
        """The percent of points applied for a normalised qualitative result code."""
        return getattr(self, f"qualitative_{result}_percent")


def _number(name: str, value: Any) -> float:
    number = to_decimal(value)
    if number is None or number < 0:
        raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    return int(number) if number == number.to_integral_value() else float(number)


def _band(name: str, value: Any) -> tuple[float, float]:
    if isinstance(value, str):
        value = value.replace("–", "-").split("-")
    try:
        low, high = (_number(name, v) for v in value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be two percentages [low, high], got {value!r}") from exc
    if not low <= high <= 100:
        raise ValueError(f"{name} must satisfy 0 ≤ low ≤ high ≤ 100, got {value!r}")
    return (low, high)


def _names(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.replace("，", ",").split(",")
    if not isinstance(value, list | tuple | set | frozenset):
        raise ValueError(f"{name} must be a list of names, got {value!r}")
    return tuple(str(v).strip() for v in value if str(v).strip())


def _ascending(what: str, *values: float) -> None:
    if list(values) != sorted(values):
        raise ValueError(f"{what} thresholds must ascend, got {list(values)}")


DEFAULT_THRESHOLDS = Thresholds()
