"""The budget registry's answers: the indicator library, 整改清单 with its accountability
list, a department's year targets and self-evaluation, and the county's budget."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from app.api.schemas.base import Amount, Answer, Day, IntOrNull, TextOrNull, Time
from app.api.schemas.queries import Queries, Query, choice, text, year
from app.models.rectification import RECTIFICATION_STATUSES
from app.web.routes_department import required_year

INDICATOR_QUERY = Queries(
    text(
        "department",
        "A department's id or code (default: the caller's own department); its units, the "
        "department and those who see every submission may ask.",
    ),
    text(
        "q",
        "Only indicators whose name, level-2 heading, unit or scoring standard holds this text.",
        max_length=100,
    ),
)
RECTIFICATION_QUERY = Queries(
    year("year", "The projects' budget year (default: every year)."),
    choice(
        "status",
        "Only items in this state (the accountability list is not narrowed).",
        RECTIFICATION_STATUSES,
    ),
)
# A department's year: required, refused by name when absent (as the pages do).
DEPARTMENT_YEAR = Query(
    "year",
    "The budget year, e.g. 2028.",
    year("year", "").schema,
    lambda name: required_year(),
    required=True,
)


class LibraryIndicator(Answer):
    id: int
    library: Literal["common", "department"] = Field(
        description="common: finance's 共性指标; department: that department's 个性指标"
    )
    department_id: IntOrNull
    level1: Literal["产出指标", "效益指标", "满意度指标"]
    level2: str = Field(description="e.g. 数量指标, 社会效益指标")
    name: str = Field(description="The level-3 indicator")
    sign: Literal["≥", ">", "=", "<", "≤", "定性"]
    unit: TextOrNull = None
    scoring_standard: TextOrNull = None
    standard_value: TextOrNull = None
    explanation: TextOrNull = None


class Person(Answer):
    username: str
    name: str


class Verification(Answer):
    at: Time
    decided_by: Person | None
    outcome: Literal["passed", "failed"]
    reason: TextOrNull = None


class RectificationItem(Answer):
    id: int
    project_code: str
    project_name: str = None
    fiscal_year: int
    department: str = None
    unit: str = None
    instance_id: IntOrNull = Field(None, description="The submission that set it")
    source: Literal["evaluation", "monitoring"] = None
    description: str = Field(description="整改问题及要求")
    due_date: Day = Field(None, description="整改期限")
    status: Literal["open", "claimed", "closed"] = Field(
        description="open 整改中; claimed 待核实 (the department reports it done); closed "
        "已销号 (finance verified it)"
    )
    status_label: str = None
    overdue: bool = Field(None, description="Past its due date and not closed")
    failures: int = Field(description="Finance's 未通过 so far")
    last_reason: TextOrNull = None
    action_taken: TextOrNull = None
    set_by: Person | None = None
    set_at: Time = None
    claimed_by: Person | None = None
    claimed_at: Time = None
    verified_by: Person | None = None
    closed_at: Time = None
    verifications: list[Verification] = None
    grounds: list[Literal["overdue", "failed_twice"]] = Field(
        None, description="On the accountability list only: why it is listed"
    )


class Rectifications(Answer):
    fiscal_year: IntOrNull = None
    status: TextOrNull = None
    today: str = Field(json_schema_extra={"format": "date"})
    items: list[RectificationItem]
    accountability: list[RectificationItem]


class DepartmentFunction(Answer):
    name: str = Field(description="职能分类")
    amount: Amount
    goal: str = None
    indicators: list[dict[str, Any]]


class DepartmentTargets(Answer):
    department_id: int
    department: str
    fiscal_year: int
    status: Literal["draft", "submitted", "approved"]
    overall_goal: TextOrNull = None
    county_goal_alignment: TextOrNull = None
    total_amount: Amount = None
    function_names: list[str] = None
    functions: list[DepartmentFunction]
    finance_opinion: TextOrNull = None
    approved_by: TextOrNull = None
    approved_at: Time = None


class DepartmentSelfEvaluation(Answer):
    department_id: int
    department: str
    fiscal_year: int
    status: Literal["draft", "submitted", "delivered", "read"]
    overall_result: TextOrNull = None
    function_results: list[dict[str, Any]] = None
    indicator_results: list[dict[str, Any]] = None
    project_grades: list[dict[str, Any]] = Field(
        description="The year's projects as the registry graded them"
    )
    budget_total: Amount = None
    spent_total: Amount = None
    score: float | None = None
    grade: TextOrNull = None
    conclusion: TextOrNull = None
    finance_opinion: TextOrNull = None
    delivered_at: Time = None
    government_read_at: Time = None
    government_comment: TextOrNull = None
