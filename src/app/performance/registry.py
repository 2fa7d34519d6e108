"""Registry operators: what the diagrams' service tasks call to read and write 项目库.

They run inside the step's transaction (the engine is called by a service), so a
registry write lands or vanishes together with the step that made it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Org, Project, ProjectEvent
from app.models.org import department_of
from app.models.project import PROJECT_APPROVED, PROJECT_EXCLUDED, PROJECT_PROPOSED, named_orgs
from app.performance.context import RequestRefused, current_run, run_org
from app.performance.rectification_items import (
    due_date_of,
    item_rows,
    open_correction,
    open_rectification,
)


def _now():
    from app.services.foundation.clock import now

    return now()


def _number(value: Any) -> float | None:
    if value in (None, ""):
        return None
    return float(str(value).replace(",", "").replace("，", ""))


class ProjectOutOfReach(RequestRefused):
    """A diagram asked for a project of another organisation than the submission's."""

    def __init__(self, project_code: str, field: str = "project_code") -> None:
        super().__init__(
            field,
            f"项目 {project_code} 不属于本单位，不能查询或登记 (project {project_code} belongs "
            "to another organisation)",
        )
        self.project_code = project_code


def find_project(project_code: str, fiscal_year: int) -> Project | None:
    return db.session.scalar(
        select(Project)
        .options(*named_orgs())
        .where(Project.code == str(project_code), Project.fiscal_year == int(fiscal_year))
    )


def _reach() -> str:
    """The org path whose projects the running submission may read and write: its own
    organisation and everything under it (a school its own projects, a department its
    units')."""
    return run_org().path


def _within(project: Project, reach: str) -> bool:
    return project.unit.path.startswith(reach) or project.department.path.startswith(reach)


def reachable_project(
    project_code: str, fiscal_year: int, field: str = "project_code"
) -> Project | None:
    """The project of this code and year; refuses `field` (ProjectOutOfReach) when it
    exists but belongs outside the running submission's organisation."""
    project = find_project(project_code, fiscal_year)
    if project is not None and not _within(project, _reach()):
        refusal = ProjectOutOfReach(str(project_code), field)
        current_run().refusals.append(refusal)
        raise refusal
    return project


def project_for_run(project_code: str, fiscal_year: int, name: str | None = None) -> Project:
    """The project of this code and year, created (as proposed) for the run's org if new."""
    project = reachable_project(project_code, fiscal_year)
    run = current_run()
    if project is None:
        org = run_org()
        project = Project(
            code=str(project_code),
            name=name or str(project_code),
            fiscal_year=int(fiscal_year),
            department_id=department_of(org).id,
            unit_id=org.id,
            status=PROJECT_PROPOSED,
            cumulative_adjustment=0,
            updated_at=_now(),
        )
        db.session.add(project)
        db.session.flush()
    run.instance.project_id = project.id
    return project


def _event(project: Project, kind: str, summary: str, details: dict | None = None) -> None:
    project.updated_at = _now()
    db.session.add(
        ProjectEvent(
            project_id=project.id,
            instance_id=current_run().instance.id,
            at=project.updated_at,
            kind=kind,
            summary=summary,
            details=details,
        )
    )


def absent_project(last_grade: str | None = None) -> dict:
    """What a lookup answers for a project the registry does not hold (yet)."""
    return {
        "exists": False,
        "indicators": [],
        "cumulative_adjustment": 0,
        "last_grade": last_grade,
        "latest_light": None,
        "grade": None,
    }


def registry_lookup(project_code: str, fiscal_year: int) -> dict:
    """读取项目库中的项目 · A project's registry record, for gateways and prefill."""
    project = reachable_project(project_code, fiscal_year)
    if project is None:
        return absent_project(latest_grade(project_code, int(fiscal_year) - 1, _reach()))
    current_run().instance.project_id = project.id
    return {
        "exists": True,
        "code": project.code,
        "name": project.name,
        "status": project.status,
        "functional_category": project.functional_category,
        "department_function": project.department_function,
        "special_fund": project.special_fund,
        "special_fund_total": project.special_fund_total,
        "approved_amount": project.approved_amount,
        "adjusted_amount": project.adjusted_amount,
        "cumulative_adjustment": project.cumulative_adjustment or 0,
        "indicators": project.indicators or [],
        "latest_light": project.latest_light,
        "grade": project.grade,
        "last_grade": latest_grade(project.code, project.fiscal_year, _reach()),
    }


def latest_grade(project_code: str, up_to_year: int, reach: str | None = None) -> str | None:
    """The most recent evaluation grade of a project up to a year; with `reach` (an org
    path), only of the years the project belonged under it.

    Next year's budget is compiled before this year is graded, so "last year's grade" is
    whichever year was graded last, not simply the year before.
    """
    query = (
        select(Project.grade)
        .where(
            Project.code == str(project_code),
            Project.fiscal_year <= int(up_to_year),
            Project.grade.is_not(None),
        )
        .order_by(Project.fiscal_year.desc())
        .limit(1)
    )
    if reach is not None:
        unit = aliased(Org)
        department = aliased(Org)
        query = (
            query.join(unit, unit.id == Project.unit_id)
            .join(department, department.id == Project.department_id)
            .where(or_(unit.path.startswith(reach), department.path.startswith(reach)))
        )
    return db.session.scalar(query)


def registry_record_approval(
    project_code: str,
    project_name: str,
    fiscal_year: int,
    approved_amount: Any,
    indicators: list | None = None,
    functional_category: str | None = None,
    special_fund: str | None = None,
    special_fund_total: Any = None,
    nature: str | None = None,
    requested_amount: Any = None,
    funding_source: str | None = None,
    department_function: str | None = None,
) -> dict:
    """登记批复的预算和绩效目标 · Record the approved budget and targets in the registry."""
    project = project_for_run(project_code, fiscal_year, project_name)
    project.name = project_name or project.name
    project.status = PROJECT_APPROVED
    project.approved_amount = _number(approved_amount)
    project.adjusted_amount = project.approved_amount
    project.requested_amount = _number(requested_amount)
    project.indicators = list(indicators or [])
    project.functional_category = functional_category
    project.department_function = department_function or project.department_function
    project.special_fund = special_fund
    project.special_fund_total = _number(special_fund_total)
    project.nature = nature
    project.funding_source = funding_source or project.funding_source
    _event(
        project,
        "approved",
        f"批复预算 {project.approved_amount} 万元",
        {"indicators": project.indicators},
    )
    return {"project_id": project.id, "status": project.status}


def registry_record_exclusion(
    project_code: str, fiscal_year: int, reason: str, project_name: str | None = None
) -> dict:
    """登记未予安排预算的项目及原因 · Record that a project gets no budget, and why."""
    project = project_for_run(project_code, fiscal_year, project_name)
    project.status = PROJECT_EXCLUDED
    project.selected_amount = project.priority_rank = None  # frees its share and its place
    _event(project, "excluded", f"未予安排预算：{reason}", {"reason": reason})
    return {"project_id": project.id, "status": project.status}


def registry_record_adjustment(
    project_code: str,
    fiscal_year: int,
    addition: Any = 0,
    reduction: Any = 0,
    route: str = "review",
    indicator_changes: list | None = None,
    kind: str | None = None,
    source_project_code: str | None = None,
) -> dict:
    """登记追加/追减、项目间调剂及指标调整 · Record a mid-year addition, reduction or
    reallocation and changed targets.

    A reallocation takes its amount from the source project of the same department. A
    project funded mid-year that the registry did not hold becomes an approved project
    of the year, with nothing approved at the start of it, so that rounds monitor and
    evaluate it like the others. Every adjusted project is monitored closely next round
    (the `adjusted` event is what the monitoring round reads)."""
    project = project_for_run(project_code, fiscal_year)
    if project.status == PROJECT_PROPOSED:
        project.status = PROJECT_APPROVED
        project.approved_amount = 0 if project.approved_amount is None else project.approved_amount
    change = (_number(addition) or 0) - (_number(reduction) or 0)
    _adjust(project, change)
    gross = (_number(addition) or 0) + (_number(reduction) or 0)
    project.cumulative_adjustment = (project.cumulative_adjustment or 0) + gross
    project.indicators = apply_indicator_changes(project.indicators or [], indicator_changes or [])
    how = "备案" if route == "filing" else "审批"
    details = {
        "addition": addition,
        "reduction": reduction,
        "route": route,
        "kind": kind,
        "changes": indicator_changes,
    }
    if source_project_code:
        source = reachable_project(source_project_code, fiscal_year)
        if source is not None:
            _adjust(source, -change)
            source.cumulative_adjustment = (source.cumulative_adjustment or 0) + abs(change)
            details["source_project_code"] = source.code
            _event(
                source,
                "adjusted",
                f"{how}调出 {change:g} 万元至项目 {project.code}，"
                f"调整后预算 {source.adjusted_amount:g} 万元",
                {"route": route, "kind": kind, "moved_to": project.code, "reduction": change},
            )
    _event(
        project,
        "adjusted",
        f"{how}调整 {change:+g} 万元，调整后预算 {project.adjusted_amount:g} 万元",
        details,
    )
    return {
        "adjusted_amount": project.adjusted_amount,
        "cumulative_adjustment": project.cumulative_adjustment,
    }


def current_budget(project: Project) -> float:
    """What the project holds now: its approved budget with every adjustment so far."""
    if project.adjusted_amount is not None:
        return project.adjusted_amount
    return project.approved_amount or 0


def _adjust(project: Project, change: float) -> None:
    project.adjusted_amount = current_budget(project) + change


def apply_indicator_changes(indicators: list, changes: list) -> list:
    """Rows tagged 新增 are added, 修改 replace the row of the same name, 删除 remove it."""
    by_name = {row.get("name"): dict(row) for row in indicators}
    for change in changes:
        tag, name = change.get("change"), change.get("name")
        row = {k: v for k, v in change.items() if k != "change"}
        if tag == "删除":
            by_name.pop(name, None)
        elif tag in ("新增", "修改"):
            by_name[name] = {**by_name.get(name, {}), **row}
    return list(by_name.values())


def registry_record_monitoring(
    project_code: str,
    fiscal_year: int,
    quarter: int,
    assessment: dict,
    correction: dict | None = None,
    spent: Any = None,
) -> list:
    """登记季度监控结果（支出、执行率、预警灯与纠偏决定），纠偏决定列入整改清单 ·
    Record a quarter's spending, figures, lights and finance's correction decision; a
    correction to carry out becomes a rectification item, and the answer is the
    submission's open items, which the department follows up (none: nothing to do)."""
    project = project_for_run(project_code, fiscal_year)
    if _number(spent) is not None:
        project.spent = _number(spent)
    project.latest_quarter = int(quarter)
    project.latest_light = assessment.get("project_light")
    project.latest_execution_rate = assessment.get("execution_rate")
    summary = (
        f"第{quarter}季度监控：执行率 {assessment.get('execution_rate')}，"
        f"预警 {project.latest_light}"
    )
    if correction and correction.get("decision"):
        summary += f"；纠偏决定：{correction['decision']}"
        if correction.get("amount"):
            summary += f" {correction['amount']} 万元"
        open_correction(project, int(fiscal_year), int(quarter), correction)
    _event(
        project,
        "monitored",
        summary,
        {"quarter": quarter, "assessment": assessment, "correction": correction},
    )
    return item_rows(project)


def registry_record_evaluation(
    project_code: str,
    fiscal_year: int,
    score: Any,
    grade: str,
    next_year_tag: str | None = None,
    rectification: list | None = None,
    disclose: bool | None = None,
) -> list:
    """登记评价得分、等级与结果应用，开列整改清单 · Record the evaluation score, grade and
    its application, and open the rectification items finance set; answers those items as
    the rows the department follows up (none: nothing to rectify)."""
    project = project_for_run(project_code, fiscal_year)
    project.score = _number(score)
    project.grade = grade
    project.next_year_tag = next_year_tag
    project.disclose = bool(disclose) if disclose is not None else None
    for item in rectification or []:
        text = item.get("description") if isinstance(item, dict) else str(item)
        if text:
            deadline = item.get("deadline") if isinstance(item, dict) else None
            open_rectification(project, text, due_date_of(deadline))
    _event(
        project,
        "evaluated",
        f"年度评价 {project.score} 分，等级 {grade}",
        {"score": score, "grade": grade, "next_year_tag": next_year_tag, "disclose": disclose},
    )
    return item_rows(project)
