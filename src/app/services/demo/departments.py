"""The demo county's department level, driven as the demo accounts through the services:
县教育局 and 县卫生健康局 filed their 2026 and 2028 overall targets (部门整体绩效目标),
which finance approved, under the functions (职能分类) their demo projects serve; 县教育局's
2026 self-evaluation as a whole went through finance to the county government, which
read it. Everything is finished, so no inbox gains a task. services/demo/year.py calls each
part on its day: a year's targets before its budget, the self-evaluation after the
projects' grades it rolls up.
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Org, ProcessDefinition, User
from app.services.demo.clock import later
from app.services.demo.steps import ready_task
from app.services.registry.departments import EVALUATION_PROCESS, TARGETS_PROCESS
from app.services.runtime.forms_view import task_form
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task


def _row(function: str, level1: str, level2: str, name: str, sign: str, target: str,
         unit: str, points: float) -> dict:  # fmt: skip
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


# Per department: goal, alignment, functions {name: (goal, amount by year)}, indicators.
# The amounts are what the year's projects under each function ask (万元): 2026 as approved,
# 2028 as filed in the compilation round (continuing and new projects).
TARGETS = {
    "edu": dict(
        overall_goal="义务教育学校办学条件达标率提升到 95%，教师队伍素质持续提高",
        county_goal_alignment="支撑县政府“教育强县”年度目标和义务教育优质均衡发展",
        functions={
            "义务教育": ("办学条件标准化，校舍安全隐患清零，学生营养改善", {2026: 430, 2028: 620}),
            "教师队伍建设": ("年培训教师不少于 400 人次", {2026: 60, 2028: 60}),
        },
        indicators=[
            _row("义务教育", "产出指标", "数量指标", "校舍维修改造面积", "≥", "3000", "平方米", 30),
            _row("教师队伍建设", "产出指标", "数量指标", "培训教师人次", "≥", "400", "人次", 20),
            _row("义务教育", "效益指标", "社会效益指标", "办学条件达标率", "≥", "95", "%", 30),
            _row("义务教育", "满意度指标", "服务对象满意度指标", "家长满意度", "≥", "90", "%", 10),
        ],
    ),
    "health": dict(
        overall_goal="县域就诊率达到 90%，基层医疗服务能力明显提升",
        county_goal_alignment="支撑县政府“健康县城”建设和县域医共体建设目标",
        functions={
            "医疗服务": ("县域常见病、多发病就诊率达 90%", {2026: 420, 2028: 640}),
            "公共卫生": ("重点人群家庭医生签约率达 75%", {2026: 90, 2028: 100}),
        },
        indicators=[
            _row("医疗服务", "产出指标", "数量指标", "新增诊疗设备", "≥", "35", "台（套）", 25),
            _row("公共卫生", "产出指标", "数量指标", "重点人群签约人数", "≥", "8000", "人", 25),
            _row("医疗服务", "效益指标", "社会效益指标", "县域就诊率", "≥", "90", "%", 30),
            _row(
                "公共卫生", "满意度指标", "服务对象满意度指标", "签约居民满意度", "≥", "85", "%", 10
            ),
        ],
    ),
}
# What 县教育局 achieved in 2026 against its indicators (actual, deviation reason).
EDU_RESULTS_2026 = {
    "校舍维修改造面积": ("3050", None),
    "培训教师人次": ("420", None),
    "办学条件达标率": ("93", "两所村小改造因设计变更顺延至 2027 年"),
    "家长满意度": ("88", "营养午餐配餐口味评价较低，已列入整改"),
}


def _filing(code: str, year: int) -> dict:
    spec = TARGETS[code]
    functions = [
        {"name": name, "amount": amounts[year], "goal": goal}
        for name, (goal, amounts) in spec["functions"].items()
    ]
    return {
        "overall_goal": spec["overall_goal"],
        "county_goal_alignment": spec["county_goal_alignment"],
        "total_amount": sum(f["amount"] for f in functions),
        "functions": functions,
        "indicators": [dict(row) for row in spec["indicators"]],
    }


def _targets(users: dict[str, User], department: Org, dept: User, year: int) -> None:
    finance = users["finance"]
    instance, _ = start_instance(
        finance,
        TARGETS_PROCESS,
        title=f"{year}年度部门整体绩效目标申报 · {department.name}",
        org_id=department.id,
        prefill={"fiscal_year": year, "department_name": department.name},
    )
    complete_task(
        dept, ready_task(instance, "fill_department_targets").id, _filing(department.code, year)
    )
    complete_task(
        finance,
        ready_task(instance, "finance_review_department_targets").id,
        {"finance_decision": "approve", "finance_opinion": "目标明确、与县政府年度目标衔接，同意"},
    )


def _education_self_evaluation(users: dict[str, User], department: Org) -> None:
    finance, dept = users["finance"], users["dept"]
    instance, _ = start_instance(
        finance,
        EVALUATION_PROCESS,
        title=f"2026年度部门整体支出绩效自评 · {department.name}",
        org_id=department.id,
        prefill={"fiscal_year": 2026, "department_name": department.name},
    )
    task = ready_task(instance, "fill_department_self_evaluation")
    shown = task_form(dept, task.id).data
    rows = []
    for row in shown["indicator_results"]:
        actual, reason = EDU_RESULTS_2026[row["name"]]
        rows.append(dict(row, actual=actual, **({"deviation_reason": reason} if reason else {})))
    complete_task(
        dept,
        task.id,
        {
            "overall_result": "办学条件达标率达到 93%，培训教师 420 人次，校舍安全隐患全部消除",
            "function_results": [
                dict(row, result=f"{row['name']}目标基本完成，详见指标完成情况")
                for row in shown["function_results"]
            ],
            "indicator_results": rows,
            "conclusion": "部门整体目标基本完成；营养午餐项目评价为中，已列入整改并压减下年预算。",
        },
    )
    later(days=3)
    complete_task(
        finance,
        ready_task(instance, "finance_review_department_self_evaluation").id,
        {"finance_decision": "pass", "finance_opinion": "自评依据充分，同意报送县政府"},
    )
    later(days=2)
    complete_task(
        users["gov"],
        ready_task(instance, "government_read_report").id,
        {"government_comment": "已阅，请抓好营养午餐项目整改"},
    )


def department_level_possible(users: dict[str, User]) -> bool:
    """Whether the department level can be seeded: its processes deployed and the demo
    accounts present (the fixtures deploy other processes)."""
    keys = set(db.session.scalars(select(ProcessDefinition.key).distinct()))
    return {TARGETS_PROCESS, EVALUATION_PROCESS} <= keys and {
        "finance",
        "dept",
        "dept2",
        "gov",
    } <= users.keys()


def _departments() -> dict[str, Org]:
    return {o.code: o for o in db.session.scalars(select(Org).where(Org.code.in_(TARGETS)))}


def seed_department_targets(users: dict[str, User], year: int) -> None:
    """Both departments' overall targets of `year`, filed and approved on the clock's day."""
    departments = _departments()
    _targets(users, departments["edu"], users["dept"], year)
    _targets(users, departments["health"], users["dept2"], year)


def seed_department_self_evaluation(users: dict[str, User]) -> None:
    """县教育局's 2026 self-evaluation as a whole, from its projects' grades."""
    _education_self_evaluation(users, _departments()["edu"])
