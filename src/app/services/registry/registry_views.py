"""The read side of 项目库 and of rounds: what the registry and round pages show.

Who sees a project follows who sees its submissions (policy.instance_visibility): a
unit its own projects, a department its subtree's, finance, government and congress
all of them, an expert the projects of the submissions handed to them. The match is
on the org path of the project's unit, one indexed prefix test, like instances.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, case, exists, func, select
from sqlalchemy.orm import aliased, joinedload

from app.extensions import db
from app.models import (
    Campaign,
    Org,
    ProcessInstance,
    Project,
    ProjectEvent,
    RectificationItem,
    User,
)
from app.models.project import named_orgs
from app.performance.monitoring import LIGHT_SEVERITY, execution_light, quarter_months
from app.services.foundation.errors import Forbidden, NotFound
from app.services.foundation.policy import (
    instance_visibility,
    may_see_department_chart,
    may_start_on_behalf,
    project_visibility,
)
from app.services.registry.light_views import LightBadge, assessment_badges
from app.services.registry.settings import performance_thresholds

PAGE_SIZE = 50
# An export is the filtered list, whole; this only guards the server against a runaway.
EXPORT_LIMIT = 20_000
LIGHTS = ("red", "yellow", "green", "blue")
GRADES = ("优", "良", "中", "差")
PROJECT_STATUSES = ("proposed", "approved", "excluded")

MONITORING = "quarterly_monitoring"


def _reported(path: str, number: bool = False) -> ColumnElement:
    """A figure of the newest quarterly report the unit filed and finance has not yet
    approved (待审核), for the project of the row; NULL without one. See reported_lights."""
    report = aliased(ProcessInstance)
    approved = exists().where(
        ProjectEvent.instance_id == report.id, ProjectEvent.kind == "monitored"
    )
    value = report.data["assessment"][path]
    return (
        select(value.as_float() if number else value.as_string())
        .where(
            report.project_id == Project.id,
            report.process_key == MONITORING,
            report.status == "running",
            value.as_string().is_not(None),
            ~approved,
        )
        .order_by(report.started_at.desc(), report.id.desc())
        .limit(1)
        .correlate(Project)
        .scalar_subquery()
    )


# The light and rate a row shows: the pending report's, else the approved one (the filter
# and the sorts follow what is shown).
_shown_light = func.coalesce(_reported("project_light"), Project.latest_light)
_shown_rate = func.coalesce(_reported("execution_rate", number=True), Project.latest_execution_rate)
_SEVERITY = case(
    {light: rank for rank, light in enumerate(LIGHT_SEVERITY)},
    value=_shown_light,
    else_=None,
)
_GRADE_RANK = case({g: rank for rank, g in enumerate(GRADES)}, value=Project.grade, else_=None)
# sort key -> (expression, descending?); blanks always go last.
SORTS = {
    "code": (Project.code, False),
    "-code": (Project.code, True),
    "rate": (_shown_rate, False),
    "-rate": (_shown_rate, True),
    "light": (_SEVERITY, False),  # worst first
    "-light": (_SEVERITY, True),
    "grade": (_GRADE_RANK, False),  # best first
    "-grade": (_GRADE_RANK, True),
}


@dataclass
class RegistryFilters:
    fiscal_year: int | None = None
    department_id: int | None = None
    light: str | None = None
    grade: str | None = None
    status: str | None = None
    search: str | None = None
    sort: str = "code"
    page: int = 1


@dataclass
class ProjectPage:
    projects: list[Project]
    total: int
    page: int
    pages: int


def _filtered(actor: User, filters: RegistryFilters) -> Select:
    query = select(Project).options(*named_orgs()).where(project_visibility(actor))
    if filters.fiscal_year is not None:
        query = query.where(Project.fiscal_year == filters.fiscal_year)
    if filters.department_id is not None:
        query = query.where(Project.department_id == filters.department_id)
    if filters.light:
        query = query.where(_shown_light == filters.light)
    if filters.grade:
        query = query.where(Project.grade == filters.grade)
    if filters.status:
        query = query.where(Project.status == filters.status)
    if filters.search:
        text = filters.search.strip()
        query = query.where(
            Project.name.icontains(text, autoescape=True)
            | Project.code.icontains(text, autoescape=True)
        )
    column, descending = SORTS.get(filters.sort, SORTS["code"])
    return query.order_by(
        column.is_(None), column.desc() if descending else column.asc(), Project.code, Project.id
    )


def list_projects(actor: User, filters: RegistryFilters) -> ProjectPage:
    """One page of the registry as `actor` may see it, filtered and sorted."""
    page = max(filters.page, 1)
    query = (
        _filtered(actor, filters)
        .add_columns(func.count().over())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    rows = db.session.execute(query).all()
    total = rows[0][1] if rows else 0
    return ProjectPage([row[0] for row in rows], total, page, max(-(-total // PAGE_SIZE), 1))


def filtered_projects(actor: User, filters: RegistryFilters) -> list[Project]:
    """The whole filtered list, unpaged (what the Excel export holds)."""
    return list(db.session.scalars(_filtered(actor, filters).limit(EXPORT_LIMIT)))


def registry_years(actor: User) -> list[int]:
    """The fiscal years `actor` has projects in, newest first."""
    return list(
        db.session.scalars(
            select(Project.fiscal_year)
            .where(project_visibility(actor))
            .distinct()
            .order_by(Project.fiscal_year.desc())
        )
    )


def registry_departments(actor: User) -> list[Org]:
    """The departments owning projects `actor` may see (the department filter's choices)."""
    owning = select(Project.department_id).where(project_visibility(actor))
    return list(db.session.scalars(select(Org).where(Org.id.in_(owning)).order_by(Org.path)))


@dataclass
class DepartmentExecution:
    department: str
    average_rate: float
    projects: int
    light: str | None


@dataclass
class ExecutionChart:
    fiscal_year: int
    quarter: int
    time_progress: float
    departments: list[DepartmentExecution] = field(default_factory=list)


def execution_chart(actor: User, fiscal_year: int | None) -> ExecutionChart | None:
    """Per department, the average execution rate of its projects in the latest quarter
    monitored in `fiscal_year`, beside that quarter's time progress (quarter × 3 ÷ 12).

    None for a unit (nothing to compare), without a year, or before any monitoring.
    """
    if fiscal_year is None or not may_see_department_chart(actor):
        return None
    monitored = (
        Project.fiscal_year == fiscal_year,
        Project.latest_execution_rate.is_not(None),
        Project.latest_quarter.is_not(None),
        project_visibility(actor),
    )
    latest = select(func.max(Project.latest_quarter)).where(*monitored).scalar_subquery()
    rows = db.session.execute(
        select(
            Org.name,
            func.avg(Project.latest_execution_rate),
            func.count(),
            func.max(Project.latest_quarter),
        )
        .join(Org, Org.id == Project.department_id)
        .where(*monitored, Project.latest_quarter == latest)
        .group_by(Org.id, Org.name, Org.path)
        .order_by(Org.path)
    ).all()
    if not rows:
        return None
    quarter = int(rows[0][3])
    progress = quarter_months(quarter) / 12
    thresholds = performance_thresholds()
    return ExecutionChart(
        fiscal_year,
        quarter,
        progress,
        [
            DepartmentExecution(
                name, float(rate), count, execution_light(rate, progress, thresholds)
            )
            for name, rate, count, _ in rows
        ],
    )


@dataclass
class ReportedLights:
    """A project's latest quarterly lights with what set them. `pending` when the unit
    has reported and finance has not yet approved (the registry's columns are written
    only at finance's approval, so without this a red report stays invisible for weeks)."""

    quarter: int | None
    execution_rate: float | None
    time_progress: float | None
    light: str | None
    badges: list[LightBadge]
    pending: bool


def _reported(assessment: dict, pending: bool) -> ReportedLights:
    return ReportedLights(
        assessment.get("quarter"),
        assessment.get("execution_rate"),
        assessment.get("time_progress"),
        assessment.get("project_light"),
        assessment_badges(assessment),
        pending,
    )


def reported_lights(projects: list[Project]) -> dict[int, ReportedLights]:
    """Per project, the newest quarterly report's lights: a running submission's report
    awaiting finance (待审核) when it is newer than the approved one, else the approved
    one. Two queries for the whole page."""
    ids = [project.id for project in projects]
    if not ids:
        return {}
    found: dict[int, ReportedLights] = {}
    recorded: set[int] = set()  # submissions whose report finance has approved
    events = db.session.scalars(
        select(ProjectEvent)
        .where(ProjectEvent.project_id.in_(ids), ProjectEvent.kind == "monitored")
        .order_by(ProjectEvent.at, ProjectEvent.id)
    )
    for event in events:  # the newest wins
        assessment = (event.details or {}).get("assessment")
        if event.instance_id is not None:
            recorded.add(event.instance_id)
        if isinstance(assessment, dict):
            found[event.project_id] = _reported(assessment, pending=False)
    running = db.session.scalars(
        select(ProcessInstance)
        .where(
            ProcessInstance.project_id.in_(ids),
            ProcessInstance.process_key == MONITORING,
            ProcessInstance.status == "running",
        )
        .order_by(ProcessInstance.started_at, ProcessInstance.id)
    )
    for instance in running:
        assessment = (instance.data or {}).get("assessment")
        if (
            not isinstance(assessment, dict)
            or instance.project_id is None
            or instance.id in recorded
        ):
            continue
        approved = found.get(instance.project_id)
        if approved is None or (assessment.get("quarter") or 0) >= (approved.quarter or 0):
            found[instance.project_id] = _reported(assessment, pending=True)
    return found


@dataclass
class ProjectDetail:
    project: Project
    events: list[ProjectEvent]
    instances: list[ProcessInstance]
    rectifications: list[RectificationItem]
    lights: ReportedLights | None = None
    # The fiscal year each submission is about: the project's own, or the round's (next
    # year's compilation lists here too), so a multi-year list says which year is which.
    years: dict[int, int] = field(default_factory=dict)


def project_detail(actor: User, project_id: int) -> ProjectDetail:
    """A project's whole history across the four processes. Raises NotFound, also for a
    project outside `actor`'s scope."""
    project = db.session.scalar(
        select(Project)
        .options(*named_orgs())
        .where(Project.id == project_id, project_visibility(actor))
    )
    if project is None:
        raise NotFound(_l("Project %(id)s does not exist or is not yours to see.", id=project_id))
    events = db.session.scalars(
        select(ProjectEvent)
        .where(ProjectEvent.project_id == project.id)
        .order_by(ProjectEvent.at, ProjectEvent.id)
    )
    # Its own submissions, and the next year's compilation rounds started for its code.
    compiled_for = select(Campaign.id).where(
        Campaign.process_key == "budget_compilation",
        Campaign.fiscal_year == project.fiscal_year + 1,
    )
    instances = db.session.scalars(
        select(ProcessInstance)
        .where(
            (ProcessInstance.project_id == project.id)
            | (
                ProcessInstance.campaign_id.in_(compiled_for)
                & (ProcessInstance.round_item == project.code)
            ),
            instance_visibility(actor),
        )
        .order_by(ProcessInstance.started_at, ProcessInstance.id)
        .options(joinedload(ProcessInstance.definition))
    )
    rectifications = db.session.scalars(
        select(RectificationItem)
        .where(RectificationItem.project_id == project.id)
        .order_by(RectificationItem.created_at, RectificationItem.id)
    )
    instances = list(instances)
    round_years = dict(
        db.session.execute(
            select(Campaign.id, Campaign.fiscal_year).where(
                Campaign.id.in_([i.campaign_id for i in instances if i.campaign_id])
            )
        ).all()
    )
    return ProjectDetail(
        project,
        list(events),
        instances,
        list(rectifications),
        reported_lights([project]).get(project.id),
        {i.id: round_years.get(i.campaign_id, project.fiscal_year) for i in instances},
    )


def require_round_organiser(actor: User) -> None:
    """Rounds are the finance bureau's to launch and follow. Raises Forbidden."""
    if not may_start_on_behalf(actor):
        raise Forbidden(_l("Only the finance bureau starts and sees rounds."))


@dataclass
class RoundCounts:
    total: int = 0
    finished: int = 0


def round_counts(actor: User) -> dict[int, RoundCounts]:
    """Per round, how many submissions it has and how many are finished."""
    rows = db.session.execute(
        select(
            ProcessInstance.campaign_id,
            func.count(),
            func.sum((ProcessInstance.status == "completed").cast(db.Integer)),
        )
        .where(ProcessInstance.campaign_id.is_not(None), instance_visibility(actor))
        .group_by(ProcessInstance.campaign_id)
    )
    return {cid: RoundCounts(total, int(done or 0)) for cid, total, done in rows}


def round_submissions(actor: User, campaign_id: int) -> list[ProcessInstance]:
    """A round's submissions `actor` may see, by organisation and project code."""
    return list(
        db.session.scalars(
            select(ProcessInstance)
            .where(ProcessInstance.campaign_id == campaign_id, instance_visibility(actor))
            .order_by(ProcessInstance.org_path, ProcessInstance.round_item, ProcessInstance.id)
            .options(joinedload(ProcessInstance.org))
        )
    )
