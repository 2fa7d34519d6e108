"""The project registry (项目库): what links the four processes into one chain.

Compilation writes a project's approved amount and targets; mid-year adjustment,
quarterly monitoring and annual evaluation read them and add their own results.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from app.extensions import db
from app.models.org import Org

PROJECT_PROPOSED = "proposed"
PROJECT_APPROVED = "approved"
PROJECT_EXCLUDED = "excluded"


class Project(db.Model):
    __tablename__ = "project"
    __table_args__ = (
        UniqueConstraint("code", "fiscal_year", name="uq_project_code_year"),
        Index("ix_project_year_department", "fiscal_year", "department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    fiscal_year: Mapped[int]
    department_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    # 功能分类科目: the budget subject (2050203 初中教育).
    functional_category: Mapped[str | None] = mapped_column(String(100))
    # 职能分类: the function of the department's work the project serves (义务教育保障).
    department_function: Mapped[str | None] = mapped_column(String(100))
    special_fund: Mapped[str | None] = mapped_column(String(200))
    special_fund_total: Mapped[float | None] = mapped_column(Numeric(16, 2, asdecimal=False))
    nature: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=PROJECT_PROPOSED)
    requested_amount: Mapped[float | None] = mapped_column(Numeric(16, 2, asdecimal=False))
    # What 遴选排序 arranged, and the project's place in its department's order, before 批复.
    selected_amount: Mapped[float | None] = mapped_column(Numeric(16, 2, asdecimal=False))
    priority_rank: Mapped[int | None]
    approved_amount: Mapped[float | None] = mapped_column(Numeric(16, 2, asdecimal=False))
    # Opening budget plus additions minus reductions, kept by mid-year adjustment.
    adjusted_amount: Mapped[float | None] = mapped_column(Numeric(16, 2, asdecimal=False))
    cumulative_adjustment: Mapped[float] = mapped_column(Numeric(16, 2, asdecimal=False), default=0)
    indicators: Mapped[list | None] = mapped_column(JSON)
    latest_light: Mapped[str | None] = mapped_column(String(10))
    latest_execution_rate: Mapped[float | None]
    # 支出 as the last monitoring report finance passed says (万元): the evaluation's B.
    spent: Mapped[float | None]
    funding_source: Mapped[str | None] = mapped_column(String(20))  # 本级财政/上级转移支付/其他
    latest_quarter: Mapped[int | None]
    score: Mapped[float | None]
    grade: Mapped[str | None] = mapped_column(String(4))
    next_year_tag: Mapped[str | None] = mapped_column(String(40))
    disclose: Mapped[bool | None]
    updated_at: Mapped[datetime]

    # Asked for where a project is shown with its organisations' names (named_orgs below).
    department: Mapped[Org] = relationship(foreign_keys=[department_id], lazy="raise_on_sql")
    unit: Mapped[Org] = relationship(foreign_keys=[unit_id], lazy="raise_on_sql")


def named_orgs(path=None) -> tuple:
    """Loader options for a project's department and unit, joined into the statement that
    reads the project (`path` is the loader of the project itself, e.g.
    `joinedload(RectificationRow.project)`, when the project is reached from another row)."""
    if path is None:
        return (joinedload(Project.department), joinedload(Project.unit))
    return (path.joinedload(Project.department), path.joinedload(Project.unit))


class ControlTotal(db.Model):
    """控制数: what finance allows a department's projects of a year in all (万元)."""

    __tablename__ = "control_total"
    __table_args__ = (
        UniqueConstraint("department_id", "fiscal_year", name="uq_control_total_department_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    fiscal_year: Mapped[int]
    amount: Mapped[float] = mapped_column(Numeric(16, 2, asdecimal=False))
    updated_at: Mapped[datetime]


COUNTY_REVIEWING = "reviewing"
COUNTY_APPROVED = "approved"


class CountyBudget(db.Model):
    """The county's budget draft of a year as the government reviews it and the congress
    approves it, as a whole: one per year. Once approved, 遴选 records nothing more for
    that year (new money is a mid-year adjustment) and the waiting projects go on to 批复."""

    __tablename__ = "county_budget"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(String(20), default=COUNTY_REVIEWING)
    # The county review's submission.
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    total: Mapped[float | None] = mapped_column(Numeric(16, 2, asdecimal=False))
    # Every return of one department's budget: [{by, department, reason, at}].
    returns: Mapped[list] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]


class ProjectEvent(db.Model):
    """One thing that happened to a project, from whichever process did it."""

    __tablename__ = "project_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    at: Mapped[datetime]
    # approved | excluded | adjusted | monitored | evaluated
    kind: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)
