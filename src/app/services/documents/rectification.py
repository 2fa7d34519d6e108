"""整改清单 and the accountability list (问责/通报): what the page, the printed list and
the API show of rectification items.

Who sees an item follows who sees its project (policy.project_visibility):
finance, the government and the congress every item, a department its own and its
units', a unit its own. An item is listed for accountability when it is past its 整改期限
and not closed, or when finance has failed it twice; the list names who set it and who
decided every verification.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import Project, RectificationItem, RectificationVerification, User
from app.models.project import named_orgs
from app.models.rectification import (
    RECTIFICATION_CLOSED,
    RECTIFICATION_STATUS_LABELS,
    RECTIFICATION_STATUSES,
    VERIFICATION_PASSED,
)
from app.performance.rectification_items import SOURCE_LABELS
from app.services.documents.document import Document, Table
from app.services.foundation.clock import now
from app.services.foundation.errors import stored_text
from app.services.foundation.policy import has_global_scope, project_visibility

# Failing finance's verification this many times puts an item on the accountability list.
FAILURES_FOR_ACCOUNTABILITY = 2
OVERDUE = "overdue"
FAILED_TWICE = "failed_twice"
GROUND_LABELS = {OVERDUE: "逾期未销号", FAILED_TWICE: "两次核实未通过"}
OUTCOME_LABELS = {VERIFICATION_PASSED: "核实通过"}
FAILED_LABEL = "未通过"
# A list is the whole filtered list; this only guards the server against a runaway.
LIST_LIMIT = 20_000


@dataclass
class RectificationFilters:
    fiscal_year: int | None = None
    status: str | None = None  # one of RECTIFICATION_STATUSES


@dataclass(frozen=True)
class Decision:
    """One verification: who decided it, when, and how."""

    at: datetime
    decided_by: str
    passed: bool
    reason: str | None
    username: str = ""

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[VERIFICATION_PASSED] if self.passed else FAILED_LABEL

    def __str__(self) -> str:
        text = f"{self.at:%Y-%m-%d} {self.decided_by}：{self.outcome_label}"
        return f"{text}（{self.reason}）" if self.reason else text


@dataclass
class RectificationRow:
    item: RectificationItem
    project: Project
    overdue: bool
    decisions: list[Decision] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(RECTIFICATION_STATUS_LABELS.get(self.item.status, self.item.status))

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.item.source, self.item.source)

    @property
    def set_by(self) -> str | None:
        return _name(self.item.created_by)

    @property
    def claimed_by(self) -> str | None:
        return _name(self.item.claimed_by)

    @property
    def verified_by(self) -> str | None:
        return _name(self.item.verified_by)

    @property
    def grounds(self) -> list[str]:
        """Why the item is on the accountability list (none: it is not)."""
        found = [OVERDUE] if self.overdue else []
        if (self.item.failures or 0) >= FAILURES_FOR_ACCOUNTABILITY:
            found.append(FAILED_TWICE)
        return found

    @property
    def ground_labels(self) -> list[str]:
        return [GROUND_LABELS[ground] for ground in self.grounds]


@dataclass
class RectificationList:
    rows: list[RectificationRow]
    accountability: list[RectificationRow]
    filters: RectificationFilters
    today: date

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.item.status == status)


def _name(user: User | None) -> str | None:
    return user.display_name if user is not None else None


def _visible(actor: User) -> Select:
    return (
        select(RectificationItem)
        .join(Project, Project.id == RectificationItem.project_id)
        .where(project_visibility(actor))
        .options(
            *named_orgs(joinedload(RectificationItem.project)),
            joinedload(RectificationItem.created_by),
            joinedload(RectificationItem.claimed_by),
            joinedload(RectificationItem.verified_by),
        )
    )


def _rows(items: list[RectificationItem], today: date) -> list[RectificationRow]:
    decisions: dict[int, list[Decision]] = {}
    if items:
        for verification in db.session.scalars(
            select(RectificationVerification)
            .where(RectificationVerification.item_id.in_([item.id for item in items]))
            .options(selectinload(RectificationVerification.decided_by))
            .order_by(RectificationVerification.at, RectificationVerification.id)
        ):
            decisions.setdefault(verification.item_id, []).append(
                Decision(
                    verification.at,
                    verification.decided_by.display_name,
                    verification.outcome == VERIFICATION_PASSED,
                    verification.reason,
                    verification.decided_by.username,
                )
            )
    return [
        RectificationRow(
            item,
            item.project,
            overdue=item.status != RECTIFICATION_CLOSED
            and item.due_date is not None
            and item.due_date < today,
            decisions=decisions.get(item.id, []),
        )
        for item in items
    ]


def rectification_list(actor: User, filters: RectificationFilters) -> RectificationList:
    """The items `actor` may see in the filtered year and status, and that year's
    accountability list (whatever the status filter: a closed item is on it no more)."""
    today = now().date()
    query = _visible(actor)
    if filters.fiscal_year is not None:
        query = query.where(Project.fiscal_year == filters.fiscal_year)
    ordered = query.order_by(Project.fiscal_year.desc(), Project.code, RectificationItem.id).limit(
        LIST_LIMIT
    )
    every = list(db.session.scalars(ordered))
    rows = _rows(every, today)
    accountability = [row for row in rows if row.grounds]
    if filters.status in RECTIFICATION_STATUSES:
        rows = [row for row in rows if row.item.status == filters.status]
    return RectificationList(rows, accountability, filters, today)


def rectification_years(actor: User) -> list[int]:
    """The fiscal years of the projects with items `actor` may see, newest first."""
    return list(
        db.session.scalars(
            select(Project.fiscal_year)
            .join(RectificationItem, RectificationItem.project_id == Project.id)
            .where(project_visibility(actor))
            .distinct()
            .order_by(Project.fiscal_year.desc())
        )
    )


def _scope_label(actor: User) -> str:
    if has_global_scope(actor):
        return "全县"
    return actor.org.name


def rectification_document(actor: User, filters: RectificationFilters) -> Document:
    """整改清单 with its accountability list, as printed and handed on (PDF, Excel)."""
    found = rectification_list(actor, filters)
    year = f"{filters.fiscal_year} 年度" if filters.fiscal_year is not None else "全部年度"
    label = RECTIFICATION_STATUS_LABELS.get(filters.status or "")
    status = stored_text(label) if label is not None else "全部状态"
    fields = [
        ("统计范围", _scope_label(actor)),
        ("筛选条件", f"{year} · {status}"),
        (
            "事项情况",
            f"共 {len(found.rows)} 项：整改中 {found.count('open')} 项，"
            f"待核实 {found.count('claimed')} 项，已销号 {found.count('closed')} 项",
        ),
        ("列入问责/通报", f"{len(found.accountability)} 项"),
        ("统计日期", found.today.isoformat()),
    ]
    items = Table(
        "整改事项",
        (
            "序号",
            "项目",
            "主管部门/实施单位",
            "来源",
            "整改问题及要求",
            "整改期限",
            "状态",
            "未通过",
            "销号核实",
        ),
        [
            (
                index,
                f"{row.project.code} {row.project.name}",
                f"{row.project.department.name}/{row.project.unit.name}",
                row.source_label,
                row.item.description,
                _day(row.item.due_date) + ("（逾期）" if row.overdue else ""),
                stored_text(RECTIFICATION_STATUS_LABELS.get(row.item.status, row.item.status)),
                row.item.failures or 0,
                _closing(row),
            )
            for index, row in enumerate(found.rows, start=1)
        ],
        (4, 15, 13, 7, 22, 12, 8, 6, 13),
    )
    accountable = Table(
        "问责/通报名单",
        (
            "序号",
            "项目",
            "主管部门",
            "整改问题及要求",
            "事由",
            "整改期限",
            "设定人",
            "核实记录（核实人、时间、结论）",
        ),
        [
            (
                index,
                f"{row.project.code} {row.project.name}",
                row.project.department.name,
                row.item.description,
                "、".join(row.ground_labels),
                _day(row.item.due_date),
                row.set_by or "",
                "\n".join(str(decision) for decision in row.decisions) or "无",
            )
            for index, row in enumerate(found.accountability, start=1)
        ],
        (4, 14, 10, 20, 10, 12, 12, 24),
    )
    suffix = filters.fiscal_year if filters.fiscal_year is not None else "全部"
    return Document(
        title="整改清单",
        subtitle=f"（{year}）",
        filename=f"整改清单-{suffix}",
        fields=fields,
        tables=[items, accountable],
        signatures=("编制单位（盖章）", "负责人", "经办人", "日期"),
    )


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def _closing(row: RectificationRow) -> str:
    if row.item.status != RECTIFICATION_CLOSED:
        return ""
    when = f"{row.item.closed_at:%Y-%m-%d}" if row.item.closed_at else ""
    return f"{row.verified_by or '（无核实记录）'} {when}".strip()
