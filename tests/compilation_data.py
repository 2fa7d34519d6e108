"""What a unit, its department and an expert fill in the compilation's forms, as the
scenario tests of budget_compilation and of the county's review send it."""

from __future__ import annotations

from datetime import datetime

INDICATORS = [
    {
        "level1": "产出指标",
        "level2": "数量指标",
        "name": "改造教室数量",
        "sign": "≥",
        "target": "12",
        "unit": "间",
        "period": "年度",
        "points": 50,
        "standard_value": "上年改造 10 间",
    },
    {
        "level1": "效益指标",
        "level2": "社会效益指标",
        "name": "达标教室使用率",
        "sign": "≥",
        "target": "95",
        "unit": "%",
        "period": "年度",
        "points": 30,
    },
    {
        "level1": "满意度指标",
        "level2": "服务对象满意度指标",
        "name": "师生满意度",
        "sign": "≥",
        "target": "90",
        "unit": "%",
        "period": "年度",
        "points": 10,
    },
]


def project_form(**changes) -> dict:
    data = {
        "project_code": "JY-2027-001",
        "project_name": "县第一中学教室改造",
        "fiscal_year": 2027,
        "department_name": "县教育局",
        "unit_name": "县第一中学",
        "nature": "新增",
        "project_type": "一次性",
        "plan_start_date": "2027-03-01",
        "plan_end_date": "2027-08-31",
        "total_fiscal_funds": 320,
        "requested_amount": 320,
        "functional_category": "2050203 初中教育",
        "special_fund": "教育发展专项资金",
        "funding_source": "本级财政",
        "overall_goal": "三年内完成全校教室标准化改造",
        "annual_goal": "完成 12 间教室改造并投入使用",
        "project_content": "改造 12 间普通教室为标准化教室，更新课桌椅和照明",
        "cost_basis": "12 间 × 25 万元/间 = 300 万元",
        "safeguards": "成立改造工作专班，按政府采购程序实施",
        "indicators": INDICATORS,
    }
    data.update(changes)
    return data


# What the department answers at 选择项目归集职能: one of its approved functions.
PROJECT_FUNCTION = {"project_function": "义务教育"}


OVERALL_GOALS = {"edu": "办学条件达标率提升到 95%", "health": "县域就诊率达到 90%"}


def department_targets_approved(
    department_code: str = "edu", year: int = 2027, functions: dict[str, float] | None = None
) -> None:
    """The department's 部门整体绩效目标 of `year` as finance approved them: the registry row
    a compilation reads the project's functions from. (The department_targets process and
    the whole chain file them through the diagram; here they are the scenario's given.)"""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Org
    from app.models.department import TARGETS_APPROVED, DepartmentTargets

    functions = functions or {"义务教育": 300}
    department = db.session.scalar(select(Org).where(Org.code == department_code))
    db.session.add(
        DepartmentTargets(
            department_id=department.id,
            fiscal_year=year,
            overall_goal=OVERALL_GOALS[department_code],
            county_goal_alignment="支撑县政府年度施政目标",
            functions=[
                {"name": name, "amount": amount, "goal": f"{name}保障", "indicators": []}
                for name, amount in functions.items()
            ],
            total_amount=sum(functions.values()),
            status=TARGETS_APPROVED,
            updated_at=datetime(year - 1, 9, 1),
        )
    )
    db.session.commit()


PRE_EVALUATION = {
    "score_necessity": 18,
    "score_economy": 16,
    "score_targets": 17,
    "score_feasibility": 18,
    "score_compliance": 19,
    "pre_eval_conclusion": "予以支持",
    "suggested_amount": 300,
    "pre_eval_report": "data:application/pdf;name=预评估报告.pdf;base64,JVBERi0=",
}
