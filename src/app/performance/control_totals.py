"""遴选排序 against finance's 控制数: what a department's projects may have in all in a
year, and each selected project's place in its department's order.

Each project is selected in its own submission, so the department's running total lives
in the registry: the selection is recorded there (`selected_amount`, `priority_rank`)
before the government and the congress see it, and 批复 later records the approval.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import ControlTotal, CountyBudget, Org, ProcessInstance, Project
from app.models.instance import STATUS_RUNNING
from app.models.project import COUNTY_APPROVED, COUNTY_REVIEWING, PROJECT_EXCLUDED
from app.performance.context import refuse
from app.performance.numbers import is_blank, money_text, to_decimal
from app.performance.registry import project_for_run


def control_total(department_id: int, fiscal_year: int) -> ControlTotal | None:
    return db.session.scalar(
        select(ControlTotal).where(
            ControlTotal.department_id == department_id, ControlTotal.fiscal_year == fiscal_year
        )
    )


def county_budget(fiscal_year: int) -> CountyBudget | None:
    return db.session.scalar(
        select(CountyBudget).where(CountyBudget.fiscal_year == int(fiscal_year))
    )


def under_review(budget: CountyBudget | None) -> bool:
    """A review counts while its submission runs (one terminated by an administrator
    frees the year for a new one)."""
    if budget is None or budget.status != COUNTY_REVIEWING:
        return False
    instance = db.session.get(ProcessInstance, budget.instance_id) if budget.instance_id else None
    return instance is not None and instance.status == STATUS_RUNNING


def refuse_selection_after_draft(fiscal_year: int) -> None:
    """遴选 adds nothing to a year whose draft is before the government and the congress,
    or approved: what they approve is what they saw; later money is an adjustment."""
    budget = county_budget(fiscal_year)
    if budget is not None and budget.status == COUNTY_APPROVED:
        raise refuse(
            "approved_amount",
            _l(
                "The county budget of %(year)s is approved by the people's congress: nothing "
                "more can be selected into it; money needed now goes through a mid-year "
                "adjustment.",
                year=fiscal_year,
            ),
        )
    if under_review(budget):
        raise refuse(
            "approved_amount",
            _l(
                "The county budget draft of %(year)s is before the county government and the "
                "people's congress: nothing can be selected into it now; once their review "
                "ends, use a mid-year adjustment.",
                year=fiscal_year,
            ),
        )


def _others_selected(project: Project) -> list[Project]:
    """The department's other projects of the year that 遴选 has arranged money for."""
    return list(
        db.session.scalars(
            select(Project).where(
                Project.department_id == project.department_id,
                Project.fiscal_year == project.fiscal_year,
                Project.id != project.id,
                Project.selected_amount.is_not(None),
                Project.status != PROJECT_EXCLUDED,
            )
        )
    )


def registry_record_selection(
    project_code: str,
    fiscal_year: int,
    approved_amount: Any,
    priority_rank: Any = None,
    override_reason: Any = None,
    department_function: Any = None,
    project_name: Any = None,
    requested_amount: Any = None,
) -> dict:
    """登记遴选结果：部门控制数内安排，部门内排序不重复 · Record a project's selection:
    within its department's control total (unless finance gives an override reason), at
    a place in its department's order no other project holds."""
    refuse_selection_after_draft(fiscal_year)
    project = project_for_run(project_code, fiscal_year, project_name)
    amount = to_decimal(approved_amount) or Decimal(0)
    others = _others_selected(project)
    rank = int(priority_rank) if not is_blank(priority_rank) else None
    holder = next((p for p in others if rank is not None and p.priority_rank == rank), None)
    if holder is not None:
        raise refuse(
            "priority_rank",
            _l(
                "Place %(rank)s in the department's order is held by the project %(code)s "
                "(%(name)s): choose another place.",
                rank=rank,
                code=holder.code,
                name=holder.name,
            ),
        )
    arranged = sum((to_decimal(p.selected_amount) or Decimal(0) for p in others), Decimal(0))
    limit = control_total(project.department_id, project.fiscal_year)
    over = limit is not None and arranged + amount > (to_decimal(limit.amount) or Decimal(0))
    if over and is_blank(override_reason):
        room = max(Decimal(0), to_decimal(limit.amount) - arranged)
        raise refuse(
            "approved_amount",
            _l(
                "This exceeds %(department)s's control total of %(limit)s (10k yuan): the "
                "department has arranged %(arranged)s, so this project may have at most "
                "%(room)s; to exceed the control total, write the reason for the increase.",
                department=db.session.get(Org, project.department_id).name,
                limit=money_text(to_decimal(limit.amount)),
                arranged=money_text(arranged),
                room=money_text(room),
            ),
        )
    project.selected_amount = float(amount)
    project.priority_rank = rank
    # What the county's draft shows of it: the 职能分类 it serves (its department is summed
    # by function) and what was asked for (finance's revision stays within it).
    if not is_blank(department_function):
        project.department_function = str(department_function)
    if not is_blank(project_name):
        project.name = str(project_name)
    requested = to_decimal(requested_amount)
    if requested is not None:
        project.requested_amount = float(requested)
    return {
        "department_arranged": float(arranged + amount),
        "control_total": None if limit is None else limit.amount,
        "over_control_total": over,
        "priority_rank": rank,
    }
