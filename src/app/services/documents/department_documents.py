"""The department level's official forms: 部门整体支出绩效目标申报表 and 部门整体绩效自评报告,
built from the registry's department rows (models/department.py) and printed by
document_render.py like the project forms.

Each table that adds up ends with its 合计 row, so the printed form can be checked by
hand: the functions' amounts against the project total, the indicators' points against
the 90 they are scored out of, the projects' budget and spending against the report's
A and B.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import Project, User
from app.models.department import EVALUATION_STATUS_LABELS, TARGET_STATUS_LABELS
from app.models.project import PROJECT_EXCLUDED, named_orgs
from app.services.documents.document import Document, Table
from app.services.foundation import document_format as fmt
from app.services.foundation.errors import stored_text
from app.services.registry.departments import (
    visible_evaluation,
    visible_targets,
)

GRADES = fmt.GRADES
# The printed forms' one way of writing each kind of value (services/foundation/document_format.py).
_text, _amount, _points, _target = fmt.text, fmt.amount, fmt.points, fmt.target


def _sum(values) -> Decimal:
    return sum((Decimal(str(v)) for v in values if v not in (None, "")), Decimal(0))


def _when(value) -> str:
    """A stored time (naive UTC) as the county reads it: in its zone, never UTC's clock."""
    return fmt.county_time(value) if value else ""


def _actual(row: dict) -> str:
    if row.get("sign") == "定性":
        return _text(row.get("qualitative_result") or row.get("actual"))
    value = _text(row.get("actual"))
    return f"{value}{_text(row.get('unit'))}" if value else ""


def _grouped_projects(department_id: int, year: int) -> list[Project]:
    return list(
        db.session.scalars(
            select(Project)
            .options(*named_orgs())
            .where(
                Project.department_id == department_id,
                Project.fiscal_year == year,
                Project.status != PROJECT_EXCLUDED,
            )
            .order_by(Project.department_function, Project.code)
        )
    )


def department_targets_document(actor: User, department_id: int, fiscal_year: int) -> Document:
    """部门整体支出绩效目标申报表 of a department and year: the overall goal and its
    alignment with the county's goals, the functions with their amounts (合计 against the
    project total), their indicators (合计 of points) and the year's projects grouped
    under the functions. Raises NotFound, also for a department `actor` may not see."""
    targets = visible_targets(actor, department_id, fiscal_year)
    functions = targets.functions or []
    projects = _grouped_projects(targets.department_id, fiscal_year)
    per_function = Counter(p.department_function for p in projects)
    function_rows = [
        (
            str(index),
            _text(function.get("name")),
            _amount(function.get("amount")),
            _text(function.get("goal")),
            str(per_function.get(function.get("name"), 0)),
        )
        for index, function in enumerate(functions, start=1)
    ]
    function_rows.append(
        ("", "合计", _amount(_sum(f.get("amount") for f in functions)), "", str(len(projects)))
    )
    indicators = [
        (function.get("name"), row)
        for function in functions
        for row in function.get("indicators") or []
    ]
    indicator_rows = [
        (
            _text(name),
            _text(row.get("level1")),
            _text(row.get("level2")),
            _text(row.get("name")),
            _target(row),
            _points(row.get("points")),
        )
        for name, row in indicators
    ]
    indicator_rows.append(
        ("合计", "", "", "", "", _points(_sum(row.get("points") for _, row in indicators)))
    )
    project_rows = [
        (
            _text(p.department_function) or "（未归集）",
            p.code,
            p.name,
            p.unit.name,
            _amount(p.approved_amount if p.approved_amount is not None else p.requested_amount),
        )
        for p in projects
    ]
    fields = [
        ("部门名称", targets.department.name),
        ("预算年度", str(fiscal_year)),
        ("部门整体绩效目标", _text(targets.overall_goal)),
        ("与县政府年度施政目标的衔接", _text(targets.county_goal_alignment)),
        ("项目支出合计（万元）", _amount(targets.total_amount)),
        ("审核状态", stored_text(TARGET_STATUS_LABELS.get(targets.status, targets.status))),
        ("财政审核意见", _text(targets.finance_opinion)),
        (
            "批准",
            f"{targets.approved_by.display_name} {_when(targets.approved_at)}"
            if targets.approved_by
            else "",
        ),
    ]
    return Document(
        title="部门整体支出绩效目标申报表",
        subtitle=f"（{fiscal_year} 年度）",
        filename=f"{targets.department.code}-{fiscal_year}-部门整体支出绩效目标申报表",
        fields=[(label, value) for label, value in fields if value != ""],
        tables=[
            Table(
                "职能分类绩效目标",
                ("序号", "职能名称", "金额（万元）", "职能分类绩效目标", "归集项目数"),
                function_rows,
                (6, 16, 14, 50, 12),
            ),
            Table(
                "职能分类绩效指标",
                ("所属职能", "一级指标", "二级指标", "三级指标", "指标值", "分值"),
                indicator_rows,
                (14, 12, 16, 26, 18, 8),
            ),
            Table(
                "按职能归集的项目",
                ("所属职能", "项目编码", "项目名称", "实施单位", "金额（万元）"),
                project_rows,
                (16, 16, 30, 20, 14),
            ),
        ],
        signatures=("部门（盖章）", "填报人", "联系电话", "填报日期", "财政部门审核意见"),
    )


def department_evaluation_document(actor: User, department_id: int, fiscal_year: int) -> Document:
    """部门整体绩效自评报告 of a department and year: results against the overall and
    functional targets, the indicators' scores, the projects' grades rolled up (counts
    by grade, 合计 of budget and spending), finance's opinion and the delivery to the
    county government. Raises NotFound, also for a department `actor` may not see."""
    report = visible_evaluation(actor, department_id, fiscal_year)
    targets = report.targets
    functions = report.function_results or []
    function_rows = [
        (
            _text(row.get("name")),
            _amount(row.get("target_amount")),
            _amount(row.get("budget")),
            _amount(row.get("spent")),
            _text(row.get("result")),
        )
        for row in functions
    ]
    function_rows.append(
        (
            "合计",
            _amount(_sum(r.get("target_amount") for r in functions)),
            _amount(_sum(r.get("budget") for r in functions)),
            _amount(_sum(r.get("spent") for r in functions)),
            "",
        )
    )
    indicators = report.indicator_results or []
    indicator_rows = [
        (
            _text(row.get("function_name")),
            _text(row.get("name")),
            _target(row),
            _actual(row),
            _points(row.get("points")),
            _points(row.get("score")),
            _text(row.get("deviation_reason")),
        )
        for row in indicators
    ]
    indicator_rows.append(
        (
            "合计",
            "",
            "",
            "",
            _points(_sum(r.get("points") for r in indicators)),
            _points(_sum(r.get("score") for r in indicators)),
            "",
        )
    )
    projects = report.project_grades or []
    project_rows = [
        (
            _text(p.get("code")),
            _text(p.get("name")),
            _text(p.get("function")),
            _amount(p.get("budget")),
            _amount(p.get("spent")),
            _points(p.get("score")),
            _text(p.get("grade")) or "未评",
        )
        for p in projects
    ]
    counts = Counter(p.get("grade") for p in projects)
    project_rows.append(
        (
            "合计",
            f"{len(projects)} 个项目",
            "　".join(f"{grade} {counts.get(grade, 0)}" for grade in GRADES),
            _amount(_sum(p.get("budget") for p in projects)),
            _amount(_sum(p.get("spent") for p in projects)),
            "",
            "",
        )
    )
    rate = (
        fmt.percent(float(report.spent_total) / float(report.budget_total))
        if report.budget_total
        else ""
    )
    fields = [
        ("部门名称", report.department.name),
        ("评价年度", str(fiscal_year)),
        ("部门整体绩效目标", _text(targets.overall_goal if targets else "")),
        ("整体目标完成情况", _text(report.overall_result)),
        ("全年预算数 A（万元）", _amount(report.budget_total)),
        ("全年执行数 B（万元）", _amount(report.spent_total)),
        ("预算执行率", rate),
        ("自评得分", _points(report.score)),
        ("自评等级", _text(report.grade)),
        ("自评结论、存在问题及整改措施", _text(report.conclusion)),
        ("状态", stored_text(EVALUATION_STATUS_LABELS.get(report.status, report.status))),
        ("财政审核意见", _text(report.finance_opinion)),
        ("报送县政府时间", _when(report.delivered_at)),
        ("县政府阅知时间", _when(report.government_read_at)),
        ("县政府阅知意见", _text(report.government_comment)),
    ]
    return Document(
        title="部门整体绩效自评报告",
        subtitle=f"（{fiscal_year} 年度）",
        filename=f"{report.department.code}-{fiscal_year}-部门整体绩效自评报告",
        fields=[(label, value) for label, value in fields if value != ""],
        tables=[
            Table(
                "职能分类绩效目标完成情况",
                (
                    "职能名称",
                    "目标金额（万元）",
                    "归集项目预算（万元）",
                    "归集项目执行（万元）",
                    "完成情况",
                ),
                function_rows,
                (14, 14, 14, 14, 44),
            ),
            Table(
                "绩效指标完成情况",
                ("所属职能", "三级指标", "指标值", "实际完成值", "分值", "得分", "偏差原因"),
                indicator_rows,
                (12, 20, 14, 14, 8, 8, 24),
            ),
            Table(
                "项目评价等级汇总",
                (
                    "项目编码",
                    "项目名称",
                    "所属职能",
                    "预算（万元）",
                    "执行（万元）",
                    "得分",
                    "等级",
                ),
                project_rows,
                (14, 22, 18, 13, 13, 8, 8),
            ),
        ],
        signatures=("部门负责人", "填报人", "填报日期", "财政部门审核意见"),
    )
