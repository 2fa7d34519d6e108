"""The county's budget draft (本级预算草案) as a whole: made of each department's
performance budget, reviewed once by the county government and approved once by the
人民代表大会 (seed 二(一)4: "各部门编制的部门绩效预算按程序经同级政府审核后，提交同级
人大审议批准").

Each project's compilation waits after 遴选 for the county's approval (a message catch
event); the county review is a submission of its own, which compiles the draft from the
registry and the waiting submissions, lets either body send one department back to
finance with a reason, and on approval releases every waiting project to 批复. While the
draft is before them, 遴选 records nothing more for that year: what they approve is what
they saw.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import CountyBudget, Org, ProcessInstance, Project, Task
from app.models.instance import STATUS_RUNNING
from app.models.project import COUNTY_APPROVED, COUNTY_REVIEWING, PROJECT_EXCLUDED, named_orgs
from app.models.task import TASK_READY
from app.performance.context import current_run, refuse
from app.performance.control_totals import control_total, county_budget, under_review
from app.performance.department import department_targets_for
from app.performance.numbers import is_blank, money_text, to_decimal
from app.performance.registry import _event, _now


def _compilations(fiscal_year: int, process_key: str) -> list[ProcessInstance]:
    return [
        instance
        for instance in db.session.scalars(
            select(ProcessInstance).where(
                ProcessInstance.process_key == process_key,
                ProcessInstance.status == STATUS_RUNNING,
            )
        )
        if (instance.data or {}).get("fiscal_year") == int(fiscal_year)
    ]


def _open_step(instance_ids: list[int]) -> dict[int, str]:
    if not instance_ids:
        return {}
    rows = db.session.execute(
        select(Task.instance_id, Task.name).where(
            Task.instance_id.in_(instance_ids), Task.status == TASK_READY
        )
    ).all()
    return {instance_id: name for instance_id, name in rows}


def _selected(fiscal_year: int) -> list[Project]:
    return list(
        db.session.scalars(
            select(Project)
            .options(*named_orgs())
            .where(
                Project.fiscal_year == int(fiscal_year),
                Project.selected_amount.is_not(None),
                Project.status != PROJECT_EXCLUDED,
            )
            .order_by(Project.department_id, Project.priority_rank, Project.code)
        )
    )


def _present(row: dict) -> dict:
    """A row as the form shows it: a figure not known is left out, not shown as None."""
    return {key: value for key, value in row.items() if value is not None}


def _number(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def _draft(fiscal_year: int, projects: list[Project], data_of: dict[int, dict]) -> dict:
    by_department: dict[int, list[Project]] = defaultdict(list)
    for project in projects:
        by_department[project.department_id].append(project)
    departments, functions, rows = [], [], []
    total_requested = total_selected = Decimal(0)
    for department_id, own in by_department.items():
        department = db.session.get(Org, department_id)
        targets = department_targets_for(department_id, fiscal_year) or {}
        goals = {f.get("name"): f for f in targets.get("functions", [])}
        requested = sum((to_decimal(p.requested_amount) or Decimal(0) for p in own), Decimal(0))
        selected = sum((to_decimal(p.selected_amount) or Decimal(0) for p in own), Decimal(0))
        limit = control_total(department_id, fiscal_year)
        departments.append(
            _present(
                {
                    "department": department.name,
                    "projects": len(own),
                    "requested": _number(requested),
                    "selected": _number(selected),
                    "control_total": None if limit is None else limit.amount,
                    "overall_goal": targets.get("overall_goal"),
                }
            )
        )
        per_function: dict[str, list[Project]] = defaultdict(list)
        for project in own:
            per_function[project.department_function or "（未列职能）"].append(project)
        for name, members in sorted(per_function.items()):
            amount = sum((to_decimal(p.selected_amount) or Decimal(0) for p in members), Decimal(0))
            functions.append(
                _present(
                    {
                        "department": department.name,
                        "function": name,
                        "goal": goals.get(name, {}).get("goal"),
                        "target_amount": goals.get(name, {}).get("amount"),
                        "projects": len(members),
                        "selected": _number(amount),
                    }
                )
            )
        for project in own:
            data = data_of.get(project.id, {})
            rows.append(
                _present(
                    {
                        "department": department.name,
                        "project_code": project.code,
                        "project_name": project.name,
                        "unit": project.unit.name,
                        "function": project.department_function or "",
                        "requested": project.requested_amount or data.get("requested_amount"),
                        "selected": project.selected_amount,
                        "priority_rank": project.priority_rank,
                        "pre_eval_score": data.get("pre_eval_score"),
                        "target_grade": data.get("target_grade"),
                    }
                )
            )
        total_requested += requested
        total_selected += selected
    return {
        "fiscal_year": int(fiscal_year),
        "project_count": len(projects),
        "department_count": len(departments),
        "total_requested": _number(total_requested),
        "total_selected": _number(total_selected),
        "departments": departments,
        "functions": functions,
        "projects": rows,
    }


def registry_county_draft(fiscal_year: int, process_key: str = "budget_compilation") -> dict:
    """汇编县级预算草案：各部门绩效预算（职能、项目、金额、预评估结果），按部门、职能合计 ·
    Compile the county's budget draft from every project of the year that 遴选 selected
    and that waits for the county's approval. Refused while a project of the year is
    still before 遴选 (the budget is approved as a whole) or while another review of the
    year runs or has approved it."""
    run = current_run()
    budget = county_budget(fiscal_year)
    if budget is not None and budget.status == COUNTY_APPROVED:
        raise refuse(
            "fiscal_year",
            _l(
                "The county budget of %(year)s is approved by the congress already.",
                year=fiscal_year,
            ),
        )
    if under_review(budget) and budget.instance_id != run.instance.id:
        raise refuse(
            "fiscal_year",
            _l(
                "The county budget draft of %(year)s is under review already (another submission).",
                year=fiscal_year,
            ),
        )
    running = _compilations(fiscal_year, process_key)
    open_steps = _open_step([i.id for i in running])
    unfinished = [i for i in running if i.id in open_steps]
    if unfinished:
        named = _("; ").join(
            _("%(title)s (at %(step)s)", title=i.title, step=open_steps[i.id])
            for i in unfinished[:5]
        )
        if len(unfinished) > 5:
            named = _("%(named)s and %(count)s more", named=named, count=len(unfinished) - 5)
        raise refuse(
            "fiscal_year",
            _l(
                "Projects of %(year)s are still before selection (遴选排序), and the draft "
                "goes as a whole: %(named)s.",
                year=fiscal_year,
                named=named,
            ),
        )
    projects = _selected(fiscal_year)
    if not projects:
        raise refuse(
            "fiscal_year",
            _l("No project of %(year)s was chosen at selection (遴选排序).", year=fiscal_year),
        )
    data_of = {i.project_id: i.data or {} for i in running if i.project_id is not None}
    draft = _draft(fiscal_year, projects, data_of)
    if budget is None:
        budget = CountyBudget(fiscal_year=int(fiscal_year), returns=[], started_at=_now())
        db.session.add(budget)
    budget.status = COUNTY_REVIEWING
    budget.instance_id = run.instance.id
    budget.total = draft["total_selected"]
    db.session.flush()
    return draft


def _department_named(fiscal_year: int, name: Any) -> Org:
    for project in _selected(fiscal_year):
        if project.department.name == name:
            return project.department
    names = _(", ").join(sorted({p.department.name for p in _selected(fiscal_year)}))
    raise refuse(
        "return_department",
        _l(
            "The draft has no department “%(name)s”; its departments: %(names)s.",
            name=name,
            names=names,
        ),
    )


def registry_prepare_revision(fiscal_year: int, return_department: Any, by: str, reason: Any):
    """列出退回部门的项目供财政修改，并登记退回 · The returned department's projects, for
    finance to revise; the return is kept on the county budget (who, which, why)."""
    if is_blank(return_department):
        raise refuse("return_department", _l("A return names the department sent back."))
    if is_blank(reason):
        raise refuse("return_reason", _l("A return says why."))
    department = _department_named(fiscal_year, str(return_department).strip())
    budget = county_budget(fiscal_year)
    budget.returns = [
        *budget.returns,
        {"by": by, "department": department.name, "reason": str(reason), "at": _now().isoformat()},
    ]
    return [
        _present(
            {
                "project_code": p.code,
                "project_name": p.name,
                "requested": p.requested_amount,
                "amount": p.selected_amount,
            }
        )
        for p in _selected(fiscal_year)
        if p.department_id == department.id
    ]


def registry_revise_department(
    fiscal_year: int, rows: list | None, override_reason: Any = None
) -> dict:
    """财政按审议意见修改退回部门的预算 · Finance's revision of a returned department's
    projects: each amount within what was requested; 0 takes a project out (不予安排);
    the department's control total holds unless finance writes why."""
    changed = []
    department_ids = set()
    for index, row in enumerate(rows or []):
        project = db.session.scalar(
            select(Project).where(
                Project.code == str(row.get("project_code")),
                Project.fiscal_year == int(fiscal_year),
                Project.selected_amount.is_not(None),
            )
        )
        if project is None:
            raise refuse(
                f"revision_rows/{index}",
                _l("The draft has no project %(code)s.", code=row.get("project_code")),
            )
        amount = to_decimal(row.get("amount"))
        if amount is None or amount < 0:
            raise refuse(
                f"revision_rows/{index}/amount",
                _l("The amount arranged must be a number of at least 0."),
            )
        requested = to_decimal(project.requested_amount)
        if requested is not None and amount > requested and is_blank(override_reason):
            raise refuse(
                f"revision_rows/{index}/amount",
                _l(
                    "%(project)s: %(amount)s 万元 arranged is more than the %(requested)s 万元 "
                    "requested; write the reason for the increase.",
                    project=project.name,
                    amount=money_text(amount),
                    requested=money_text(requested),
                ),
            )
        department_ids.add(project.department_id)
        before = project.selected_amount
        if amount == 0:
            project.status = PROJECT_EXCLUDED
            project.selected_amount = project.priority_rank = None
            _event(project, "excluded", "未予安排预算：按县级预算审议意见调减为 0", {})
        else:
            project.selected_amount = float(amount)
        if before != project.selected_amount:
            changed.append(project.code)
    for department_id in department_ids:
        limit = control_total(department_id, fiscal_year)
        if limit is None:
            continue
        arranged = sum(
            (
                to_decimal(p.selected_amount) or Decimal(0)
                for p in _selected(fiscal_year)
                if p.department_id == department_id
            ),
            Decimal(0),
        )
        if arranged > to_decimal(limit.amount) and is_blank(override_reason):
            department = db.session.get(Org, department_id)
            raise refuse(
                "revision_rows",
                _l(
                    "After the revision %(department)s has %(arranged)s 万元 arranged, more "
                    "than its control total of %(limit)s 万元; to exceed it, write the reason.",
                    department=department.name,
                    arranged=money_text(arranged),
                    limit=money_text(to_decimal(limit.amount)),
                ),
            )
    return {"changed": changed}


def registry_record_county_approval(fiscal_year: int) -> dict:
    """登记县人大批准本级预算 · Record the congress's approval of the year's budget: 遴选
    is closed for the year and every waiting project goes on to 批复."""
    budget = county_budget(fiscal_year)
    budget.status = COUNTY_APPROVED
    budget.approved_at = _now()
    budget.total = _number(
        sum(
            (to_decimal(p.selected_amount) or Decimal(0) for p in _selected(fiscal_year)),
            Decimal(0),
        )
    )
    return {"fiscal_year": int(fiscal_year), "total": budget.total}


def registry_approved_amount(project_code: str, fiscal_year: int) -> float:
    """本项目在县人大批准的预算中的安排金额 · What the approved county budget holds for
    this project (万元): its amount, or 0 when the review took it out."""
    project = db.session.scalar(
        select(Project).where(
            Project.code == str(project_code), Project.fiscal_year == int(fiscal_year)
        )
    )
    if project is None or project.status == PROJECT_EXCLUDED or project.selected_amount is None:
        return 0
    return project.selected_amount


def county_budget_overview(fiscal_year: int) -> dict | None:
    """The year's county budget as it stands, to read (the drill-down page and the API):
    the review's status and returns, totals by department and function, every selected
    project, and each department's approved overall targets. None when 遴选 has selected
    nothing for the year. No access check: the service decided who may read it."""
    projects = _selected(fiscal_year)
    if not projects:
        return None
    draft = _draft(fiscal_year, projects, {})
    budget = county_budget(fiscal_year)
    department_ids = {}
    for project in projects:
        department_ids.setdefault(project.department.name, project.department_id)
    for row in draft["departments"]:
        row["department_id"] = department_ids[row["department"]]
    project_ids = {p.code: p.id for p in projects}
    for row in draft["projects"]:
        row["project_id"] = project_ids[row["project_code"]]
    draft["status"] = budget.status if budget is not None else None
    draft["returns"] = list(budget.returns or []) if budget is not None else []
    draft["approved_at"] = budget.approved_at if budget is not None else None
    draft["instance_id"] = budget.instance_id if budget is not None else None
    return draft


def county_budget_years() -> list[int]:
    """The years 遴选 has selected projects for, newest first."""
    return sorted(
        set(
            db.session.scalars(
                select(Project.fiscal_year).where(
                    Project.selected_amount.is_not(None), Project.status != PROJECT_EXCLUDED
                )
            )
        ),
        reverse=True,
    )
