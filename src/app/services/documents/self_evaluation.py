"""项目支出绩效自评表: a project's year-end self-evaluation as the national template lays
it out — the money (年初预算数, 全年预算数 A, 全年执行数 B, 执行率, its 10 points), the
year's goals planned against achieved, each indicator's target, actual, points, score and
the reasons for a shortfall, then the total and the grade.

Everything comes from the project's annual_evaluation submission as the system scored it
(performance/scoring.py, run by the diagram's service task): the printed scores are the
ones the department and finance saw, never recomputed here.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import ProcessInstance, Project, User
from app.models.project import named_orgs
from app.services.documents.document import Document, Table
from app.services.foundation import document_format as fmt
from app.services.foundation.errors import NotFound
from app.services.foundation.policy import project_visibility

PROCESS = "annual_evaluation"
FUND_COLUMNS = (
    "资金",
    "年初预算数",
    "全年预算数（A）",
    "全年执行数（B）",
    "分值",
    "执行率（B/A）",
    "得分",
)
INDICATOR_COLUMNS = (
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
)


def self_evaluation_submission(project: Project) -> ProcessInstance | None:
    """The project's latest annual_evaluation submission once the department has filed
    its self-evaluation (the system's scoring is in its data); None before that."""
    instances = db.session.scalars(
        select(ProcessInstance)
        .where(ProcessInstance.project_id == project.id, ProcessInstance.process_key == PROCESS)
        .order_by(ProcessInstance.id.desc())
    )
    return next((i for i in instances if isinstance((i.data or {}).get("evaluation"), dict)), None)


def visible_project(actor: User, project_id: int) -> Project:
    """The project, when `actor` may see it. Raises NotFound otherwise."""
    project = db.session.scalar(
        select(Project)
        .options(*named_orgs())
        .where(Project.id == project_id, project_visibility(actor))
    )
    if project is None:
        raise NotFound(
            _l(
                "Project %(project_id)s does not exist or is not yours to see.",
                project_id=project_id,
            )
        )
    return project


def has_self_evaluation(project: Project) -> bool:
    return self_evaluation_submission(project) is not None


def project_self_evaluation(actor: User, project_id: int) -> Document:
    """项目支出绩效自评表 of a project and year. Raises NotFound for a project outside
    `actor`'s scope, and for one whose department has not filed its self-evaluation."""
    project = visible_project(actor, project_id)
    instance = self_evaluation_submission(project)
    if instance is None:
        raise NotFound(
            _l(
                "The self-evaluation of project %(code)s for %(fiscal_year)s "
                "has not been filed yet.",
                code=project.code,
                fiscal_year=project.fiscal_year,
            )
        )
    data = instance.data
    scored = data["evaluation"]
    fields = [
        ("项目名称", project.name),
        ("项目编码", project.code),
        ("主管部门", project.department.name),
        ("实施单位", project.unit.name),
        ("职能分类", fmt.text(project.department_function)),
        ("功能分类科目", fmt.text(project.functional_category)),
    ]
    return Document(
        title="项目支出绩效自评表",
        subtitle=f"（{project.fiscal_year} 年度）",
        filename=f"{project.code}-{project.fiscal_year}-绩效自评表",
        fields=[(label, value) for label, value in fields if value != ""],
        tables=[
            Table(
                "年度资金情况（万元）",
                FUND_COLUMNS,
                [_fund_row(data, scored)],
                (14, 12, 14, 14, 8, 12, 8),
            ),
            Table(
                "年度总体目标完成情况",
                ("预期目标", "实际完成情况"),
                [(fmt.text(data.get("planned_outputs")), fmt.text(data.get("actual_outputs")))],
                (1, 1),
            ),
            Table(
                "绩效指标完成情况",
                INDICATOR_COLUMNS,
                [*_indicator_rows(data, scored), _total_row(scored)],
                (9, 11, 15, 12, 11, 8, 8, 26),
            ),
            Table("评价结论", ("事项", "内容"), _conclusion(project, data, scored), (1, 4)),
        ],
        signatures=("填报单位（盖章）", "单位负责人", "填报人", "联系电话", "填报日期"),
    )


def _fund_row(data: dict, scored: dict) -> tuple:
    return (
        "年度资金总额",
        fmt.amount(data.get("approved_amount")),
        fmt.amount(data.get("adjusted_budget")),
        fmt.amount(data.get("spent")),
        fmt.points(scored.get("execution_points")),
        fmt.percent(scored.get("execution_rate")),
        fmt.points(scored.get("execution_score")),
    )


def _indicator_rows(data: dict, scored: dict) -> list[tuple]:
    """The scored rows, each with the reasons and measures the department wrote for it
    (the scoring keeps the submitted row, so both are on it)."""
    rows = []
    for row in scored.get("indicators") or []:
        if not isinstance(row, dict):
            continue
        reasons = [
            f"原因：{row['deviation_reason']}" if row.get("deviation_reason") else "",
            f"措施：{row['measures']}" if row.get("measures") else "",
        ]
        rows.append(
            (
                fmt.text(row.get("level1")),
                fmt.text(row.get("level2")),
                fmt.text(row.get("name")),
                fmt.target(row),
                fmt.actual(row),
                fmt.points(row.get("points")),
                fmt.points(row.get("score")),
                "；".join(r for r in reasons if r),
            )
        )
    return rows


def _total_row(scored: dict) -> tuple:
    return (
        "总分",
        "",
        "含预算执行率得分",
        "",
        "",
        fmt.points(scored.get("max_total")),
        fmt.points(scored.get("total")),
        f"自评等级：{fmt.text(scored.get('grade'))}",
    )


def _conclusion(project: Project, data: dict, scored: dict) -> list[tuple]:
    rows = [
        ("自评得分", f"{fmt.points(scored.get('total'))} 分"),
        ("自评等级", fmt.text(scored.get("grade"))),
        ("自评结论及问题、改进措施", fmt.text(data.get("evaluation_conclusion"))),
    ]
    if data.get("finance_opinion"):
        rows.append(("财政审核意见", fmt.text(data["finance_opinion"])))
    if project.grade:
        final = project.grade
        if project.score is not None:
            final += f"（{fmt.points(project.score)} 分）"
        rows.append(("财政评价等级", final))
    if project.next_year_tag:
        rows.append(("结果应用", project.next_year_tag))
    return rows
