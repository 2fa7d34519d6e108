"""Tracking (跟踪): where every submission is stuck, whose desk, since when, and late or not.

Finance sees everything; a department its own org subtree (policy.instance_visibility).
Counts come from the indexed columns of `task` and `process_instance`. Durations of
finished steps (median, 90th percentile) are computed in Python over the completed task
rows of the chosen process and version: a county has thousands of rows, not millions,
and this keeps the percentile rule identical on SQLite and PostgreSQL.

"Returned" (the league table's third column) means the submission was sent back at
least once: a completed step's decision was "return" (the code every shipped return
flow tests), or a step was opened again after it had been completed (a loop back in the
diagram, whatever its field names).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    AuditEvent,
    Campaign,
    Org,
    ProcessDefinition,
    ProcessInstance,
    Role,
    Task,
    User,
)
from app.models.task import TASK_COMPLETED, TASK_READY
from app.services.campaigns import CampaignProgress, campaign_progress
from app.services.clock import now
from app.services.errors import BadRequest, Forbidden
from app.services.exports import table_workbook
from app.services.policy import instance_visibility, may_start_on_behalf
from app.services.queries import open_tasks_of

RETURN_DECISIONS = ("return", "returned", "退回")
OPEN_STATUSES = ("running", "suspended")
STATUS_NAMES = {
    "running": "办理中",
    "completed": "已办结",
    "suspended": "已挂起",
    "terminated": "已终止",
}
LEAGUE_SORTS = ("open", "overdue", "returned")


def may_track(user: User) -> bool:
    """Finance follows every submission; a department those of its own subtree."""
    return may_start_on_behalf(user) or "budget_department" in user.role_codes


def require_can_track(user: User) -> None:
    if not may_track(user):
        raise Forbidden("只有财政部门和预算部门可以查看跟踪 (only finance and departments track)")


# --- the step table -------------------------------------------------------------------


@dataclass
class StepStat:
    process_key: str
    version: int
    activity_id: str
    name: str
    role: str
    open: int = 0
    overdue: int = 0
    oldest_since: datetime | None = None
    finished: int = 0
    median: timedelta | None = None
    p90: timedelta | None = None
    bottleneck: bool = False


def percentile(values: list[timedelta], share: float) -> timedelta | None:
    """Nearest-rank percentile: the smallest observed value with at least `share` of all
    values at or below it (p90 of 10 values is the 9th smallest). Always a real duration."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)), 1) - 1]


def median(values: list[timedelta]) -> timedelta | None:
    """The middle value; of an even count, the mean of the two middle ones."""
    return statistics.median(values) if values else None


@dataclass(frozen=True)
class Period:
    """Steps opened from `since` (inclusive) until `until` (exclusive); either may be open."""

    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.until <= self.since:
            raise BadRequest("时间段的结束须晚于开始 (the period must end after it starts)")

    @classmethod
    def of_days(cls, first: date | None, last: date | None) -> Period | None:
        """The steps opened from day `first` through day `last`, both included; None when
        neither is given (no narrowing)."""
        if first is None and last is None:
            return None
        return cls(
            since=datetime.combine(first, time.min) if first else None,
            until=datetime.combine(last + timedelta(days=1), time.min) if last else None,
        )


def _visible_tasks(
    actor: User,
    process: str | None,
    version: int | None,
    campaign_id: int | None = None,
    period: Period | None = None,
) -> Select:
    query = (
        select(Task)
        .join(ProcessInstance, ProcessInstance.id == Task.instance_id)
        .where(instance_visibility(actor))
    )
    if process:
        query = query.where(Task.process_key == process)
    if version is not None:
        query = query.where(ProcessInstance.version == version)
    if campaign_id is not None:
        query = query.where(ProcessInstance.campaign_id == campaign_id)
    if period and period.since:
        query = query.where(Task.created_at >= period.since)
    if period and period.until:
        query = query.where(Task.created_at < period.until)
    return query


def step_stats(
    actor: User,
    process: str | None = None,
    version: int | None = None,
    campaign_id: int | None = None,
    period: Period | None = None,
) -> list[StepStat]:
    """Per process, version and step: open, overdue, oldest waiting; for finished ones the
    median and p90 time spent. The step with most overdue (then most open) is flagged as
    each process version's bottleneck. Steps are listed in the order they first opened.
    A round (`campaign_id`) or a `period` in which the steps opened narrows it down."""
    at = now()
    base = _visible_tasks(actor, process, version, campaign_id, period)
    key_cols = (Task.process_key, ProcessInstance.version, Task.activity_id)
    order_rows = db.session.execute(
        base.with_only_columns(
            *key_cols, func.min(Task.name), func.min(Task.role_code), func.min(Task.created_at)
        ).group_by(*key_cols)
    ).all()
    stats: dict[tuple, StepStat] = {}
    for key, ver, activity, name, role, _first in sorted(
        order_rows, key=lambda r: (r[0], -r[1], r[5])
    ):
        stats[key, ver, activity] = StepStat(key, ver, activity, name, role)
    waiting = base.where(Task.status == TASK_READY).with_only_columns(
        *key_cols,
        func.count(),
        func.sum(case((Task.due_at < at, 1), else_=0)),
        func.min(Task.created_at),
    )
    for key, ver, activity, count, late, oldest in db.session.execute(waiting.group_by(*key_cols)):
        stat = stats[key, ver, activity]
        stat.open, stat.overdue, stat.oldest_since = count, int(late or 0), oldest
    done = base.where(Task.status == TASK_COMPLETED, Task.completed_at.is_not(None))
    for ident, finished, middle, p90 in _time_spent(done, key_cols):
        stats[ident].finished, stats[ident].median, stats[ident].p90 = finished, middle, p90
    worst: dict[tuple, StepStat] = {}
    for stat in stats.values():
        current = worst.get((stat.process_key, stat.version))
        if stat.open and (
            current is None or (stat.overdue, stat.open) > (current.overdue, current.open)
        ):
            worst[stat.process_key, stat.version] = stat
    for stat in worst.values():
        stat.bottleneck = True
    return list(stats.values())


def _time_spent(done: Select, key_cols: tuple) -> list[tuple]:
    """(step key, finished count, median, p90) per step of the finished tasks `done`.

    PostgreSQL computes them where the rows are (percentile_cont is the median's mean of
    the two middle values, percentile_disc the nearest rank), so a million finished
    steps never travel to Python; SQLite, a county's single-host store, sorts in Python
    by the same two rules.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", Task.completed_at - Task.created_at)
        rows = db.session.execute(
            done.with_only_columns(
                *key_cols,
                func.count(),
                func.percentile_cont(0.5).within_group(seconds),
                func.percentile_disc(0.9).within_group(seconds),
            ).group_by(*key_cols)
        )
        return [
            ((key, ver, activity), n, timedelta(seconds=float(mid)), timedelta(seconds=float(p90)))
            for key, ver, activity, n, mid, p90 in rows
        ]
    durations: dict[tuple, list[timedelta]] = {}
    for key, ver, activity, created, completed in db.session.execute(
        done.with_only_columns(*key_cols, Task.created_at, Task.completed_at)
    ):
        durations.setdefault((key, ver, activity), []).append(completed - created)
    return [
        (ident, len(values), median(values), percentile(values, 0.9))
        for ident, values in durations.items()
    ]


# --- the league table ------------------------------------------------------------------


@dataclass
class OrgRow:
    org_id: int
    org_name: str
    total: int
    open: int
    overdue: int
    returned: int


def returned_instances() -> Select:
    """Ids of submissions sent back at least once (the module docstring's rule)."""
    later, earlier = aliased(Task), aliased(Task)
    reopened = select(later.instance_id).join(
        earlier,
        (earlier.instance_id == later.instance_id)
        & (earlier.activity_id == later.activity_id)
        & (earlier.id != later.id)
        & (earlier.status == TASK_COMPLETED)
        & (earlier.completed_at <= later.created_at),
    )
    decided = select(AuditEvent.instance_id).where(
        AuditEvent.action == "completed",
        AuditEvent.details["decision"].as_string().in_(RETURN_DECISIONS),
    )
    return reopened.union(decided)


def _overdue_instances(at: datetime) -> Select:
    return select(Task.instance_id).where(Task.status == TASK_READY, Task.due_at < at)


def org_league(
    actor: User,
    process: str | None = None,
    version: int | None = None,
    sort: str = "overdue",
    campaign_id: int | None = None,
) -> list[OrgRow]:
    """Per organisation of the submissions: how many are open, overdue and were returned,
    sorted by `sort` (most first, then by name)."""
    at = now()
    is_open = ProcessInstance.status.in_(OPEN_STATUSES)
    query = (
        select(
            Org.id,
            Org.name,
            func.count(),
            func.sum(case((is_open, 1), else_=0)),
            func.sum(case((is_open & ProcessInstance.id.in_(_overdue_instances(at)), 1), else_=0)),
            func.sum(case((ProcessInstance.id.in_(returned_instances()), 1), else_=0)),
        )
        .join(Org, Org.id == ProcessInstance.org_id)
        .where(instance_visibility(actor))
        .group_by(Org.id, Org.name)
    )
    if process:
        query = query.where(ProcessInstance.process_key == process)
    if version is not None:
        query = query.where(ProcessInstance.version == version)
    if campaign_id is not None:
        query = query.where(ProcessInstance.campaign_id == campaign_id)
    rows = [
        OrgRow(oid, name, total, int(o or 0), int(late or 0), int(back or 0))
        for oid, name, total, o, late, back in db.session.execute(query)
    ]
    column = sort if sort in LEAGUE_SORTS else "overdue"
    return sorted(rows, key=lambda r: (-getattr(r, column), r.org_name))


@dataclass
class Dashboard:
    steps: list[StepStat]
    league: list[OrgRow]
    round: CampaignProgress | None = None  # submitted vs not yet, by department


def tracking_dashboard(
    actor: User,
    process: str | None = None,
    version: int | None = None,
    sort: str = "overdue",
    campaign_id: int | None = None,
) -> Dashboard:
    """The step table and the league table of what `actor` may see, for one round when
    `campaign_id` is given (then with the round's progress by department too). Raises
    Forbidden for anyone but finance and departments."""
    require_can_track(actor)
    return Dashboard(
        step_stats(actor, process, version, campaign_id),
        org_league(actor, process, version, sort, campaign_id),
        campaign_progress(actor, campaign_id) if campaign_id is not None else None,
    )


# --- the filterable list ---------------------------------------------------------------


@dataclass
class SubmissionFilter:
    process: str | None = None
    version: int | None = None
    campaign_id: int | None = None
    fiscal_year: int | None = None
    status: str | None = None
    activity: str | None = None
    role: str | None = None
    org_id: int | None = None
    assignee: str | None = None  # a username
    overdue: bool = False
    waited_days: int | None = None
    text: str | None = None


@dataclass
class SubmissionRow:
    instance: ProcessInstance
    current: list[Task]
    campaign: Campaign | None
    waiting_since: datetime | None
    overdue: bool


@dataclass
class SubmissionPage:
    rows: list[SubmissionRow]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(math.ceil(self.total / self.per_page), 1)


def _waiting_since():
    return (
        select(func.min(Task.created_at))
        .where(Task.instance_id == ProcessInstance.id, Task.status == TASK_READY)
        .correlate(ProcessInstance)
        .scalar_subquery()
    )


def _nearest_due():
    return (
        select(func.min(Task.due_at))
        .where(Task.instance_id == ProcessInstance.id, Task.status == TASK_READY)
        .correlate(ProcessInstance)
        .scalar_subquery()
    )


SUBMISSION_SORTS = {
    "waiting": lambda: _waiting_since().asc().nulls_last(),
    "-waiting": lambda: _waiting_since().desc().nulls_last(),
    "due": lambda: _nearest_due().asc().nulls_last(),
    "-due": lambda: _nearest_due().desc().nulls_last(),
    "started": lambda: ProcessInstance.started_at.asc(),
    "-started": lambda: ProcessInstance.started_at.desc(),
    "title": lambda: ProcessInstance.title.asc(),
    "-title": lambda: ProcessInstance.title.desc(),
    "id": lambda: ProcessInstance.id.asc(),
    "-id": lambda: ProcessInstance.id.desc(),
}


def _filtered(actor: User, f: SubmissionFilter) -> Select:
    at = now()
    query = select(ProcessInstance).where(instance_visibility(actor))
    if f.process:
        query = query.where(ProcessInstance.process_key == f.process)
    if f.version is not None:
        query = query.where(ProcessInstance.version == f.version)
    if f.campaign_id is not None:
        query = query.where(ProcessInstance.campaign_id == f.campaign_id)
    if f.fiscal_year is not None:
        query = query.where(
            ProcessInstance.campaign_id.in_(
                select(Campaign.id).where(Campaign.fiscal_year == f.fiscal_year)
            )
        )
    if f.status:
        query = query.where(ProcessInstance.status == f.status)
    if f.org_id is not None:
        org = db.session.get(Org, f.org_id)
        if org is None:
            raise BadRequest(f"单位 {f.org_id} 不存在 (no such org)")
        query = query.where(ProcessInstance.org_path.startswith(org.path))
    if f.text and f.text.strip():
        query = query.where(ProcessInstance.title.icontains(f.text.strip(), autoescape=True))
    if f.activity or f.role or f.assignee or f.overdue or f.waited_days is not None:
        # One open task must meet every task condition at once (e.g. late at this step).
        open_task = select(Task.instance_id).where(Task.status == TASK_READY)
        if f.activity:
            open_task = open_task.where(Task.activity_id == f.activity)
        if f.role:
            open_task = open_task.where(Task.role_code == f.role)
        if f.assignee:
            holder = select(User.id).where(User.username == f.assignee)
            open_task = open_task.where(Task.assignee_id.in_(holder))
        if f.overdue:
            open_task = open_task.where(Task.due_at < at)
        if f.waited_days is not None:
            # More days than the calendar holds waited since before any date: nothing.
            days = min(f.waited_days, (at - datetime.min).days)
            open_task = open_task.where(Task.created_at < at - timedelta(days=days))
        query = query.where(ProcessInstance.id.in_(open_task))
    return query


def search_submissions(
    actor: User,
    filters: SubmissionFilter,
    sort: str = "waiting",
    page: int = 1,
    per_page: int | None = 50,
) -> SubmissionPage:
    """The submissions matching every filter, sorted and paged (per_page None: all of them,
    which is what the Excel export takes, so it holds exactly the filtered rows)."""
    require_can_track(actor)
    query = _filtered(actor, filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = SUBMISSION_SORTS.get(sort, SUBMISSION_SORTS["waiting"])()
    query = query.order_by(order, ProcessInstance.id.desc())
    page = max(page, 1)
    if per_page:
        query = query.limit(per_page).offset((page - 1) * per_page)
    instances = list(db.session.scalars(query).unique())
    current = open_tasks_of([i.id for i in instances])
    campaign_ids = {i.campaign_id for i in instances if i.campaign_id}
    campaigns = (
        {c.id: c for c in db.session.scalars(select(Campaign).where(Campaign.id.in_(campaign_ids)))}
        if campaign_ids
        else {}
    )
    at = now()
    rows = [
        SubmissionRow(
            instance=i,
            current=current[i.id],
            campaign=campaigns.get(i.campaign_id),
            waiting_since=min((t.created_at for t in current[i.id]), default=None),
            overdue=any(t.due_at is not None and t.due_at < at for t in current[i.id]),
        )
        for i in instances
    ]
    return SubmissionPage(rows, total, page, per_page or max(total, 1))


# --- what the filters offer ------------------------------------------------------------


@dataclass
class FilterChoices:
    processes: list[tuple[str, str]]
    versions: list[int]
    campaigns: list[Campaign]
    years: list[int]
    orgs: list[Org]
    roles: list[Role]
    steps: list[tuple[str, str]]


def filter_choices(actor: User, process: str | None = None) -> FilterChoices:
    """The values the tracking filters offer `actor`: only orgs of their own subtree."""
    definitions = list(
        db.session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key))
    )
    names: dict[str, str] = {}
    for d in definitions:
        names.setdefault(d.key, d.name)
    versions = sorted({d.version for d in definitions if d.key == process}) if process else []
    orgs = select(Org).order_by(Org.path)
    if not may_start_on_behalf(actor):
        orgs = orgs.where(Org.path.startswith(actor.org.path))
    steps = (
        select(Task.activity_id, func.min(Task.name))
        .group_by(Task.activity_id)
        .order_by(func.min(Task.created_at))
    )
    if process:
        steps = steps.where(Task.process_key == process)
    campaigns = list(db.session.scalars(select(Campaign).order_by(Campaign.launched_at.desc())))
    return FilterChoices(
        processes=sorted(names.items()),
        versions=versions,
        campaigns=campaigns,
        years=sorted({c.fiscal_year for c in campaigns}, reverse=True),
        orgs=list(db.session.scalars(orgs)),
        roles=list(db.session.scalars(select(Role).order_by(Role.code))),
        steps=[(a, n) for a, n in db.session.execute(steps)],
    )


def role_names() -> dict[str, str]:
    return dict(db.session.execute(select(Role.code, Role.name)).all())


# --- the Excel export ------------------------------------------------------------------

SUBMISSION_HEADERS = (
    "编号",
    "流程",
    "版本",
    "轮次",
    "标题",
    "单位",
    "状态",
    "当前环节",
    "角色",
    "办理人",
    "停留起始",
    "截止时间",
    "是否逾期",
    "已停留（天）",
)
WIDTHS = (8, 16, 6, 24, 36, 18, 8, 18, 14, 18, 18, 18, 8, 12)


def submission_cells(row: SubmissionRow, roles: dict[str, str], zone: ZoneInfo) -> list:
    """One list row as the workbook holds it: parallel steps joined with "；", times local."""
    at = now()

    def local(value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)

    tasks = row.current
    due = min((t.due_at for t in tasks if t.due_at), default=None)
    return [
        row.instance.id,
        row.instance.definition.name,
        row.instance.version,
        row.campaign.name if row.campaign else None,
        row.instance.title,
        row.instance.org.name,
        STATUS_NAMES.get(row.instance.status, row.instance.status),
        "；".join(t.name for t in tasks) or None,
        "；".join(roles.get(t.role_code, t.role_code) for t in tasks) or None,
        "；".join(t.assignee.display_name if t.assignee else "未认领" for t in tasks) or None,
        local(row.waiting_since),
        local(due),
        "是" if row.overdue else "否",
        (at - row.waiting_since).days if row.waiting_since else None,
    ]


def submissions_workbook(rows: list[SubmissionRow]) -> bytes:
    """The filtered list as .xlsx bytes; Chinese headers whatever the page language."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")
    roles = role_names()
    times = {10: "yyyy-mm-dd hh:mm", 11: "yyyy-mm-dd hh:mm"}
    cells = (submission_cells(row, roles, zone) for row in rows)
    return table_workbook("提交跟踪", SUBMISSION_HEADERS, cells, WIDTHS, times)
