"""季度绩效监控汇总分析: what finance hands the government after a monitoring round —
the warning lights by department and by 职能分类, each project's spending against the
quarter's time progress, and the corrections (纠偏) decided or still to decide.

Read from the round's submissions as `actor` may see them (finance all, a department its
own): each holds the report as filed and the lights the diagram's assessment computed
(performance/monitoring.py), so the summary counts what the units were told, not a
recomputation. A report not yet filed is counted as such, never as a light.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, ProcessInstance, Project, User
from app.models.instance import STATUS_RUNNING
from app.models.project import named_orgs
from app.models.task import status_label
from app.performance.monitoring import quarter_months
from app.services.documents.document import Document, Table
from app.services.foundation import document_format as fmt
from app.services.foundation.errors import NotFound
from app.services.registry.registry_views import round_submissions
from app.services.runtime.queries import open_tasks_of

PROCESS = "quarterly_monitoring"
LIGHTS = ("red", "yellow", "green", "blue")
UNCLASSIFIED = "（未归类）"


@dataclass
class ReportLine:
    """One project's report in the round, as far as it has got."""

    project: Project
    instance: ProcessInstance
    budget: float | None
    step: str

    @property
    def data(self) -> dict:
        return self.instance.data or {}

    @property
    def assessment(self) -> dict:
        value = self.data.get("assessment")
        return value if isinstance(value, dict) else {}

    @property
    def filed(self) -> bool:
        return bool(self.assessment)

    @property
    def spent(self) -> float | None:
        return _number(self.data.get("spent")) if self.filed else None

    @property
    def light(self) -> str | None:
        return self.assessment.get("project_light")

    @property
    def needs_correction(self) -> bool:
        return bool(self.assessment.get("needs_correction"))

    @property
    def decided(self) -> bool:
        """Finance passed the report with its correction decision (the diagram then
        records it in the registry); a decision typed on a report sent back is not one."""
        return self.data.get("finance_decision") == "pass" and bool(
            self.data.get("correction_decision")
        )


def monitoring_summary(actor: User, campaign_id: int) -> Document:
    """季度绩效监控汇总分析 of a monitoring round. Raises NotFound for a round that is not
    a quarterly monitoring one, or of which `actor` may see no submission."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.process_key != PROCESS or not campaign.quarter:
        raise NotFound(
            _l(
                "Monitoring round %(campaign_id)s does not exist or is not yours to see.",
                campaign_id=campaign_id,
            )
        )
    lines = _report_lines(actor, campaign)
    if not lines:
        raise NotFound(
            _l(
                "Monitoring round %(campaign_id)s does not exist or is not yours to see.",
                campaign_id=campaign_id,
            )
        )
    progress = quarter_months(campaign.quarter) / 12
    return Document(
        title="季度绩效监控汇总分析",
        subtitle=f"（{campaign.fiscal_year} 年第 {campaign.quarter} 季度）",
        filename=f"{campaign.fiscal_year}-Q{campaign.quarter}-绩效监控汇总分析",
        fields=_overview(campaign, lines, progress),
        tables=[
            Table(
                "一、预警情况（按部门）",
                (
                    "主管部门",
                    "项目数",
                    "已填报",
                    "红灯",
                    "黄灯",
                    "绿灯",
                    "蓝灯",
                    "调整预算（万元）",
                    "已填报项目支出（万元）",
                    "执行率",
                ),
                _grouped(lines, lambda line: (line.project.department.name,)),
                (18, 7, 7, 7, 7, 7, 7, 14, 14, 10),
            ),
            Table(
                "二、预警情况（按职能分类）",
                (
                    "职能分类",
                    "主管部门",
                    "项目数",
                    "已填报",
                    "红灯",
                    "黄灯",
                    "绿灯",
                    "蓝灯",
                    "调整预算（万元）",
                    "已填报项目支出（万元）",
                    "执行率",
                ),
                _grouped(
                    lines,
                    lambda line: (
                        line.project.department_function or UNCLASSIFIED,
                        line.project.department.name,
                    ),
                ),
                (14, 14, 6, 6, 6, 6, 6, 6, 13, 13, 10),
            ),
            Table(
                f"三、预算执行与序时进度（时间进度 {fmt.percent(progress)}）",
                (
                    "项目编码",
                    "项目名称",
                    "主管部门",
                    "调整预算（万元）",
                    "季末支出（万元）",
                    "执行率",
                    "达到序时进度",
                    "执行预警",
                    "项目预警",
                ),
                [_execution_row(line) for line in lines],
                (14, 18, 14, 12, 12, 10, 9, 9, 9),
            ),
            Table(
                "四、纠偏情况",
                (
                    "项目编码",
                    "项目名称",
                    "偏离情况",
                    "单位纠偏措施",
                    "财政纠偏决定",
                    "调减/收回（万元）",
                    "办理情况",
                ),
                [_correction_row(line) for line in lines if line.needs_correction or line.decided],
                (12, 14, 22, 20, 16, 10, 12),
            ),
        ],
        signatures=("编制单位（盖章）", "编制人", "审核人", "编制日期"),
        landscape=True,
    )


def _report_lines(actor: User, campaign: Campaign) -> list[ReportLine]:
    instances = [i for i in round_submissions(actor, campaign.id) if i.project_id is not None]
    projects = {
        p.id: p
        for p in db.session.scalars(
            select(Project)
            .options(*named_orgs())
            .where(Project.id.in_([i.project_id for i in instances]))
        )
    }
    steps = open_tasks_of([i.id for i in instances])
    lines = []
    for instance in instances:
        project = projects[instance.project_id]
        data = instance.data or {}
        budget = _number(data.get("adjusted_budget"))
        if budget is None:
            budget = _number(
                project.adjusted_amount
                if project.adjusted_amount is not None
                else project.approved_amount
            )
        step = "、".join(task.name for task in steps[instance.id]) or _ended(instance)
        lines.append(ReportLine(project, instance, budget, step))
    return sorted(lines, key=lambda line: (line.project.department.path, line.project.code))


def _ended(instance: ProcessInstance) -> str:
    return "" if instance.status == STATUS_RUNNING else status_label(instance.status)


def _overview(campaign: Campaign, lines: list[ReportLine], progress: float) -> list[tuple]:
    filed = [line for line in lines if line.filed]
    counts = {light: sum(1 for line in filed if line.light == light) for light in LIGHTS}
    budget = _sum(line.budget for line in filed)
    spent = _sum(line.spent for line in filed)
    rate = spent / budget if budget else None
    behind = sum(1 for line in filed if line.assessment.get("reaches_time_progress") is False)
    execution = f"已填报项目调整预算 {fmt.amount(budget)} 万元，支出 {fmt.amount(spent)} 万元"
    if rate is not None:
        execution += f"，执行率 {fmt.percent(rate)}（时间进度 {fmt.percent(progress)}）"
    return [
        ("监控轮次", campaign.name),
        ("时间进度", fmt.percent(progress)),
        (
            "纳入监控项目",
            f"{len(lines)} 个，已填报 {len(filed)} 个，未填报 {len(lines) - len(filed)} 个",
        ),
        ("预警情况", "，".join(f"{fmt.light(light)} {counts[light]} 个" for light in LIGHTS)),
        ("预算执行", execution),
        ("未达序时进度", f"{behind} 个项目"),
        (
            "纠偏",
            f"需纠偏 {sum(1 for line in lines if line.needs_correction)} 个，"
            f"财政已作纠偏决定 {sum(1 for line in lines if line.decided)} 个",
        ),
    ]


def _grouped(lines: list[ReportLine], key: Callable[[ReportLine], tuple]) -> list[tuple]:
    """One row per group (in the order the groups first appear) and the 合计 row."""
    groups: dict[tuple, list[ReportLine]] = {}
    for line in lines:
        groups.setdefault(key(line), []).append(line)
    width = len(next(iter(groups)))
    rows = [(*name, *_counts(members)) for name, members in groups.items()]
    return [*rows, ("合计", *([""] * (width - 1)), *_counts(lines))]


def _counts(lines: list[ReportLine]) -> tuple:
    filed = [line for line in lines if line.filed]
    filed_budget = _sum(line.budget for line in filed)
    spent = _sum(line.spent for line in filed)
    return (
        len(lines),
        len(filed),
        *(sum(1 for line in filed if line.light == light) for light in LIGHTS),
        fmt.amount(_sum(line.budget for line in lines)),
        fmt.amount(spent) if filed else "",
        fmt.percent(spent / filed_budget) if filed_budget else "",
    )


def _execution_row(line: ReportLine) -> tuple:
    if not line.filed:
        project = line.project
        return (
            project.code,
            project.name,
            project.department.name,
            fmt.amount(line.budget),
            "未填报",
            "",
            "",
            "",
            "",
        )
    reaches = line.assessment.get("reaches_time_progress")
    return (
        line.project.code,
        line.project.name,
        line.project.department.name,
        fmt.amount(line.budget),
        fmt.amount(line.spent),
        fmt.percent(line.assessment.get("execution_rate")),
        "" if reaches is None else ("是" if reaches else "否"),
        fmt.light(line.assessment.get("execution_light")),
        fmt.light(line.light),
    )


def _correction_row(line: ReportLine) -> tuple:
    data = line.data
    reasons = "；".join(
        str(reason.get("message"))
        for reason in line.assessment.get("correction_reasons") or []
        if isinstance(reason, dict) and reason.get("message")
    )
    measures = "；".join(
        fmt.text(data.get(name))
        for name in ("correction_reason", "correction_measures")
        if data.get(name)
    )
    decision = ""
    if line.decided:
        decision = fmt.text(data.get("correction_decision"))
        if data.get("correction_decision_reason"):
            decision += f"：{data['correction_decision_reason']}"
    return (
        line.project.code,
        line.project.name,
        reasons,
        measures,
        decision,
        fmt.amount(data.get("correction_amount")) if line.decided else "",
        _handling(line),
    )


def _handling(line: ReportLine) -> str:
    if line.decided:
        return "财政已决定"
    if line.instance.status == "running" and line.step:
        return f"待办：{line.step}"
    return line.step


def _number(value) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


def _sum(values: Iterable[float | None]) -> float:
    return sum(value for value in values if value is not None)
