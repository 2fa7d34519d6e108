"""绩效评价结果汇总: the year's evaluation results as finance reports them to the county
government and the congress — grades by department and by 职能分类, the money behind each
grade, and what next year's budget did with them (结果应用, BRIEF §4.4).

Grades and scores are the registry's (recorded by the annual_evaluation diagram); next
year's money is the same project code's row of the following year: its approved amount
once 批复 is recorded, else what 遴选排序 arranged, else nothing yet. A reader sees the
same projects the registry shows them (finance, government and congress all of them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Project, User
from app.models.project import PROJECT_APPROVED, PROJECT_EXCLUDED, named_orgs
from app.services.documents.document import Document, Table
from app.services.foundation import document_format as fmt
from app.services.foundation.errors import NotFound
from app.services.foundation.policy import project_visibility

GRADES = fmt.GRADES
UNGRADED = "未定级"
UNCLASSIFIED = "（未归类）"


@dataclass
class ResultLine:
    project: Project
    following: Project | None  # the same code next year
    # Next year's budget is approved: a project without a row there got nothing.
    settled: bool = False

    @property
    def budget(self) -> float:
        p = self.project
        return float(p.adjusted_amount if p.adjusted_amount is not None else p.approved_amount or 0)

    @property
    def grade(self) -> str:
        return self.project.grade or UNGRADED

    @property
    def next_amount(self) -> float | None:
        """What next year holds for the project: 0 when it was excluded, None while
        nothing is arranged yet."""
        nxt = self.following
        if nxt is None:
            return 0.0 if self.settled else None
        if nxt.status == PROJECT_EXCLUDED:
            return 0.0
        if nxt.status == PROJECT_APPROVED and nxt.approved_amount is not None:
            return float(nxt.approved_amount)
        return None if nxt.selected_amount is None else float(nxt.selected_amount)

    @property
    def next_words(self) -> str:
        nxt = self.following
        if nxt is None:
            return "未列入预算" if self.settled else "尚未安排"
        if nxt.status == PROJECT_EXCLUDED:
            return "不予安排"
        if nxt.status == PROJECT_APPROVED and nxt.approved_amount is not None:
            return f"批复 {fmt.amount(nxt.approved_amount)}"
        if nxt.selected_amount is not None:
            return f"遴选拟安排 {fmt.amount(nxt.selected_amount)}"
        return "尚未安排"


def evaluation_results(actor: User, fiscal_year: int) -> Document:
    """绩效评价结果汇总 of a year. Raises NotFound when `actor` may see no approved
    project of that year."""
    lines = _result_lines(actor, fiscal_year)
    if not lines:
        raise NotFound(_l("No project of %(fiscal_year)s to sum up.", fiscal_year=fiscal_year))
    following = fiscal_year + 1
    return Document(
        title="绩效评价结果汇总",
        subtitle=f"（{fiscal_year} 年度）",
        filename=f"{fiscal_year}-绩效评价结果汇总",
        fields=_overview(lines, fiscal_year),
        tables=[
            Table(
                "一、评价等级（按部门）",
                (
                    "主管部门",
                    "项目数",
                    "已评价",
                    *GRADES,
                    "平均得分",
                    f"{fiscal_year}年预算（万元）",
                ),
                _grouped(lines, lambda line: (line.project.department.name,)),
                (20, 8, 8, 6, 6, 6, 6, 10, 14),
            ),
            Table(
                "二、评价等级（按职能分类）",
                (
                    "职能分类",
                    "主管部门",
                    "项目数",
                    "已评价",
                    *GRADES,
                    "平均得分",
                    f"{fiscal_year}年预算（万元）",
                ),
                _grouped(
                    lines,
                    lambda line: (
                        line.project.department_function or UNCLASSIFIED,
                        line.project.department.name,
                    ),
                ),
                (16, 16, 8, 8, 6, 6, 6, 6, 10, 14),
            ),
            Table(
                "三、资金按评价等级分布",
                (
                    "评价等级",
                    "项目数",
                    f"{fiscal_year}年预算（万元）",
                    "占比",
                    "全年执行（万元）",
                    f"{following}年安排（万元）",
                    "增减（万元）",
                ),
                _by_grade(lines),
                (10, 8, 14, 10, 14, 14, 12),
            ),
            Table(
                f"四、评价结果应用（{following} 年度预算安排）",
                (
                    "项目编码",
                    "项目名称",
                    "主管部门",
                    "得分",
                    "等级",
                    "结果应用",
                    f"{fiscal_year}年预算（万元）",
                    f"{following}年安排（万元）",
                    "增减（万元）",
                ),
                [*(_application_row(line) for line in lines), _application_total(lines)],
                (14, 18, 14, 7, 6, 11, 13, 17, 11),
            ),
        ],
        signatures=("编制单位（盖章）", "编制人", "审核人", "编制日期"),
        landscape=True,
    )


def _result_lines(actor: User, fiscal_year: int) -> list[ResultLine]:
    projects = list(
        db.session.scalars(
            select(Project)
            .options(*named_orgs())
            .where(
                Project.fiscal_year == fiscal_year,
                Project.status == PROJECT_APPROVED,
                project_visibility(actor),
            )
        )
    )
    codes = [p.code for p in projects]
    following = {
        p.code: p
        for p in db.session.scalars(
            select(Project).where(
                Project.fiscal_year == fiscal_year + 1,
                Project.code.in_(codes),
                project_visibility(actor),
            )
        )
    }
    settled = _approved_year(fiscal_year + 1)
    lines = [ResultLine(p, following.get(p.code), settled) for p in projects]
    return sorted(lines, key=lambda line: (line.project.department.path, line.project.code))


def _approved_year(fiscal_year: int) -> bool:
    """Whether the year's budget has been approved (批复 recorded for any project): from
    then on, a project missing from it was not funded rather than not yet decided."""
    return (
        db.session.scalar(
            select(Project.id)
            .where(Project.fiscal_year == fiscal_year, Project.status == PROJECT_APPROVED)
            .limit(1)
        )
        is not None
    )


def _overview(lines: list[ResultLine], fiscal_year: int) -> list[tuple]:
    graded = [line for line in lines if line.project.grade]
    grades = "，".join(f"{g} {sum(1 for line in graded if line.grade == g)} 个" for g in GRADES)
    arranged = [line for line in graded if line.next_amount is not None]
    cut = sum(1 for line in arranged if 0 < line.next_amount < line.budget)
    cancelled = sum(1 for line in arranged if line.next_amount == 0)
    raised = sum(1 for line in arranged if line.next_amount > line.budget)
    return [
        ("报送", "县人民政府、县人民代表大会"),
        ("评价年度", f"{fiscal_year} 年"),
        ("纳入评价项目", f"{len(lines)} 个，已评价定级 {len(graded)} 个"),
        ("评价等级", grades),
        ("平均得分", _average(graded)),
        ("预算金额", f"{fmt.amount(sum(line.budget for line in lines))} 万元"),
        (
            f"{fiscal_year + 1} 年度预算安排",
            f"已定级项目中 {len(arranged)} 个已有安排：增加 {raised} 个，压减 {cut} 个，"
            f"取消 {cancelled} 个",
        ),
    ]


def _average(lines: list[ResultLine]) -> str:
    scores = [line.project.score for line in lines if line.project.score is not None]
    return fmt.points(sum(scores) / len(scores)) if scores else ""


def _grouped(lines: list[ResultLine], key: Callable[[ResultLine], tuple]) -> list[tuple]:
    groups: dict[tuple, list[ResultLine]] = {}
    for line in lines:
        groups.setdefault(key(line), []).append(line)
    width = len(next(iter(groups)))
    rows = [(*name, *_counts(members)) for name, members in groups.items()]
    return [*rows, ("合计", *([""] * (width - 1)), *_counts(lines))]


def _counts(lines: list[ResultLine]) -> tuple:
    graded = [line for line in lines if line.project.grade]
    return (
        len(lines),
        len(graded),
        *(sum(1 for line in graded if line.grade == g) for g in GRADES),
        _average(graded),
        fmt.amount(sum(line.budget for line in lines)),
    )


def _by_grade(lines: list[ResultLine]) -> list[tuple]:
    total = sum(line.budget for line in lines)
    rows = []
    for grade in (*GRADES, UNGRADED):
        members = [line for line in lines if line.grade == grade]
        rows.append((grade, *_money(members, total)))
    return [*rows, ("合计", *_money(lines, total))]


def _money(lines: list[ResultLine], total: float) -> tuple:
    budget = sum(line.budget for line in lines)
    spent = sum(float(line.project.spent or 0) for line in lines)
    arranged = [line for line in lines if line.next_amount is not None]
    following = sum(line.next_amount for line in arranged)
    change = following - sum(line.budget for line in arranged)
    return (
        len(lines),
        fmt.amount(budget),
        fmt.percent(budget / total) if total else "",
        fmt.amount(spent),
        fmt.amount(following) if arranged else "",
        _signed(change) if arranged else "",
    )


def _application_row(line: ResultLine) -> tuple:
    p = line.project
    change = None if line.next_amount is None else line.next_amount - line.budget
    return (
        p.code,
        p.name,
        p.department.name,
        fmt.points(p.score),
        line.grade,
        fmt.text(p.next_year_tag),
        fmt.amount(line.budget),
        line.next_words,
        "" if change is None else _signed(change),
    )


def _application_total(lines: list[ResultLine]) -> tuple:
    arranged = [line for line in lines if line.next_amount is not None]
    following = sum(line.next_amount for line in arranged)
    change = following - sum(line.budget for line in arranged)
    budget = fmt.amount(sum(line.budget for line in lines))
    return ("合计", "", "", "", "", "", budget, fmt.amount(following), _signed(change))


def _signed(value: float) -> str:
    """A change in words (增加 20.00, 减少 30.00, 持平): a leading sign would make a
    spreadsheet read the cell as a formula, so the workbook would have to quote it."""
    if abs(value) < 0.005:
        return "持平"
    return f"{'增加' if value > 0 else '减少'} {abs(value):,.2f}"
