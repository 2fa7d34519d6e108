"""The submissions finance and departments track (跟踪), one row each: the filterable
list with its sorts, what the filters offer, and the list as an Excel workbook. Read from
the indexed columns of `task` and `process_instance`, like the step table and the league
(dashboard.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import aliased, joinedload

from app.extensions import db
from app.models import (
    Campaign,
    Org,
    ProcessDefinition,
    ProcessInstance,
    Role,
    Task,
    User,
)
from app.models.org import role_label
from app.models.task import TASK_READY, status_label
from app.services.foundation.clock import now
from app.services.foundation.errors import BadRequest
from app.services.foundation.exports import table_workbook
from app.services.foundation.policy import (
    instance_visibility,
    may_start_on_behalf,
    require_can_track,
)
from app.services.runtime.definitions import compiled
from app.services.runtime.queries import open_tasks_of

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


# Sorted by a date of the submission's open tasks: those holding one come first, by
# their earliest open task's date; the others (finished, or waiting on nothing) follow,
# newest first. Column, descending.
BY_OPEN_TASK = {
    "waiting": ("created_at", False),
    "-waiting": ("created_at", True),
    "due": ("due_at", False),
    "-due": ("due_at", True),
}
SUBMISSION_SORTS = {
    "started": lambda: ProcessInstance.started_at.asc(),
    "-started": lambda: ProcessInstance.started_at.desc(),
    "title": lambda: ProcessInstance.title.asc(),
    "-title": lambda: ProcessInstance.title.desc(),
    "id": lambda: ProcessInstance.id.asc(),
    "-id": lambda: ProcessInstance.id.desc(),
}


def _page_by_open_task(
    query: Callable[[], Select], column: str, descending: bool, limit: int | None, offset: int
) -> list[ProcessInstance]:
    """A page of `query()`'s submissions sorted as BY_OPEN_TASK says.

    Each submission is joined to its first open task by `column` (NULLs last, then by
    id), so the database walks the open tasks' index in date order and stops at the
    page's end, instead of working out a date for each of a million submissions.
    """

    def holding() -> Select:
        lead, other = aliased(Task), aliased(Task)
        mine, theirs = getattr(lead, column), getattr(other, column)
        earlier = (theirs < mine) | ((theirs == mine) & (other.id < lead.id))
        earlier |= mine.is_(None) & (
            theirs.is_not(None) | (theirs.is_(None) & (other.id < lead.id))
        )
        first = ~exists().where(
            other.instance_id == lead.instance_id, other.status == TASK_READY, earlier
        )
        key = mine.desc() if descending else mine.asc()
        return (
            query()
            .join(lead, lead.instance_id == ProcessInstance.id)
            .where(lead.status == TASK_READY, first)
            .order_by(key.nulls_last(), ProcessInstance.id.desc())
        )

    found = _sliced(holding(), limit, offset)
    if limit is not None and len(found) == limit:
        return found
    # The page runs past the submissions holding an open task: the rest, newest first.
    if found or not offset:
        skip = 0
    else:
        counted = holding().order_by(None).with_only_columns(func.count())
        skip = offset - (db.session.scalar(counted) or 0)
    idle = (
        query()
        .where(~exists().where(Task.instance_id == ProcessInstance.id, Task.status == TASK_READY))
        .order_by(ProcessInstance.id.desc())
    )
    return found + _sliced(idle, None if limit is None else limit - len(found), skip)


def _sliced(query: Select, limit: int | None, offset: int) -> list[ProcessInstance]:
    if limit is not None:
        query = query.limit(limit)
    query = query.offset(max(offset, 0)).options(
        joinedload(ProcessInstance.org), joinedload(ProcessInstance.definition)
    )
    return list(db.session.scalars(query))


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
            raise BadRequest(_l("There is no organisation %(org_id)s.", org_id=f.org_id))
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

    # Each statement its own rows (see services/runtime/queries.py's arm_rows).
    def query() -> Select:
        return _filtered(actor, filters)

    total = db.session.scalar(select(func.count()).select_from(query().subquery())) or 0
    page = max(page, 1)
    offset = (page - 1) * per_page if per_page else 0
    if sort in SUBMISSION_SORTS:
        ordered = query().order_by(SUBMISSION_SORTS[sort](), ProcessInstance.id.desc())
        instances = _sliced(ordered, per_page, offset)
    else:
        column, descending = BY_OPEN_TASK.get(sort, BY_OPEN_TASK["waiting"])
        instances = _page_by_open_task(query, column, descending, per_page, offset)
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
    drawn = [d for d in definitions if d.key == process] if process else definitions
    campaigns = list(db.session.scalars(select(Campaign).order_by(Campaign.launched_at.desc())))
    return FilterChoices(
        processes=sorted(names.items()),
        versions=versions,
        campaigns=campaigns,
        years=sorted({c.fiscal_year for c in campaigns}, reverse=True),
        orgs=list(db.session.scalars(orgs)),
        roles=list(db.session.scalars(select(Role).order_by(Role.code))),
        steps=_drawn_steps(drawn),
    )


def _drawn_steps(definitions: list[ProcessDefinition]) -> list[tuple[str, str]]:
    """Every user task of these deployed diagrams, in the diagram's order, named as the
    newest version names it: read from the compiled processes (cached per version), not
    from a million task rows."""
    steps: dict[str, str] = {}
    for definition in sorted(definitions, key=lambda d: (d.key, -d.version)):
        for spec in compiled(definition).user_tasks.values():
            steps.setdefault(spec.id, spec.name)
    return list(steps.items())


def role_names() -> dict[str, str]:
    """Role code -> the name people read, in their language (models/org.py role_label)."""
    return {
        code: role_label(code, name)
        for code, name in db.session.execute(select(Role.code, Role.name)).all()
    }


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
        status_label(row.instance.status),
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
