"""Rounds: finance launches one submission per project in one action, and follows them.

One submission per project (not per department) because every gateway of the four
processes decides per project (pre-evaluation, grade, light, 5 % rule), the registry is
per project, and tracking then says exactly which project of which unit is late. A unit
with many projects clears them from its inbox in one list. The department level's two
processes (部门整体绩效目标, 部门整体支出绩效自评) are filed once a year per department, so
their rounds start one submission per department (services/registry/departments.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, Org, ProcessInstance, Project, ProjectEvent, Task, User
from app.models.project import PROJECT_APPROVED, named_orgs
from app.models.task import TASK_COMPLETED, TASK_READY
from app.performance.registry import latest_grade
from app.services.foundation.clock import now
from app.services.foundation.errors import BadRequest, Forbidden, NotFound
from app.services.foundation.policy import instance_visibility, may_start_on_behalf
from app.services.foundation.transaction import transactional
from app.services.registry import departments
from app.services.runtime.definitions import latest_definition
from app.services.runtime.instances import start_instance

PROCESS_NAMES = {
    "budget_compilation": "预算编制",
    "quarterly_monitoring": "季度绩效监控",
    "annual_evaluation": "年度绩效评价",
    departments.TARGETS_PROCESS: "部门整体绩效目标申报",
    departments.EVALUATION_PROCESS: "部门整体支出绩效自评",
}


def campaign_code(process_key: str, fiscal_year: int, quarter: int | None) -> str:
    return f"{process_key}-{fiscal_year}" + (f"-Q{quarter}" if quarter else "")


def _round_name(process_key: str, fiscal_year: int, quarter: int | None) -> str:
    """e.g. 2027年第1季度绩效监控, 2026年度绩效评价, 2028年度预算编制."""
    name = PROCESS_NAMES.get(process_key, process_key)
    if quarter:
        return f"{fiscal_year}年第{quarter}季度{name.removeprefix('季度')}"
    return f"{fiscal_year}年度{name.removeprefix('年度')}"


def round_projects(process_key: str, fiscal_year: int) -> list[Project]:
    """The projects a round covers: last year's approved ones continue into compilation;
    monitoring and evaluation cover the year's approved projects."""
    year = fiscal_year - 1 if process_key == "budget_compilation" else fiscal_year
    return list(
        db.session.scalars(
            select(Project)
            .options(*named_orgs())
            .where(Project.fiscal_year == year, Project.status == PROJECT_APPROVED)
            .order_by(Project.department_id, Project.code)
        )
    )


def start_data(process_key: str, project: Project, fiscal_year: int, quarter: int | None) -> dict:
    """What a round's submission starts with, from the registry: forms prefill from it."""
    data = {
        "project_code": project.code,
        "project_name": project.name,
        "fiscal_year": fiscal_year,
        "department_name": project.department.name,
        "unit_name": project.unit.name,
        "functional_category": project.functional_category,
        "department_function": project.department_function,
        "special_fund": project.special_fund,
        "indicators": [dict(row) for row in project.indicators or []],
    }
    budget = (
        project.adjusted_amount if project.adjusted_amount is not None else project.approved_amount
    )
    if process_key == "budget_compilation":
        data.update(
            nature="延续",
            funding_source=project.funding_source,
            last_grade=latest_grade(project.code, project.fiscal_year),
            last_year_amount=project.approved_amount,
        )
    else:
        data.update(approved_amount=project.approved_amount, adjusted_budget=budget)
    if process_key == "annual_evaluation":
        data["spent"] = project.spent  # B: as monitored and passed by finance
    if process_key == "quarterly_monitoring" and _adjusted_this_year(project):
        data["key_monitoring"] = True  # 财政部门对部门的调整项目进行重点监控
    if quarter:
        data["quarter"] = quarter
    return {key: value for key, value in data.items() if value is not None}


def _adjusted_this_year(project: Project) -> bool:
    return bool(
        db.session.scalar(
            select(ProjectEvent.id)
            .where(ProjectEvent.project_id == project.id, ProjectEvent.kind == "adjusted")
            .limit(1)
        )
    )


@dataclass(frozen=True)
class RoundItem:
    """What a round starts one submission for: a project, or a department."""

    key: str  # the submission's round_item: the project code, or the department's org code
    name: str
    org_id: int
    prefill: dict
    project_id: int | None = None


def round_items(process_key: str, fiscal_year: int, quarter: int | None) -> list[RoundItem]:
    if process_key in departments.DEPARTMENT_PROCESSES:
        return [
            RoundItem(d.code, d.name, d.id, departments.start_data(d, fiscal_year))
            for d in departments.round_departments(process_key, fiscal_year)
        ]
    return [
        RoundItem(
            project.code,
            project.name,
            project.unit_id,
            start_data(process_key, project, fiscal_year, quarter),
            # compilation makes next year's project
            None if process_key == "budget_compilation" else project.id,
        )
        for project in round_projects(process_key, fiscal_year)
    ]


@dataclass
class Launch:
    campaign: Campaign
    started: list[ProcessInstance]
    already: int


@transactional
def launch_campaign(
    actor: User,
    process_key: str,
    fiscal_year: int,
    quarter: int | None = None,
    due_at: datetime | None = None,
) -> Launch:
    """Start the round's submissions for every project it covers that has none yet.

    Launching the same round twice starts only what is missing (a project approved
    since), never a duplicate. Raises Forbidden (only finance), BadRequest, NotFound.
    """
    if not may_start_on_behalf(actor):
        raise Forbidden(_l("Only the finance bureau launches rounds."))
    if process_key not in PROCESS_NAMES:
        raise BadRequest(
            _l("“%(process_key)s” is not launched in rounds.", process_key=process_key)
        )
    if process_key == "quarterly_monitoring" and quarter not in (1, 2, 3, 4):
        raise BadRequest(_l("A quarterly monitoring round names quarter 1–4."))
    if process_key != "quarterly_monitoring":
        quarter = None
    definition = latest_definition(process_key)
    items = round_items(process_key, fiscal_year, quarter)
    if not items and process_key in departments.DEPARTMENT_PROCESSES:
        raise BadRequest(
            _l(
                "No department is covered by this round (a department self-evaluation needs "
                "approved department targets of the year); no submission was started."
            )
        )
    if not items:
        raise BadRequest(
            _l("No approved project is covered by this round; no submission was started.")
        )
    code = campaign_code(process_key, fiscal_year, quarter)
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == code))
    if campaign is None:
        campaign = Campaign(
            code=code,
            name=_round_name(process_key, fiscal_year, quarter),
            process_key=definition.key,
            fiscal_year=fiscal_year,
            quarter=quarter,
            launched_by_id=actor.id,
            launched_at=now(),
            due_at=due_at,
        )
        db.session.add(campaign)
        db.session.flush()
    covered = set(
        db.session.scalars(
            select(ProcessInstance.round_item).where(ProcessInstance.campaign_id == campaign.id)
        )
    )
    started, already = [], 0
    for item in items:
        if item.key in covered:
            already += 1
            continue
        instance, ready = start_instance(
            actor,
            process_key,
            title=f"{campaign.name} · {item.name}",
            org_id=item.org_id,
            prefill=item.prefill,
        )
        instance.campaign_id = campaign.id
        instance.round_item = item.key
        if campaign.due_at is not None:  # the round's deadline is its first step's
            for task in ready:
                task.due_at = campaign.due_at
        instance.project_id = item.project_id
        started.append(instance)
    db.session.flush()
    return Launch(campaign, started, already)


def list_campaigns() -> list[Campaign]:
    return list(db.session.scalars(select(Campaign).order_by(Campaign.launched_at.desc())))


@dataclass
class DepartmentProgress:
    department: str
    total: int = 0
    submitted: int = 0
    finished: int = 0
    overdue: int = 0

    @property
    def not_yet(self) -> int:
        """Submissions whose first step is still not handed in: whom finance phones."""
        return self.total - self.submitted


@dataclass
class CampaignProgress:
    campaign: Campaign
    total: int
    submitted: int
    finished: int
    overdue: int
    by_step: list[tuple[str, int]]
    by_department: list[DepartmentProgress] = field(default_factory=list)


def campaign_progress(actor: User, campaign_id: int) -> CampaignProgress:
    """How far a round has got, for what `actor` may see: submitted (the first step is
    done), finished, overdue, where the rest wait, by department."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(_l("There is no round %(campaign_id)s.", campaign_id=campaign_id))
    at = now()
    instances = list(
        db.session.scalars(
            select(ProcessInstance).where(
                ProcessInstance.campaign_id == campaign.id, instance_visibility(actor)
            )
        )
    )
    ids = [i.id for i in instances]
    submitted_ids = (
        set(
            db.session.scalars(
                select(Task.instance_id)
                .where(Task.instance_id.in_(ids), Task.status == TASK_COMPLETED)
                .group_by(Task.instance_id)
            )
        )
        if ids
        else set()
    )
    open_rows = (
        db.session.execute(
            select(Task.instance_id, Task.name, Task.due_at).where(
                Task.instance_id.in_(ids), Task.status == TASK_READY
            )
        ).all()
        if ids
        else []
    )
    overdue_ids = {row.instance_id for row in open_rows if row.due_at and row.due_at < at}
    steps = Counter(row.name for row in open_rows)
    departments: dict[str, DepartmentProgress] = {}
    dept_names = _department_names({i.org_id for i in instances})
    for instance in instances:
        name = dept_names.get(instance.org_id, "")
        row = departments.setdefault(name, DepartmentProgress(name))
        row.total += 1
        row.submitted += instance.id in submitted_ids
        row.finished += instance.status == "completed"
        row.overdue += instance.id in overdue_ids
    return CampaignProgress(
        campaign=campaign,
        total=len(instances),
        submitted=len(submitted_ids),
        finished=sum(1 for i in instances if i.status == "completed"),
        overdue=len(overdue_ids),
        by_step=steps.most_common(),
        by_department=sorted(departments.values(), key=lambda d: (-d.overdue, d.department)),
    )


def _department_names(org_ids: set[int]) -> dict[int, str]:
    """Each org's department name (a unit's parent, or the org itself)."""
    if not org_ids:
        return {}
    orgs = {o.id: o for o in db.session.scalars(select(Org).where(Org.id.in_(org_ids)))}
    parent_ids = {o.parent_id for o in orgs.values() if o.kind == "unit" and o.parent_id}
    parents = (
        {o.id: o for o in db.session.scalars(select(Org).where(Org.id.in_(parent_ids)))}
        if parent_ids
        else {}
    )
    return {
        oid: (parents[o.parent_id].name if o.kind == "unit" and o.parent_id in parents else o.name)
        for oid, o in orgs.items()
    }
