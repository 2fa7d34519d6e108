"""The department level in the registry: a department's year targets (部门整体绩效目标)
and its year-end self-evaluation as a whole (部门整体支出绩效自评).

The operators here are what the `department_targets` and `department_self_evaluation`
diagrams' service tasks call; they run inside the step's transaction, for the submission's
own organisation, which must be a department. `department_targets_for` is what other
processes read the approved functions from (the compilation groups projects under them).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import ControlTotal, Org, ProcessInstance, Project
from app.models.department import (
    EVALUATION_DELIVERED,
    EVALUATION_DRAFT,
    EVALUATION_READ,
    EVALUATION_SUBMITTED,
    TARGETS_APPROVED,
    TARGETS_DRAFT,
    TARGETS_NAMED,
    TARGETS_SUBMITTED,
    DepartmentSelfEvaluation,
    DepartmentTargets,
)
from app.models.instance import HALTED_STATUSES
from app.models.org import department_of
from app.models.project import PROJECT_APPROVED, named_orgs
from app.performance.context import current_run, refuse, run_org
from app.performance.numbers import to_decimal
from app.services.foundation.errors import stored_text

GRADES = ("优", "良", "中", "差")
# The summary's keys for them: form field names stay ASCII.
GRADE_KEYS = {"优": "grade_excellent", "良": "grade_good", "中": "grade_fair", "差": "grade_poor"}


def _now():
    from app.services.foundation.clock import now

    return now()


def _amount(value: Any) -> float | None:
    number = to_decimal(value)
    return None if number is None else float(number)


def _year(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise refuse(
            "fiscal_year", _l("The fiscal year “%(value)s” is not a year.", value=value)
        ) from None


def _department() -> Org:
    """The running submission's organisation, which files for itself as a department."""
    org = run_org()
    if org.kind != "department":
        raise refuse(
            "department",
            _l(
                "“%(org)s” is not a budget department: a department's performance as a whole "
                "is filed by the department itself.",
                org=org.name,
            ),
        )
    return org


def _held_elsewhere(instance_id: int | None) -> bool:
    """Whether another submission that is still alive (or finished) filed the row."""
    if instance_id is None or instance_id == current_run().instance.id:
        return False
    status = db.session.scalar(
        select(ProcessInstance.status).where(ProcessInstance.id == instance_id)
    )
    return status is not None and status not in HALTED_STATUSES


# -- targets ----------------------------------------------------------------------------------


def nested_functions(functions: list | None, indicators: list | None) -> list[dict]:
    """The form's two tables (functions; indicators naming their function) as one list of
    functions each holding its indicator rows, in the order the department listed them."""
    out = []
    for row in functions or []:
        if not isinstance(row, dict) or not row.get("name"):
            continue
        name = str(row["name"]).strip()
        rows = [
            {k: v for k, v in indicator.items() if k not in ("function_name", "_row")}
            for indicator in indicators or []
            if isinstance(indicator, dict)
            and str(indicator.get("function_name", "")).strip() == name
        ]
        out.append(
            {
                "name": name,
                "amount": _amount(row.get("amount")),
                "goal": row.get("goal") or "",
                "indicators": rows,
            }
        )
    return out


def flat_indicators(functions: list | None) -> list[dict]:
    """The reverse of `nested_functions`: every function's indicator rows, each naming it."""
    return [
        {"function_name": function.get("name"), **row}
        for function in functions or []
        for row in function.get("indicators") or []
    ]


def registry_open_department_targets(fiscal_year: int) -> float | None:
    """开启本部门本年度整体绩效目标申报，答复财政控制数 · Open the department's targets of the
    year (one filing per department and year; a second is refused) and answer finance's
    control total for the year (万元), if one is set."""
    department, year = _department(), _year(fiscal_year)
    row = db.session.scalar(
        select(DepartmentTargets).where(
            DepartmentTargets.department_id == department.id,
            DepartmentTargets.fiscal_year == year,
        )
    )
    if row is not None and (_held_elsewhere(row.instance_id) or row.status == TARGETS_APPROVED):
        raise refuse(
            "fiscal_year",
            _l(
                "%(department)s's targets for %(year)s are filed already: they are filed once "
                "a year.",
                department=department.name,
                year=year,
            ),
        )
    if row is None:
        row = DepartmentTargets(department_id=department.id, fiscal_year=year, functions=[])
        db.session.add(row)
    row.status, row.instance_id, row.updated_at = TARGETS_DRAFT, current_run().instance.id, _now()
    db.session.flush()
    return db.session.scalar(
        select(ControlTotal.amount).where(
            ControlTotal.department_id == department.id, ControlTotal.fiscal_year == year
        )
    )


def _own_targets(year: int) -> DepartmentTargets:
    department = _department()
    row = db.session.scalar(
        select(DepartmentTargets).where(
            DepartmentTargets.department_id == department.id,
            DepartmentTargets.fiscal_year == year,
            DepartmentTargets.instance_id == current_run().instance.id,
        )
    )
    if row is None:
        raise refuse(
            "fiscal_year",
            _l("This filing did not open the department's targets for %(year)s.", year=year),
        )
    return row


def registry_record_department_targets(
    fiscal_year: int,
    status: str,
    overall_goal: str | None = None,
    county_goal_alignment: str | None = None,
    total_amount: Any = None,
    functions: list | None = None,
    indicators: list | None = None,
    finance_opinion: str | None = None,
) -> dict:
    """登记部门整体绩效目标（提交、退回修改或批准） · Record the department's year targets as
    submitted, returned for revision (draft) or approved by finance (who and when)."""
    if status not in (TARGETS_DRAFT, TARGETS_SUBMITTED, TARGETS_APPROVED):
        raise ValueError(
            _l("The status must be draft, submitted or approved, not “%(status)s”.", status=status)
        )
    row = _own_targets(_year(fiscal_year))
    at = _now()
    if functions is not None:
        row.functions = nested_functions(functions, indicators)
        row.overall_goal = overall_goal
        row.county_goal_alignment = county_goal_alignment
        row.total_amount = _amount(total_amount)
    if status == TARGETS_SUBMITTED:
        row.submitted_at = at
    if finance_opinion is not None:
        row.finance_opinion = finance_opinion
    if status == TARGETS_APPROVED:
        row.approved_by_id, row.approved_at = current_run().actor.id, at
    row.status, row.updated_at = status, at
    return {"status": row.status, "functions": row.function_names}


def targets_as_dict(row: DepartmentTargets) -> dict:
    """A department's targets as plain JSON values (what the API answers)."""
    return {
        "department_id": row.department_id,
        "department": row.department.name,
        "fiscal_year": row.fiscal_year,
        "status": row.status,
        "overall_goal": row.overall_goal,
        "county_goal_alignment": row.county_goal_alignment,
        "total_amount": row.total_amount,
        "function_names": row.function_names,
        "functions": [dict(function) for function in row.functions or []],
        "finance_opinion": row.finance_opinion,
        "approved_by": row.approved_by.display_name if row.approved_by else None,
        "approved_at": row.approved_at.isoformat() if row.approved_at else None,
    }


def department_targets_for(department_org_id: int, fiscal_year: int) -> dict | None:
    """The department's approved targets of the year, or None while there are none.

    {department_id, department, fiscal_year, status, overall_goal, county_goal_alignment,
    total_amount, function_names: [str], functions: [{name, amount, goal, indicators:
    [{level1, level2, name, sign, target, unit, points}]}], finance_opinion, approved_by,
    approved_at}. A unit's id answers its department's targets. No access check: callers
    are services and operators that decided already who may see it.
    """
    org = db.session.get(Org, int(department_org_id))
    if org is None:
        return None
    org = department_of(org)
    row = db.session.scalar(
        select(DepartmentTargets)
        .where(
            DepartmentTargets.department_id == org.id,
            DepartmentTargets.fiscal_year == int(fiscal_year),
            DepartmentTargets.status == TARGETS_APPROVED,
        )
        .options(*TARGETS_NAMED)
    )
    return None if row is None else targets_as_dict(row)


def registry_department_targets(fiscal_year: int) -> dict:
    """读取本部门本年度批复的整体绩效目标与职能 · The approved targets and functions of the
    running submission's department (a unit reads its department's) for the year;
    {"exists": false, "function_names": []} while there are none."""
    org = run_org()
    targets = department_targets_for(org.id, _year(fiscal_year))
    return targets or {"exists": False, "function_names": [], "functions": []}


def registry_project_function(fiscal_year: int, project_function: Any) -> dict:
    """核对项目归集的职能 · The function of its department's approved targets of the year
    that a project is grouped under: {name, amount, goal}. Refuses (on `project_function`)
    while the department has no approved targets for the year, or a function they do not
    list — read when the step completes, not when it opened."""
    year = _year(fiscal_year)
    org = run_org()
    targets = department_targets_for(org.id, year)
    department = department_of(org)
    if targets is None:
        raise refuse(
            "project_function",
            _l(
                "%(department)s's targets for %(year)s are not approved by finance yet: file "
                "them under “Department performance” and send them to finance; once they are "
                "approved, choose the project's function.",
                department=department.name,
                year=year,
            ),
        )
    chosen = "" if project_function is None else str(project_function).strip()
    for function in targets["functions"]:
        if function.get("name") == chosen:
            return {
                "name": chosen,
                "amount": function.get("amount"),
                "goal": function.get("goal") or "",
            }
    if not targets["function_names"]:
        raise refuse(
            "project_function",
            _l(
                "%(department)s's approved targets for %(year)s list no function to choose.",
                department=department.name,
                year=year,
            ),
        )
    raise refuse(
        "project_function",
        _l(
            "The function must be one of %(department)s's approved functions for %(year)s: "
            "%(functions)s.",
            department=department.name,
            year=year,
            functions="、".join(targets["function_names"]),
        ),
    )


# -- the self-evaluation as a whole ------------------------------------------------------------


def _budget(project: Project) -> float:
    if project.adjusted_amount is not None:
        return project.adjusted_amount
    return project.approved_amount or 0


def project_grades(department: Org, year: int) -> list[dict]:
    """The year's approved projects of the department with the grades the registry holds."""
    projects = db.session.scalars(
        select(Project)
        .options(*named_orgs())
        .where(
            Project.department_id == department.id,
            Project.fiscal_year == year,
            Project.status == PROJECT_APPROVED,
        )
        .order_by(Project.department_function, Project.code)
    )
    return [
        {
            "code": project.code,
            "name": project.name,
            "unit": project.unit.name,
            "function": project.department_function or "",
            "budget": _budget(project),
            "spent": project.spent,
            "score": project.score,
            "grade": project.grade or "",
        }
        for project in projects
    ]


def grade_summary(projects: list[dict]) -> dict:
    """Counts by grade, the year's budget A and spending B, and the budget-weighted
    average score of the graded projects (what a project's money weighs in the whole)."""
    counts = Counter(row.get("grade") for row in projects)
    budget = sum((Decimal(str(row.get("budget") or 0)) for row in projects), Decimal(0))
    spent = sum((Decimal(str(row.get("spent") or 0)) for row in projects), Decimal(0))
    graded = [row for row in projects if row.get("score") is not None]
    weight = sum((Decimal(str(row.get("budget") or 0)) for row in graded), Decimal(0))
    average = (
        sum(Decimal(str(r["score"])) * Decimal(str(r.get("budget") or 0)) for r in graded) / weight
        if weight > 0
        else None
    )
    return {
        "project_count": len(projects),
        "graded_count": len(graded),
        **{GRADE_KEYS[grade]: counts.get(grade, 0) for grade in GRADES},
        "budget_total": float(budget),
        "spent_total": float(spent),
        "execution_rate": float(round(spent / budget, 4)) if budget > 0 else None,
        "average_score": float(round(average, 2)) if average is not None else None,
    }


def _function_results(targets: DepartmentTargets, projects: list[dict]) -> list[dict]:
    by_function: dict[str, list[dict]] = {}
    for row in projects:
        by_function.setdefault(row["function"], []).append(row)
    results = []
    # Written into the form's data, read later by anyone: in the county's language.
    ungraded = stored_text(_l("not graded"))
    for function in targets.functions or []:
        rows = by_function.get(function["name"], [])
        results.append(
            {
                "name": function["name"],
                "goal": function.get("goal") or "",
                "target_amount": function.get("amount"),
                "budget": float(sum(Decimal(str(r["budget"] or 0)) for r in rows)),
                "spent": float(sum(Decimal(str(r["spent"] or 0)) for r in rows)),
                "projects": len(rows),
                "grades": "、".join(f"{r['code']} {r['grade'] or ungraded}" for r in rows),
            }
        )
    return results


def registry_department_year(fiscal_year: int) -> dict:
    """读取本部门本年度批复的整体目标与项目评价等级（部门整体自评用） · Open the department's
    self-evaluation of the year (one per department and year) and answer what it is
    judged against, from the registry: the approved targets, the year's projects with
    their grades, their summary, and the rows the department answers (per function, per
    indicator). Refused while the year's targets are not approved."""
    department, year = _department(), _year(fiscal_year)
    targets = db.session.scalar(
        select(DepartmentTargets).where(
            DepartmentTargets.department_id == department.id,
            DepartmentTargets.fiscal_year == year,
            DepartmentTargets.status == TARGETS_APPROVED,
        )
    )
    if targets is None:
        raise refuse(
            "fiscal_year",
            _l(
                "%(department)s's targets for %(year)s are not approved: the self-evaluation "
                "as a whole cannot begin.",
                department=department.name,
                year=year,
            ),
        )
    row = db.session.scalar(
        select(DepartmentSelfEvaluation).where(
            DepartmentSelfEvaluation.department_id == department.id,
            DepartmentSelfEvaluation.fiscal_year == year,
        )
    )
    if row is not None and (
        _held_elsewhere(row.instance_id) or row.status in (EVALUATION_DELIVERED, EVALUATION_READ)
    ):
        raise refuse(
            "fiscal_year",
            _l(
                "%(department)s's self-evaluation as a whole of %(year)s has begun already: "
                "there is one a year.",
                department=department.name,
                year=year,
            ),
        )
    projects = project_grades(department, year)
    summary = grade_summary(projects)
    if row is None:
        row = DepartmentSelfEvaluation(
            department_id=department.id,
            fiscal_year=year,
            function_results=[],
            indicator_results=[],
            project_grades=[],
        )
        db.session.add(row)
    row.targets_id, row.status, row.updated_at = targets.id, EVALUATION_DRAFT, _now()
    row.instance_id = current_run().instance.id
    row.project_grades = projects
    row.budget_total, row.spent_total = summary["budget_total"], summary["spent_total"]
    db.session.flush()
    return {
        "targets": {
            "overall_goal": targets.overall_goal or "",
            "county_goal_alignment": targets.county_goal_alignment or "",
            "total_amount": targets.total_amount,
        },
        "projects": projects,
        "summary": summary,
        "function_results": _function_results(targets, projects),
        "indicator_results": flat_indicators(targets.functions),
    }


def _own_evaluation(year: int) -> DepartmentSelfEvaluation:
    department = _department()
    row = db.session.scalar(
        select(DepartmentSelfEvaluation).where(
            DepartmentSelfEvaluation.department_id == department.id,
            DepartmentSelfEvaluation.fiscal_year == year,
            DepartmentSelfEvaluation.instance_id == current_run().instance.id,
        )
    )
    if row is None:
        raise refuse(
            "fiscal_year",
            _l("This self-evaluation did not open the department's one of %(year)s.", year=year),
        )
    return row


def _clean(rows: list | None) -> list[dict]:
    return [
        {k: v for k, v in row.items() if k != "_row"} for row in rows or [] if isinstance(row, dict)
    ]


def registry_record_department_evaluation(
    fiscal_year: int,
    stage: str,
    overall_result: str | None = None,
    function_results: list | None = None,
    evaluation: dict | None = None,
    conclusion: str | None = None,
    finance_opinion: str | None = None,
    government_comment: str | None = None,
) -> dict:
    """登记部门整体自评（提交、财政审核后报送县政府、县政府阅知） · Record the department's
    self-evaluation as submitted (results, score, grade), as passed by finance and
    delivered to the county government (opinion, time), or as read by the government."""
    row = _own_evaluation(_year(fiscal_year))
    at = _now()
    if stage == EVALUATION_SUBMITTED:
        evaluation = evaluation or {}
        row.overall_result = overall_result
        row.function_results = _clean(function_results)
        row.indicator_results = _clean(evaluation.get("indicators"))
        row.score, row.grade = evaluation.get("total"), evaluation.get("grade")
        row.conclusion = conclusion
    elif stage == EVALUATION_DELIVERED:
        row.finance_opinion = finance_opinion
        row.reviewed_by_id, row.delivered_at = current_run().actor.id, at
    elif stage == EVALUATION_READ:
        row.government_read_at, row.government_comment = at, government_comment
    else:
        raise ValueError(
            _l("The stage must be submitted, delivered or read, not “%(stage)s”.", stage=stage)
        )
    row.status, row.updated_at = stage, at
    return {"status": row.status, "grade": row.grade, "score": row.score}
