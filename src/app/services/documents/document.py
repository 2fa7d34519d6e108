"""The official forms a finance bureau hands on, built from the registry and the
submissions behind it: what each says, before it is printed (document_render.py).

A document is laid out as practitioners know the national templates: a title, the year
and the unit, labelled fields, a ruled table of indicators, and the signature and date
lines at the foot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.models import ProcessDefinition, ProcessInstance, Project, User
from app.services.registry.registry_views import project_detail


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: list[tuple]
    # Relative column widths (the printed table fills the page width).
    widths: tuple[int, ...]


@dataclass
class Document:
    title: str
    subtitle: str
    filename: str  # without its extension
    fields: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    signatures: tuple[str, ...] = ()
    # Summaries with many columns print across the page (横版), as county summaries do.
    landscape: bool = False


INDICATOR_COLUMNS = ("一级指标", "二级指标", "三级指标", "指标值", "标准值", "分值")
INDICATOR_WIDTHS = (12, 16, 30, 16, 18, 8)


def _text(value) -> str:
    return "" if value is None else str(value)


def _amount(value) -> str:
    return "" if value is None else f"{float(value):,.2f}"


def _target(row: dict) -> str:
    sign = _text(row.get("sign"))
    target = _text(row.get("target"))
    unit = _text(row.get("unit"))
    if sign == "定性":
        return target
    return f"{sign}{target}{unit}"


def _points(value) -> str:
    return "" if value in (None, "") else f"{float(value):g}"


def indicator_rows(indicators: list | None) -> list[tuple]:
    return [
        (
            _text(row.get("level1")),
            _text(row.get("level2")),
            _text(row.get("name")),
            _target(row),
            _text(row.get("standard_value")),
            _points(row.get("points")),
        )
        for row in indicators or []
        if isinstance(row, dict)
    ]


def _compiled_submission(project: Project) -> dict:
    """What the unit filed at compilation for this project and year, when it was filed
    here (projects brought into the registry otherwise have only its figures)."""
    instance = db.session.scalar(
        select(ProcessInstance)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(
            ProcessInstance.project_id == project.id,
            ProcessDefinition.key == "budget_compilation",
        )
        .order_by(ProcessInstance.id.desc())
        .limit(1)
    )
    return dict(instance.data or {}) if instance is not None else {}


def project_targets(actor: User, project_id: int) -> Document:
    """项目支出绩效目标申报表 of a project and year, as approved (the registry's amount
    and indicators), with the goals and reasons the unit filed. Raises NotFound, also
    for a project outside `actor`'s scope."""
    project = project_detail(actor, project_id).project
    filed = _compiled_submission(project)
    amount = project.adjusted_amount if project.adjusted_amount is not None else None
    fields = [
        ("项目名称", project.name),
        ("项目编码", project.code),
        ("主管部门", project.department.name),
        ("实施单位", project.unit.name),
        ("项目性质", _text(project.nature or filed.get("nature"))),
        ("功能分类科目", _text(project.functional_category)),
        ("职能分类", _text(project.department_function)),
        ("资金来源", _text(project.funding_source)),
        ("专项资金", _text(project.special_fund)),
        ("申报金额（万元）", _amount(project.requested_amount)),
        ("批复金额（万元）", _amount(project.approved_amount)),
        ("调整后预算（万元）", _amount(amount)),
        ("实施期", _period(filed)),
        ("项目总目标", _text(filed.get("overall_goal"))),
        ("年度总体目标", _text(filed.get("annual_goal"))),
        ("项目内容", _text(filed.get("project_content"))),
        ("测算依据", _text(filed.get("cost_basis"))),
        ("保障措施", _text(filed.get("safeguards"))),
    ]
    return Document(
        title="项目支出绩效目标申报表",
        subtitle=f"（{project.fiscal_year} 年度）",
        filename=f"{project.code}-{project.fiscal_year}-绩效目标申报表",
        fields=[(label, value) for label, value in fields if value != ""],
        tables=[
            Table(
                "年度绩效指标",
                INDICATOR_COLUMNS,
                indicator_rows(project.indicators),
                INDICATOR_WIDTHS,
            )
        ],
        signatures=("填报单位（盖章）", "填报人", "联系电话", "填报日期", "主管部门审核意见"),
    )


def _period(filed: dict) -> str:
    start, end = filed.get("plan_start_date"), filed.get("plan_end_date")
    return f"{start} 至 {end}" if start and end else ""
