"""Test data for the department level (部门整体绩效目标, 部门整体支出绩效自评): what 县教育局
files, and the registry it is evaluated from. Shared by the process, API, document and page
tests."""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path

from app.extensions import db
from app.models import DepartmentTargets, Project
from app.services.foundation.clock import now
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
    from app.models.org import ACTING
    from app.performance.department import nested_functions

    finance = db.session.scalar(select(User).where(User.username == "finance").options(*ACTING))
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


ROOT = Path(__file__).parents[1]


def deploy_department_processes() -> None:
    """The two shipped department-level processes with the shipped forms."""
    from app.services.administration.deployment import deploy_definition

    forms = {p.name: p.read_bytes() for p in sorted((ROOT / "forms").glob("*.json"))}
    for key in ("department_targets", "department_self_evaluation"):
        path = ROOT / "processes" / f"{key}.bpmn"
        deploy_definition(None, path.read_bytes(), path.name, {}, None, forms)
    db.session.commit()


def _ready(actor, process: str, activity: str):
    from app.services.runtime import queries

    (task,) = [
        t for t in queries.list_inbox(actor, process=process).tasks if t.activity_id == activity
    ]
    return task


def evaluated_through_the_process(user, year: int = 2026) -> None:
    """县教育局's self-evaluation of `year` filed, passed by finance and read by the
    government, against targets approved for the year and its graded projects."""
    from app.services.registry.campaigns import launch_campaign
    from app.services.runtime.forms_view import task_form
    from app.services.runtime.tasks import complete_task

    approved_targets("edu", year)
    graded_projects(year)
    dept, finance, gov = user("dept"), user("finance"), user("gov")
    launch_campaign(finance, "department_self_evaluation", year)
    task = _ready(dept, "department_self_evaluation", "fill_department_self_evaluation")
    data = task_form(dept, task.id).data
    rows = [dict(row, actual=row["target"]) for row in data["indicator_results"]]
    rows[1]["actual"] = "91"
    rows[1]["deviation_reason"] = "两所村小改造顺延至下年"
    complete_task(
        dept,
        task.id,
        {
            "overall_result": "办学条件达标率 94%，教师培训 420 人次",
            "function_results": [
                dict(row, result=f"{row['name']}目标基本完成") for row in data["function_results"]
            ],
            "indicator_results": rows,
            "conclusion": "部门整体目标基本完成，营养午餐项目列入整改。",
        },
    )
    review = _ready(
        finance, "department_self_evaluation", "finance_review_department_self_evaluation"
    )
    complete_task(
        finance, review.id, {"finance_decision": "pass", "finance_opinion": "同意报送县政府"}
    )
    read = _ready(gov, "department_self_evaluation", "government_read_report")
    complete_task(gov, read.id, {"government_comment": "已阅"})
