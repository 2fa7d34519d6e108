"""The registry operators a diagram's service tasks may call, by name."""

from __future__ import annotations

from app.performance.budget_changes import registry_assess_adjustment
from app.performance.control_totals import registry_record_selection
from app.performance.county_budget import (
    registry_approved_amount,
    registry_county_draft,
    registry_prepare_revision,
    registry_record_county_approval,
    registry_revise_department,
)
from app.performance.department import (
    registry_department_targets,
    registry_department_year,
    registry_open_department_targets,
    registry_project_function,
    registry_record_department_evaluation,
    registry_record_department_targets,
)
from app.performance.rectification import (
    registry_record_rectification,
    registry_verify_rectification,
)
from app.performance.registry import (
    registry_lookup,
    registry_record_adjustment,
    registry_record_approval,
    registry_record_evaluation,
    registry_record_exclusion,
    registry_record_monitoring,
)

REGISTRY_OPERATORS = {
    "registry_lookup": registry_lookup,
    "registry_assess_adjustment": registry_assess_adjustment,
    "registry_record_approval": registry_record_approval,
    "registry_record_selection": registry_record_selection,
    "registry_record_exclusion": registry_record_exclusion,
    "registry_record_adjustment": registry_record_adjustment,
    "registry_record_monitoring": registry_record_monitoring,
    "registry_record_evaluation": registry_record_evaluation,
    "registry_record_rectification": registry_record_rectification,
    "registry_verify_rectification": registry_verify_rectification,
    "registry_county_draft": registry_county_draft,
    "registry_prepare_revision": registry_prepare_revision,
    "registry_revise_department": registry_revise_department,
    "registry_record_county_approval": registry_record_county_approval,
    "registry_approved_amount": registry_approved_amount,
}
# Those that only read 项目库; the others change it (a test run offers stand-ins for them).
READING_OPERATORS = frozenset(
    {"registry_lookup", "registry_assess_adjustment", "registry_approved_amount"}
)
# The department level (部门整体绩效目标 and 部门整体支出绩效自评, performance/department.py).
REGISTRY_OPERATORS.update(
    registry_department_targets=registry_department_targets,
    registry_open_department_targets=registry_open_department_targets,
    registry_record_department_targets=registry_record_department_targets,
    registry_department_year=registry_department_year,
    registry_project_function=registry_project_function,
    registry_record_department_evaluation=registry_record_department_evaluation,
)
READING_OPERATORS |= {"registry_department_targets", "registry_project_function"}
WRITING_OPERATORS = frozenset(REGISTRY_OPERATORS) - READING_OPERATORS
