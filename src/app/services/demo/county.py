"""The demo county's 2027 budget as a whole, as the county approved it (written to the
registry like the rest of 2027): each department's overall targets under the functions
its projects serve, every project selected at its approved amount and ranked within its
department, and the county budget the congress approved after the government had sent
县卫生健康局's budget back once. So /county-budget opens on a year with a history."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import CountyBudget, Project
from app.models.department import TARGETS_APPROVED, DepartmentTargets
from app.models.project import COUNTY_APPROVED, PROJECT_APPROVED, named_orgs
from app.services.foundation.clock import now

# Per department code: (overall goal, alignment with the county's goals, {function: goal}).
GOALS = {
    "edu": (
        "义务教育学校办学条件达标率提升到 93%，教师队伍素质持续提高",
        "支撑县政府“教育强县”年度目标",
        {"义务教育": "校舍安全隐患清零，学生营养改善", "教师队伍建设": "年培训教师不少于 400 人次"},
    ),
    "health": (
        "县域就诊率达到 88%，胸痛中心建成运行",
        "支撑县政府“健康县城”建设目标",
        {"医疗服务": "县域常见病、多发病就诊率达 88%"},
    ),
}


def seed_county_year(fiscal_year: int, finance_id: int) -> None:
    """The year's county budget as approved, from the year's approved registry projects,
    replied to the departments (批复) on the clock's day: the draft went to the government
    20 days before, the congress approved it the day before."""
    approved_at = now()
    projects = list(
        db.session.scalars(
            select(Project)
            .options(*named_orgs())
            .where(Project.fiscal_year == fiscal_year, Project.status == PROJECT_APPROVED)
            .order_by(Project.department_id, Project.code)
        )
    )
    by_department: dict[int, list[Project]] = defaultdict(list)
    for project in projects:
        by_department[project.department_id].append(project)
    for department_id, own in by_department.items():
        for rank, project in enumerate(own, start=1):
            project.selected_amount, project.priority_rank = project.approved_amount, rank
            project.requested_amount = project.requested_amount or project.approved_amount
        department = own[0].department
        goal, alignment, function_goals = GOALS[department.code]
        amounts: dict[str, float] = defaultdict(float)
        for project in own:
            amounts[project.department_function or ""] += project.approved_amount or 0
        db.session.add(
            DepartmentTargets(
                department_id=department_id,
                fiscal_year=fiscal_year,
                overall_goal=goal,
                county_goal_alignment=alignment,
                functions=[
                    {
                        "name": name,
                        "amount": amount,
                        "goal": function_goals.get(name, ""),
                        "indicators": [],
                    }
                    for name, amount in amounts.items()
                ],
                total_amount=sum(amounts.values()),
                status=TARGETS_APPROVED,
                submitted_at=approved_at - timedelta(days=80),
                approved_by_id=finance_id,
                approved_at=approved_at - timedelta(days=75),
                updated_at=approved_at - timedelta(days=75),
            )
        )
    db.session.add(
        CountyBudget(
            fiscal_year=fiscal_year,
            status=COUNTY_APPROVED,
            total=sum(p.approved_amount or 0 for p in projects),
            returns=[
                {
                    "by": "县人民政府",
                    "department": "县卫生健康局",
                    "reason": "胸痛中心建设分两年安排，当年金额压减后再报",
                    "at": (approved_at - timedelta(days=12)).isoformat(),
                }
            ],
            started_at=approved_at - timedelta(days=20),
            approved_at=approved_at - timedelta(days=1),
        )
    )
    db.session.flush()
