"""Budget-domain rules of performance budgeting: monitoring lights, self-evaluation scores,
mid-year adjustment gateways. Pure functions on plain values; no Flask, no database."""

from app.performance.adjustment import has_targets, is_low_performing, within_filing_share
from app.performance.monitoring import (
    LIGHT_SEVERITY,
    adjusted_budget,
    assess_monitoring,
    execution_light,
    execution_rate,
    indicator_light,
    project_light,
    quarter_months,
    time_progress,
)
from app.performance.numbers import normalize_qualitative, normalize_sign, to_decimal
from app.performance.operators import (
    OPERATOR_PARAMETERS,
    OPERATORS,
    current_thresholds,
    set_thresholds_provider,
)
from app.performance.scoring import execution_score, grade_for, indicator_score, self_evaluation
from app.performance.settings import DEFAULT_THRESHOLDS, Thresholds

__all__ = [
    "DEFAULT_THRESHOLDS",
    "LIGHT_SEVERITY",
    "OPERATORS",
    "OPERATOR_PARAMETERS",
    "Thresholds",
    "adjusted_budget",
    "assess_monitoring",
    "current_thresholds",
    "execution_light",
    "execution_rate",
    "execution_score",
    "grade_for",
    "has_targets",
    "indicator_light",
    "indicator_score",
    "is_low_performing",
    "within_filing_share",
    "normalize_qualitative",
    "normalize_sign",
    "project_light",
    "quarter_months",
    "self_evaluation",
    "set_thresholds_provider",
    "time_progress",
    "to_decimal",
]
