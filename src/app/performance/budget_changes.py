"""What a mid-year request changes, and which approvals it needs, read from the registry.

The county's plan lets a department do two things itself, with a filing (备案) to finance:
change a project's spending content and structure, and move money between its projects of
the same 职能分类 within 5 % of its special-fund budget, counted cumulatively per
department, fund and year. Everything else is reviewed by the department and finance, and
what changes the county's total budget is a 预算调整 (预算法 arts. 67–69): the county
government reviews it and the 人大常委会 approves it. New money never takes the filing
route. Every figure that decides the route comes from the registry, never from the form.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Project, ProjectEvent
from app.models.project import PROJECT_APPROVED
from app.performance.adjustment import within_filing_share
from app.performance.context import refuse
from app.performance.numbers import money_text, to_decimal
from app.performance.operators import current_thresholds
from app.performance.registry import (
    current_budget,
    find_project,
    reachable_project,
)
from app.performance.settings import Thresholds
from app.services.foundation.errors import stored_text

ADDITION = "追加资金"
REDUCTION = "追减资金"
REALLOCATION = "同一职能分类内项目间调剂"
RESTRUCTURING = "调整支出内容和结构"
KINDS = (ADDITION, REDUCTION, REALLOCATION, RESTRUCTURING)
# What a project's special fund says when it has none.
NO_FUND = ("", "无")


def _amount(value: Any) -> Decimal:
    return to_decimal(value) or Decimal(0)


def special_fund_total(department_id: int, fund: str, fiscal_year: int) -> Decimal:
    """The department's approved budget of a special fund in a year: the 5 % rule's base."""
    amounts = db.session.scalars(
        select(Project.approved_amount).where(
            Project.department_id == department_id,
            Project.fiscal_year == fiscal_year,
            Project.special_fund == fund,
            Project.status == PROJECT_APPROVED,
        )
    )
    return sum((_amount(a) for a in amounts), Decimal(0))


def filed_reallocations(department_id: int, fund: str, fiscal_year: int) -> Decimal:
    """What the department has already moved by filing in this fund and year."""
    details = db.session.scalars(
        select(ProjectEvent.details)
        .join(Project, Project.id == ProjectEvent.project_id)
        .where(
            ProjectEvent.kind == "adjusted",
            Project.department_id == department_id,
            Project.fiscal_year == fiscal_year,
            Project.special_fund == fund,
        )
    )
    return sum(
        (
            _amount(d.get("addition"))
            for d in details
            if isinstance(d, dict) and d.get("route") == "filing" and d.get("kind") == REALLOCATION
        ),
        Decimal(0),
    )


def _approved(project_code: str, fiscal_year: int, field: str) -> Project:
    project = reachable_project(project_code, fiscal_year, field)
    if project is None or project.status != PROJECT_APPROVED:
        raise refuse(
            field,
            _l(
                "The registry has no approved project %(code)s in %(year)s: it cannot be adjusted.",
                code=project_code,
                year=fiscal_year,
            ),
        )
    return project


def _reallocation_route(
    project: Project, source: Project, amount: Decimal, t: Thresholds
) -> tuple[str, list[str], dict]:
    """Filing when both projects serve one 职能分类 of one department and fund and the
    year's filed reallocations, this one included, stay within the fund's share. The
    reasons are kept in the request's data and read later: in the county's language."""
    fund = (project.special_fund or "").strip()
    figures: dict[str, Any] = {"special_fund": fund or None}
    if source.department_id != project.department_id:
        return (
            "review",
            [stored_text(_l("The two projects belong to different departments."))],
            figures,
        )
    if not project.department_function or project.department_function != source.department_function:
        return "review", [stored_text(_l("The two projects serve different functions."))], figures
    if fund in NO_FUND or (source.special_fund or "").strip() != fund:
        return "review", [stored_text(_l("The two projects are not of one special fund."))], figures
    total = special_fund_total(project.department_id, fund, project.fiscal_year)
    before = filed_reallocations(project.department_id, fund, project.fiscal_year)
    percent = t.filing_change_percent
    limit = total * Decimal(str(percent)) / 100
    figures.update(
        {"fund_total": float(total), "filed_before": float(before), "filing_limit": float(limit)}
    )
    share = {
        "fund": fund,
        "total": money_text(total),
        "percent": f"{percent:g}",
        "limit": money_text(limit),
    }
    if not within_filing_share(before, amount, total, t):
        reason = _l(
            "Filed reallocations of the year, %(before)s (10k yuan), with this one's %(amount)s "
            "exceed %(percent)s%% (%(limit)s) of the special fund “%(fund)s”'s budget of "
            "%(total)s.",
            before=money_text(before),
            amount=money_text(amount),
            **share,
        )
        return "review", [stored_text(reason)], figures
    reason = _l(
        "A reallocation within one function: %(sum)s (10k yuan) this year in all, within "
        "%(percent)s%% (%(limit)s) of the special fund “%(fund)s”'s budget of %(total)s.",
        sum=money_text(before + amount),
        **share,
    )
    return "filing", [stored_text(reason)], figures


def registry_assess_adjustment(
    project_code: str,
    fiscal_year: int,
    kind: str,
    addition: Any = 0,
    reduction: Any = 0,
    source_project_code: str | None = None,
) -> dict:
    """判定追加调整的办理方式（备案或审核）及是否调整全县预算总额 · Which approvals a
    mid-year request needs, decided from the registry: filing, or review by the department
    and finance, with the government and the 人大常委会 when the county total changes."""
    if kind not in KINDS:
        raise refuse(
            "kind", _l("The kind of change must be one of: %(kinds)s.", kinds="、".join(KINDS))
        )
    if kind == ADDITION and find_project(project_code, fiscal_year) is None:
        project = None  # a new project funded mid-year: nothing approved before
    else:
        project = _approved(project_code, fiscal_year, "project_code")
    addition, reduction = _amount(addition), _amount(reduction)
    opening = _amount(current_budget(project)) if project is not None else Decimal(0)
    figures: dict[str, Any] = {}
    if kind == RESTRUCTURING:
        route = "filing"
        reasons = [stored_text(_l("The budget stays the same; only what it is spent on changes."))]
    elif kind == REALLOCATION:
        if not source_project_code or str(source_project_code) == str(project_code):
            raise refuse(
                "source_project_code",
                _l("A reallocation needs the code of another project the money comes from."),
            )
        source = _approved(source_project_code, fiscal_year, "source_project_code")
        available = _amount(current_budget(source))
        if available < addition:
            raise refuse(
                "addition",
                _l(
                    "The project %(code)s has %(available)s (10k yuan) left, less than the "
                    "%(amount)s to move.",
                    code=source.code,
                    available=money_text(available),
                    amount=money_text(addition),
                ),
            )
        thresholds = current_thresholds()
        route, reasons, figures = _reallocation_route(project, source, addition, thresholds)
    elif kind == ADDITION:
        route = "review"
        reasons = [
            stored_text(
                _l(
                    "An addition is new spending: the department and finance review it; it "
                    "cannot be filed."
                )
            )
        ]
    else:  # REDUCTION
        route = "review"
        reasons = [
            stored_text(
                _l("A reduction lowers budget spending: the department and finance review it.")
            )
        ]
    if reduction > opening:
        raise refuse(
            "reduction",
            _l(
                "The reduction exceeds the project's budget of %(opening)s (10k yuan).",
                opening=money_text(opening),
            ),
        )
    changes_county_total = kind in (ADDITION, REDUCTION)
    if changes_county_total:
        reasons.append(
            stored_text(
                _l(
                    "It changes the county's total budget, a budget adjustment: the county "
                    "government reviews it and the standing committee of the people's "
                    "congress approves it."
                )
            )
        )
    assessment = {
        "kind": kind,
        "route": route,
        "changes_county_total": changes_county_total,
        "opening_budget": float(opening),
        "adjusted_amount": float(opening + addition - reduction),
        "department_function": project.department_function if project is not None else None,
        "basis": "；".join(reasons),
        **figures,
    }
    # A figure the registry does not hold is left out, not shown as a blank.
    return {key: value for key, value in assessment.items() if value is not None}
