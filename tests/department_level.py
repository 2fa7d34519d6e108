"""Test data for the department level (部门整体绩效目标, 部门整体支出绩效自评): what 县教育局
files, and the registry it is evaluated from. Shared by the process, API, document and page
tests."""

from __future__ import annotations

from copy import deepcopy

from app.extensions import db
from app.models import DepartmentTargets, Project
from app.services.clock import now
from factories import org


def indicator(
    function: str,
    level1: str,
    level2: str,
    name: str,
    sign: str,
    target: str,
    unit: str,
    points: float,
) -> dict:
    return {
        "function_name": function,
        "level1": level1,
        "level2": level2,
        "name": name,
        "sign": sign,
        "target": target,
        "unit": unit,
        "points": points,
    }


EDU_TARGETS = {
    "overall_goal": "义务教育学校办学条件达标率提升到 95%，教师队伍素质持续提高",
    "county_goal_alignment": "支撑县政府“教育强县”年度目标和义务教育优质均衡发展",
    "total_amount": 490,
    "functions": [
        {"name": "义务教育", "amount": 430, "goal": "办学条件标准化，学生营养改善"},
        {"name": "教师队伍建设", "amount": 60, "goal": "年培训教师不少于 400 人次"},
    ],
    "indicators": [
        indicator("义务教育", "产出指标", "数量指标", "维修校舍面积", "≥", "3000", "平方米", 30),
        indicator("教师队伍建设", "产出指标", "数量指标", "培训教师人次", "≥", "400", "人次", 20),
        indicator("义务教育", "效益指标", "社会效益指标", "办学条件达标率", "≥", "95", "%", 30),
        indicator("义务教育", "满意度指标", "服务对象满意度指标", "群众满意度", "≥", "90", "%", 10),
    ],
}


def edu_targets(**changes) -> dict:
    data = deepcopy(EDU_TARGETS)
    data.update(changes)
    return data


# 2026 projects of 县教育局 as the registry holds them after the year's evaluation:
# code, name, function, unit, budget A, spent B, score, grade.
EDU_PROJECTS_2026 = [
    ("JY-2026-001", "校舍维修改造", "义务教育", "edu-school1", 280, 274.5, 99.8, "优"),
    ("JY-2026-002", "教师能力提升培训", "教师队伍建设", "edu-school1", 60, 57.6, 99.6, "优"),
    ("JY-2026-003", "学生营养午餐补助", "义务教育", "edu-school2", 150, 124.5, 68.22, "中"),
]


def graded_projects(year: int = 2026) -> list[Project]:
    rows = []
    for code, name, function, unit, budget, spent, score, grade in EDU_PROJECTS_2026:
        rows.append(
            Project(
                code=code,
                name=name,
                fiscal_year=year,
                department_id=org("edu").id,
                unit_id=org(unit).id,
                department_function=function,
                status="approved",
                approved_amount=budget,
                adjusted_amount=budget,
                spent=spent,
                score=score,
                grade=grade,
                cumulative_adjustment=0,
                indicators=[],
                updated_at=now(),
            )
        )
    db.session.add_all(rows)
    db.session.commit()
    return rows


def approved_targets(department_code: str = "edu", year: int = 2026) -> DepartmentTargets:
    """县教育局's targets of the year as finance approved them (written directly)."""
    from sqlalchemy import select

    from app.models import User
    from app.performance.department import nested_functions

    finance = db.session.scalar(select(User).where(User.username == "finance"))
    row = DepartmentTargets(
        department_id=org(department_code).id,
        fiscal_year=year,
        overall_goal=EDU_TARGETS["overall_goal"],
        county_goal_alignment=EDU_TARGETS["county_goal_alignment"],
        total_amount=EDU_TARGETS["total_amount"],
        functions=nested_functions(EDU_TARGETS["functions"], EDU_TARGETS["indicators"]),
        status="approved",
        approved_by_id=finance.id,
        approved_at=now(),
        updated_at=now(),
    )
    db.session.add(row)
    db.session.commit()
    return row
