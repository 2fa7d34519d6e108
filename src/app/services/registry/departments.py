"""The department level for people: which departments a round covers, and a department's
year targets and self-evaluation as a whole, for those who may see them.

Rounds of `department_targets` and `department_self_evaluation` start one submission per
department (not per project): the department files its targets once a year and
evaluates itself as a whole once a year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Org, ProcessInstance, User, UserRole
from app.models.department import (
    EVALUATION_NAMED,
    EVALUATION_NONE_LABEL,
    EVALUATION_STATUS_LABELS,
    TARGET_STATUS_LABELS,
    TARGETS_APPROVED,
    TARGETS_NAMED,
    TARGETS_NONE_LABEL,
    DepartmentSelfEvaluation,
    DepartmentTargets,
)
from app.models.org import RoleCode
from app.services.foundation.errors import NotFound
from app.services.foundation.policy import instance_visibility, may_see_department

TARGETS_PROCESS = "department_targets"
EVALUATION_PROCESS = "department_self_evaluation"
DEPARTMENT_PROCESSES = (TARGETS_PROCESS, EVALUATION_PROCESS)


def budget_departments() -> list[Org]:
    """Departments with a budget office (someone holding the budget_department role):
    those that file targets and evaluate themselves. The finance bureau, the government
    and the congress are departments of the org tree too, but file nothing here."""
    staffed = (
        select(User.org_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role_code == RoleCode.BUDGET_DEPARTMENT)
    )
    return list(
        db.session.scalars(
            select(Org).where(Org.kind == "department", Org.id.in_(staffed)).order_by(Org.code)
        )
    )


def round_departments(process_key: str, fiscal_year: int) -> list[Org]:
    """Who a department round covers: every budget department files its targets; only a
    department whose targets of the year were approved can evaluate itself against them."""
    departments = budget_departments()
    if process_key == TARGETS_PROCESS:
        return departments
    approved = set(
        db.session.scalars(
            select(DepartmentTargets.department_id).where(
                DepartmentTargets.fiscal_year == fiscal_year,
                DepartmentTargets.status == TARGETS_APPROVED,
            )
        )
    )
    return [department for department in departments if department.id in approved]


def start_data(department: Org, fiscal_year: int) -> dict:
    """What a department round's submission starts with; the rest the service tasks read
    from the registry."""
    return {"fiscal_year": fiscal_year, "department_name": department.name}


# -- what people see ------------------------------------------------------------------------


def visible_department(actor: User, department_id: int) -> Org:
    """The department, if `actor` may see its department-level records. Raises NotFound
    otherwise (another department's existence does not leak)."""
    department = db.session.get(Org, department_id)
    if (
        department is None
        or department.kind != "department"
        or not may_see_department(actor, department.path)
    ):
        raise NotFound(
            _l(
                "Department %(department_id)s does not exist or is not yours to see.",
                department_id=department_id,
            )
        )
    return department


def visible_departments(actor: User) -> list[Org]:
    """The budget departments `actor` may see: all for finance, the government and the
    congress; one's own for a department and its units."""
    return [d for d in budget_departments() if may_see_department(actor, d.path)]


@dataclass
class DepartmentYear:
    department: Org
    fiscal_year: int | None
    years: list[int]
    targets: DepartmentTargets | None
    evaluation: DepartmentSelfEvaluation | None
    submissions: list[ProcessInstance] = field(default_factory=list)

    @property
    def targets_status(self) -> str:
        if self.targets is None:
            return str(TARGETS_NONE_LABEL)
        return str(TARGET_STATUS_LABELS.get(self.targets.status, ""))

    @property
    def evaluation_status(self) -> str:
        if self.evaluation is None:
            return str(EVALUATION_NONE_LABEL)
        return str(EVALUATION_STATUS_LABELS.get(self.evaluation.status, ""))


def department_year(actor: User, department_id: int, fiscal_year: int | None) -> DepartmentYear:
    """A department's targets and self-evaluation of a year (the latest year it has any,
    when none is named), with the submissions behind them `actor` may open. Raises
    NotFound, also for a department `actor` may not see."""
    department = visible_department(actor, department_id)
    years = sorted(
        set(
            db.session.scalars(
                select(DepartmentTargets.fiscal_year).where(
                    DepartmentTargets.department_id == department.id
                )
            )
        )
        | set(
            db.session.scalars(
                select(DepartmentSelfEvaluation.fiscal_year).where(
                    DepartmentSelfEvaluation.department_id == department.id
                )
            )
        ),
        reverse=True,
    )
    if fiscal_year is None and years:
        fiscal_year = years[0]
    targets = _row(DepartmentTargets, department.id, fiscal_year, *TARGETS_NAMED)
    evaluation = _row(DepartmentSelfEvaluation, department.id, fiscal_year)
    ids = [row.instance_id for row in (targets, evaluation) if row and row.instance_id]
    submissions = (
        list(
            db.session.scalars(
                select(ProcessInstance)
                .where(ProcessInstance.id.in_(ids), instance_visibility(actor))
                .order_by(ProcessInstance.id)
            )
        )
        if ids
        else []
    )
    return DepartmentYear(department, fiscal_year, years, targets, evaluation, submissions)


def _row(model, department_id: int, fiscal_year: int | None, *options):
    if fiscal_year is None:
        return None
    return db.session.scalar(
        select(model)
        .where(model.department_id == department_id, model.fiscal_year == fiscal_year)
        .options(*options)
    )


def visible_targets(actor: User, department_id: int, fiscal_year: int) -> DepartmentTargets:
    """The department's targets of the year. Raises NotFound when there are none or
    `actor` may not see the department."""
    department = visible_department(actor, department_id)
    targets = _row(DepartmentTargets, department.id, fiscal_year, *TARGETS_NAMED)
    if targets is None:
        raise NotFound(
            _l(
                "%(department)s has no department-wide performance targets for %(year)s.",
                department=department.name,
                year=fiscal_year,
            )
        )
    return targets


def visible_evaluation(
    actor: User, department_id: int, fiscal_year: int
) -> DepartmentSelfEvaluation:
    """The department's self-evaluation of the year. Raises NotFound when there is none,
    or `actor` may not see the department."""
    department = visible_department(actor, department_id)
    evaluation = _row(DepartmentSelfEvaluation, department.id, fiscal_year, *EVALUATION_NAMED)
    if evaluation is None:
        raise NotFound(
            _l(
                "%(department)s has no department-wide self-evaluation for %(year)s.",
                department=department.name,
                year=fiscal_year,
            )
        )
    return evaluation
