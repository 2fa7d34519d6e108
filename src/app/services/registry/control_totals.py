"""控制数: what finance allows each department's projects of a year in all, beside what
遴选排序 has arranged so far (`performance/control_totals.py` holds the selection to it)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import ControlTotal, Org, Project, User
from app.models.project import PROJECT_EXCLUDED
from app.services.foundation.clock import now
from app.services.foundation.errors import ValidationFailed
from app.services.foundation.policy import require_can_set_control_totals
from app.services.foundation.transaction import transactional

MAX_AMOUNT = Decimal("99999999999999.99")  # what Numeric(16, 2) holds


@dataclass(frozen=True)
class DepartmentLine:
    department_id: int
    name: str
    control_total: float | None
    arranged: float
    projects: int

    @property
    def over(self) -> bool:
        return self.control_total is not None and self.arranged > self.control_total


def control_totals(actor: User, fiscal_year: int) -> list[DepartmentLine]:
    """Every department, its control total for the year and what 遴选 has arranged."""
    require_can_set_control_totals(actor)
    totals = dict(
        db.session.execute(
            select(ControlTotal.department_id, ControlTotal.amount).where(
                ControlTotal.fiscal_year == fiscal_year
            )
        ).all()
    )
    arranged = {
        row.department_id: row
        for row in db.session.execute(
            select(
                Project.department_id,
                func.coalesce(func.sum(Project.selected_amount), 0).label("amount"),
                func.count(Project.id).label("projects"),
            )
            .where(
                Project.fiscal_year == fiscal_year,
                Project.selected_amount.is_not(None),
                Project.status != PROJECT_EXCLUDED,
            )
            .group_by(Project.department_id)
        )
    }
    departments = db.session.scalars(select(Org).where(Org.kind == "department").order_by(Org.code))
    return [
        DepartmentLine(
            department.id,
            department.name,
            totals.get(department.id),
            float(arranged[department.id].amount) if department.id in arranged else 0.0,
            arranged[department.id].projects if department.id in arranged else 0,
        )
        for department in departments
    ]


@transactional
def save_control_totals(actor: User, fiscal_year: int, amounts: dict[int, str]) -> None:
    """Set the year's control totals, department id → amount in 万元 as typed; a blank
    amount removes the department's total. Refused with every bad entry named, and
    nothing saved, when an amount is not a non-negative number of at most two decimals or
    a department is not one."""
    require_can_set_control_totals(actor)
    departments = {
        org.id: org for org in db.session.scalars(select(Org).where(Org.kind == "department"))
    }
    errors: list = []
    parsed: dict[int, Decimal | None] = {}
    for department_id, typed in amounts.items():
        department = departments.get(department_id)
        if department is None:
            errors.append(_l("%(id)s is not a department.", id=department_id))
            continue
        text = (typed or "").strip().replace(",", "").replace("，", "")
        if not text:
            parsed[department_id] = None
            continue
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
            errors.append(
                _l(
                    "%(department)s: “%(typed)s” is not a valid amount (10k yuan).",
                    department=department.name,
                    typed=typed,
                )
            )
        elif amount != amount.quantize(Decimal("0.01")):
            errors.append(
                _l(
                    "%(department)s: an amount has at most two decimals.",
                    department=department.name,
                )
            )
        else:
            parsed[department_id] = amount
    if errors:
        raise ValidationFailed(
            _l("The control totals have errors; nothing was saved."), details=errors
        )
    existing = {
        row.department_id: row
        for row in db.session.scalars(
            select(ControlTotal).where(ControlTotal.fiscal_year == fiscal_year)
        )
    }
    for department_id, amount in parsed.items():
        row = existing.get(department_id)
        if amount is None:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(
                ControlTotal(
                    department_id=department_id,
                    fiscal_year=fiscal_year,
                    amount=float(amount),
                    updated_at=now(),
                )
            )
        else:
            row.amount = float(amount)
            row.updated_at = now()
