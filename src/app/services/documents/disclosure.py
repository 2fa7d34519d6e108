"""信息公开: finance chooses which of a year's evaluation reports are published — the
departments' 整体绩效评价报告 and the 重点绩效评价报告 of key evaluations — and the
disclosure list (公开目录) prints what was chosen.

The choice is one small record per year in the `setting` table (what was ticked, by whom,
when): choosing again replaces it. The candidates are read from the registry and the task
table: the departments owning the year's approved projects, and the projects whose
annual_evaluation submission went through a key-evaluation step. The published list is
public by nature, so everyone signed in may print it; only finance chooses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import Org, ProcessInstance, Project, Setting, Task, User
from app.models.project import PROJECT_APPROVED, named_orgs
from app.models.task import TASK_COMPLETED
from app.services.documents.document import Document, Table
from app.services.foundation import document_format as fmt
from app.services.foundation.clock import now
from app.services.foundation.errors import NotFound, ValidationFailed
from app.services.foundation.policy import require_can_choose_disclosure
from app.services.foundation.transaction import transactional

PROCESS = "annual_evaluation"
KEY_STEPS = ("key_evaluation_finance", "key_evaluation_expert")
DEPARTMENT_REPORT = "整体绩效评价报告"
KEY_REPORT = "重点绩效评价报告"


def setting_key(fiscal_year: int) -> str:
    return f"disclosure-{fiscal_year}"


@dataclass
class KeyEvaluation:
    """A project of the year that finance (or the expert it named) evaluated in depth."""

    project: Project
    task: Task  # the completed key-evaluation step

    @property
    def opinion(self) -> str:
        return fmt.text((self.task.data or {}).get("key_opinion"))

    @property
    def result(self) -> str:
        if not self.project.grade:
            return "评价中"
        score = self.project.score
        return self.project.grade + (f"（{fmt.points(score)} 分）" if score is not None else "")

    def report_name(self, fiscal_year: int) -> str:
        return f"{self.project.name}项目{fiscal_year}年度{KEY_REPORT}"


@dataclass
class DisclosureChoices:
    fiscal_year: int
    departments: list[Org] = field(default_factory=list)
    key_evaluations: list[KeyEvaluation] = field(default_factory=list)
    chosen_departments: set[int] = field(default_factory=set)
    chosen_projects: set[int] = field(default_factory=set)
    chosen_by: str | None = None
    chosen_at: str | None = None

    @property
    def published_departments(self) -> list[Org]:
        return [d for d in self.departments if d.id in self.chosen_departments]

    @property
    def published_key_evaluations(self) -> list[KeyEvaluation]:
        return [k for k in self.key_evaluations if k.project.id in self.chosen_projects]


def _candidates(fiscal_year: int) -> DisclosureChoices:
    owning = select(Project.department_id).where(
        Project.fiscal_year == fiscal_year, Project.status == PROJECT_APPROVED
    )
    departments = list(db.session.scalars(select(Org).where(Org.id.in_(owning)).order_by(Org.path)))
    rows = db.session.execute(
        select(Project, Task)
        .options(*named_orgs())
        .join(ProcessInstance, ProcessInstance.project_id == Project.id)
        .join(Task, Task.instance_id == ProcessInstance.id)
        .where(
            Project.fiscal_year == fiscal_year,
            ProcessInstance.process_key == PROCESS,
            Task.activity_id.in_(KEY_STEPS),
            Task.status == TASK_COMPLETED,
        )
        .order_by(Task.completed_at.desc(), Task.id.desc())
    ).all()
    latest: dict[int, KeyEvaluation] = {}
    for project, task in rows:  # newest first: a project evaluated twice shows its last
        latest.setdefault(project.id, KeyEvaluation(project, task))
    key_evaluations = sorted(
        latest.values(), key=lambda k: (k.project.department.path, k.project.code)
    )
    choices = DisclosureChoices(fiscal_year, departments, key_evaluations)
    stored = db.session.get(Setting, setting_key(fiscal_year))
    value = stored.value if stored is not None and isinstance(stored.value, dict) else {}
    choices.chosen_departments = {int(i) for i in value.get("departments") or []}
    choices.chosen_projects = {int(i) for i in value.get("projects") or []}
    choices.chosen_by = value.get("chosen_by")
    choices.chosen_at = value.get("chosen_at")
    return choices


def latest_graded_year() -> int | None:
    """The newest year with a graded project: the one whose reports are published next."""
    return db.session.scalar(
        select(func.max(Project.fiscal_year)).where(Project.grade.is_not(None))
    )


def disclosure_choices(actor: User, fiscal_year: int) -> DisclosureChoices:
    """What finance may publish for a year and what it has ticked. Raises Forbidden."""
    require_can_choose_disclosure(actor)
    return _candidates(fiscal_year)


@transactional
def save_disclosure(
    actor: User, fiscal_year: int, department_ids: list[int], project_ids: list[int]
) -> DisclosureChoices:
    """Publish exactly these departments' 整体绩效评价报告 and these projects' 重点绩效评价
    报告 for the year (an empty choice publishes nothing). Raises Forbidden, and
    ValidationFailed naming each id that is not one of the year's candidates (nothing is
    saved then)."""
    require_can_choose_disclosure(actor)
    choices = _candidates(fiscal_year)
    departments = {d.id for d in choices.departments}
    projects = {k.project.id for k in choices.key_evaluations}
    errors = [
        _l("Department %(id)s has no approved project in %(year)s.", id=i, year=fiscal_year)
        for i in department_ids
        if i not in departments
    ] + [
        _l("Project %(id)s has no key evaluation in %(year)s.", id=i, year=fiscal_year)
        for i in project_ids
        if i not in projects
    ]
    if errors:
        raise ValidationFailed(
            _l("The disclosure choice has errors; nothing was saved."), details=errors
        )
    value = {
        "departments": sorted(set(department_ids)),
        "projects": sorted(set(project_ids)),
        "chosen_by": actor.display_name,
        "chosen_at": now().strftime("%Y-%m-%d"),
    }
    stored = db.session.get(Setting, setting_key(fiscal_year))
    if stored is None:
        db.session.add(Setting(key=setting_key(fiscal_year), value=value))
    else:
        stored.value = value
    db.session.flush()
    return _candidates(fiscal_year)


def disclosure_list(actor: User, fiscal_year: int) -> Document:
    """绩效评价信息公开目录 of a year: the reports finance chose to publish, department
    reports first, then key evaluations. `actor` is anyone signed in: the list is public.
    Raises NotFound for a year without approved projects (nothing to publish of it)."""
    choices = _candidates(fiscal_year)
    if not choices.departments:
        raise NotFound(_l("No approved project in %(fiscal_year)s.", fiscal_year=fiscal_year))
    grades = _department_grades(fiscal_year)
    rows: list[tuple] = []
    for department in choices.published_departments:
        rows.append(
            (
                len(rows) + 1,
                DEPARTMENT_REPORT,
                f"{department.name}{fiscal_year}年度部门{DEPARTMENT_REPORT}",
                department.name,
                grades.get(department.id, ""),
            )
        )
    for key in choices.published_key_evaluations:
        rows.append(
            (
                len(rows) + 1,
                KEY_REPORT,
                key.report_name(fiscal_year),
                key.project.department.name,
                key.result,
            )
        )
    decided = (
        f"{choices.chosen_by}，{choices.chosen_at}" if choices.chosen_at else "尚未确定公开内容"
    )
    return Document(
        title="绩效评价信息公开目录",
        subtitle=f"（{fiscal_year} 年度）",
        filename=f"{fiscal_year}-绩效评价信息公开目录",
        fields=[
            ("公开年度", f"{fiscal_year} 年"),
            (DEPARTMENT_REPORT, f"{len(choices.published_departments)} 份"),
            (KEY_REPORT, f"{len(choices.published_key_evaluations)} 份"),
            ("确定公开", decided),
        ],
        tables=[
            Table(
                "公开目录",
                ("序号", "报告类别", "报告名称", "主管部门", "评价结果"),
                rows,
                (6, 16, 40, 16, 22),
            )
        ],
        signatures=("公开单位（盖章）", "审核人", "公开日期"),
    )


def _department_grades(fiscal_year: int) -> dict[int, str]:
    """Per department, its projects' grades in one line (所属项目 优 1 个，中 1 个)."""
    counts: dict[int, dict[str, int]] = {}
    for department_id, grade in db.session.execute(
        select(Project.department_id, Project.grade).where(
            Project.fiscal_year == fiscal_year, Project.grade.is_not(None)
        )
    ):
        per = counts.setdefault(department_id, {})
        per[grade] = per.get(grade, 0) + 1
    return {
        department_id: "所属项目 " + "，".join(f"{g} {per[g]} 个" for g in fmt.GRADES if g in per)
        for department_id, per in counts.items()
    }
