"""The department level of the reform (部门整体): a department's targets for a year and
its year-end self-evaluation as a whole.

One row of each per department and year: the department files its overall and
functional targets once (部门整体支出绩效目标), and its projects are grouped under those
functions; at year end it evaluates itself against them (部门整体支出绩效自评), finance
reviews the report, and it goes to the county government. The submission that filed a
row is kept beside it, so the history behind any figure is one click away.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from app.extensions import db
from app.models.org import Org, User

# A department's targets: being filled or revised, waiting at finance, approved by finance.
TARGETS_DRAFT = "draft"
TARGETS_SUBMITTED = "submitted"
TARGETS_APPROVED = "approved"
TARGET_STATUSES = (TARGETS_DRAFT, TARGETS_SUBMITTED, TARGETS_APPROVED)

# A self-evaluation: being filled, waiting at finance, passed by finance and delivered to
# the county government, read (阅知) by the government.
EVALUATION_DRAFT = "draft"
EVALUATION_SUBMITTED = "submitted"
EVALUATION_DELIVERED = "delivered"
EVALUATION_READ = "read"
EVALUATION_STATUSES = (
    EVALUATION_DRAFT,
    EVALUATION_SUBMITTED,
    EVALUATION_DELIVERED,
    EVALUATION_READ,
)

# What people read for each status, and for a year with no row yet: the one place.
TARGET_STATUS_LABELS = {
    TARGETS_DRAFT: lazy_gettext("Being filled in"),
    TARGETS_SUBMITTED: lazy_gettext("Awaiting finance review"),
    TARGETS_APPROVED: lazy_gettext("Approved by finance"),
}
TARGETS_NONE_LABEL = lazy_gettext("Not filed")
EVALUATION_STATUS_LABELS = {
    EVALUATION_DRAFT: lazy_gettext("Being filled in"),
    EVALUATION_SUBMITTED: lazy_gettext("Awaiting finance review"),
    EVALUATION_DELIVERED: lazy_gettext("Sent to the county government"),
    EVALUATION_READ: lazy_gettext("Seen by the county government"),
}
EVALUATION_NONE_LABEL = lazy_gettext("Not started")


class DepartmentTargets(db.Model):
    """部门整体绩效目标 of a department and year; amounts in 万元.

    `functions` holds the 职能分类 targets: [{name, amount, goal, indicators: [{level1,
    level2, name, sign, target, unit, points}]}], in the order the department listed them.
    """

    __tablename__ = "department_targets"
    __table_args__ = (
        UniqueConstraint("department_id", "fiscal_year", name="uq_department_targets_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    fiscal_year: Mapped[int]
    overall_goal: Mapped[str | None] = mapped_column(Text)
    # 与县政府年度施政目标的衔接: which of the county's annual goals the overall goal serves.
    county_goal_alignment: Mapped[str | None] = mapped_column(Text)
    functions: Mapped[list] = mapped_column(JSON, default=list)
    # The functions' amounts add up to it (项目支出合计, 万元).
    total_amount: Mapped[float | None] = mapped_column(Numeric(16, 2, asdecimal=False))
    status: Mapped[str] = mapped_column(String(20), default=TARGETS_DRAFT)
    finance_opinion: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[datetime | None]
    # The submission that filed these targets (one per department and year).
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    updated_at: Mapped[datetime]

    # Asked for where they are read (TARGETS_NAMED below).
    department: Mapped[Org] = relationship(lazy="raise_on_sql")
    approved_by: Mapped[User | None] = relationship(lazy="raise_on_sql")

    @property
    def function_names(self) -> list[str]:
        return [str(row.get("name")) for row in self.functions or [] if row.get("name")]


class DepartmentSelfEvaluation(db.Model):
    """部门整体支出绩效自评 of a department and year, against its approved targets.

    `function_results` is per function: [{name, target_amount, budget, spent, goal,
    result}]; `indicator_results` the functions' indicator rows with the actual values
    and their scores; `project_grades` the year's projects as the registry graded them
    (code, name, function, budget, spent, score, grade), copied when the department began
    the report so that the report reads as it was filed.
    """

    __tablename__ = "department_self_evaluation"
    __table_args__ = (
        UniqueConstraint("department_id", "fiscal_year", name="uq_department_evaluation_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    fiscal_year: Mapped[int]
    targets_id: Mapped[int | None] = mapped_column(ForeignKey("department_targets.id"))
    overall_result: Mapped[str | None] = mapped_column(Text)
    function_results: Mapped[list] = mapped_column(JSON, default=list)
    indicator_results: Mapped[list] = mapped_column(JSON, default=list)
    project_grades: Mapped[list] = mapped_column(JSON, default=list)
    # Budget A and spending B of the year's projects (万元), from the registry.
    budget_total: Mapped[float | None] = mapped_column(Numeric(16, 2, asdecimal=False))
    spent_total: Mapped[float | None] = mapped_column(Numeric(16, 2, asdecimal=False))
    score: Mapped[float | None]
    grade: Mapped[str | None] = mapped_column(String(4))
    conclusion: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=EVALUATION_DRAFT)
    finance_opinion: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # When finance passed the report on to the county government, and when it was read.
    delivered_at: Mapped[datetime | None]
    government_read_at: Mapped[datetime | None]
    government_comment: Mapped[str | None] = mapped_column(Text)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    updated_at: Mapped[datetime]

    # Asked for where they are read (EVALUATION_NAMED below).
    department: Mapped[Org] = relationship(lazy="raise_on_sql")
    reviewed_by: Mapped[User | None] = relationship(lazy="raise_on_sql")
    targets: Mapped[DepartmentTargets | None] = relationship(lazy="raise_on_sql")


# Loader options for a department's targets and self-evaluation as they are shown (the
# department page, the API's answers, the official forms): who they belong to, who
# approved or reviewed them, and the targets a self-evaluation measures against.
TARGETS_NAMED = (
    joinedload(DepartmentTargets.department),
    joinedload(DepartmentTargets.approved_by),
)
EVALUATION_NAMED = (
    joinedload(DepartmentSelfEvaluation.department),
    joinedload(DepartmentSelfEvaluation.reviewed_by),
    joinedload(DepartmentSelfEvaluation.targets),
)
