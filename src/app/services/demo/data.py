"""The demo county's figures: its projects with their indicators, budgets, results and
the requests its accounts file (services/demo/year.py drives them through the processes)."""

from __future__ import annotations

DEMO_PROCESS_KEYS = (
    "budget_compilation",
    "midyear_adjustment",
    "quarterly_monitoring",
    "annual_evaluation",
)
LAST_YEAR, THIS_YEAR, NEXT_YEAR = 2026, 2027, 2028


def _row(level1: str, level2: str, name: str, sign: str, target: str, unit: str = "") -> dict:
    return {
        "level1": level1,
        "level2": level2,
        "name": name,
        "sign": sign,
        "target": target,
        "unit": unit,
        "period": "年度",
    }


NEXT_YEAR_CONTROL_TOTALS = {"edu": 1200, "health": 900}

# code, name, unit org, 功能分类科目, 职能分类, special fund, category, indicators
PROJECTS = {
    "JY-2026-001": dict(
        name="校舍维修改造",
        unit="edu-school1",
        functional_category="2050203 初中教育",
        special_fund="教育发展专项资金",
        department_function="义务教育",
        category="基本建设类",
        annual_goal="完成两栋教学楼屋面防水和外墙维修 3000 平方米，消除校舍安全隐患",
        indicators=[
            _row("产出指标", "数量指标", "维修校舍面积", "≥", "3000", "平方米"),
            _row("产出指标", "质量指标", "工程验收合格率", "≥", "100", "%"),
            _row("效益指标", "社会效益指标", "改善办学条件", "定性", "明显改善"),
            _row("满意度指标", "服务对象满意度指标", "师生满意度", "≥", "90", "%"),
        ],
    ),
    "JY-2026-002": dict(
        name="教师能力提升培训",
        unit="edu-school1",
        functional_category="2050803 培训支出",
        special_fund="无",
        department_function="教师队伍建设",
        category="专项业务类",
        annual_goal="组织骨干教师和新任教师分层培训 400 人次，提升课堂教学能力",
        indicators=[
            _row("产出指标", "数量指标", "培训教师人次", "≥", "400", "人次"),
            _row("产出指标", "时效指标", "培训按期完成率", "≥", "95", "%"),
            _row("效益指标", "可持续影响指标", "教师教学能力提升", "定性", "明显提升"),
            _row("满意度指标", "服务对象满意度指标", "参训教师满意度", "≥", "90", "%"),
        ],
    ),
    "JY-2026-003": dict(
        name="学生营养午餐补助",
        unit="edu-school2",
        functional_category="2050202 小学教育",
        special_fund="农村义务教育学生营养改善计划",
        department_function="义务教育",
        category="专项业务类",
        annual_goal="为 1200 名在校学生提供每日营养午餐补助，改善学生营养健康状况",
        indicators=[
            _row("产出指标", "数量指标", "受益学生人数", "≥", "1200", "人"),
            _row("产出指标", "成本指标", "生均每日补助标准", "≤", "5", "元"),
            _row("效益指标", "社会效益指标", "学生营养健康状况", "定性", "明显改善"),
            _row("满意度指标", "服务对象满意度指标", "家长满意度", "≥", "90", "%"),
        ],
    ),
    "WS-2026-001": dict(
        name="基层医疗设备购置",
        unit="health-hospital",
        functional_category="2100201 综合医院",
        special_fund="基层医疗卫生服务能力提升专项",
        department_function="医疗服务",
        category="设备购置类",
        annual_goal="购置 DR、彩超等诊疗设备 35 台（套），提升县域医疗服务能力",
        indicators=[
            _row("产出指标", "数量指标", "购置设备台（套）数", "≥", "35", "台（套）"),
            _row("产出指标", "质量指标", "设备验收合格率", "≥", "100", "%"),
            _row("效益指标", "社会效益指标", "县域诊疗服务能力", "定性", "明显提升"),
            _row("满意度指标", "服务对象满意度指标", "患者满意度", "≥", "90", "%"),
        ],
    ),
    "WS-2026-002": dict(
        name="家庭医生签约服务",
        unit="health-hospital",
        functional_category="2100408 基本公共卫生服务",
        special_fund="基本公共卫生服务补助资金",
        department_function="公共卫生",
        category="专项业务类",
        annual_goal="为 8000 名重点人群提供家庭医生签约服务并规范随访",
        indicators=[
            _row("产出指标", "数量指标", "重点人群签约人数", "≥", "8000", "人"),
            _row("产出指标", "质量指标", "签约居民规范随访率", "≥", "85", "%"),
            _row("效益指标", "社会效益指标", "重点人群健康管理水平", "定性", "明显提升"),
            _row("满意度指标", "服务对象满意度指标", "签约居民满意度", "≥", "85", "%"),
        ],
    ),
    "WS-2027-001": dict(
        name="县域胸痛中心建设",
        unit="health-hospital",
        functional_category="2100201 综合医院",
        special_fund="基层医疗卫生服务能力提升专项",
        department_function="医疗服务",
        category="基本建设类",
        annual_goal="建成标准化胸痛中心并覆盖 6 个乡镇卫生院救治单元",
        indicators=[
            _row("产出指标", "数量指标", "建成胸痛救治单元", "≥", "6", "个"),
            _row("产出指标", "时效指标", "急性心梗患者门球时间", "≤", "90", "分钟"),
            _row("效益指标", "社会效益指标", "急性胸痛救治成功率", "≥", "90", "%"),
            _row("满意度指标", "服务对象满意度指标", "患者满意度", "≥", "90", "%"),
        ],
    ),
}

# Last year: code → (approved 万元, Q4 light, Q4 execution rate)
LAST_YEAR_BUDGET = {
    "JY-2026-001": (280, "green", 0.98),
    "JY-2026-002": (60, "green", 0.96),
    "JY-2026-003": (150, "yellow", 0.83),
    "WS-2026-001": (420, "green", 0.95),
    "WS-2026-002": (90, "red", 0.55),
}
# This year: code → approved 万元. WS-2026-002 (graded 差) gets none: 取消预算.
THIS_YEAR_BUDGET = {
    "JY-2026-001": 300,
    "JY-2026-002": 60,
    "JY-2026-003": 120,
    "WS-2026-001": 400,
    "WS-2027-001": 260,
}

# The 2026 self-evaluations: code → (spent 万元, per row (actual or 定性 result, reason)).
# They score 优 99.8, 中 68.22, 良 88.36 and 差 46.34; JY-2026-002 (99.6) waits at finance.
SELF_EVALUATIONS = {
    "JY-2026-001": (
        274.5,
        [("3050", None), ("100", None), ("达成", None), ("95", None)],
    ),
    "JY-2026-002": (
        57.6,
        [("420", None), ("100", None), ("达成", None), ("93", None)],
    ),
    "JY-2026-003": (
        124.5,
        [
            ("860", "两所教学点撤并，受益学生减少"),
            ("4.8", None),
            ("未达成", "食谱单一，营养均衡度不足，体检指标未见改善"),
            ("72", "配餐口味调查反映较差"),
        ],
    ),
    "WS-2026-001": (
        399,
        [
            ("32", "3 台（套）设备因供货延期转入下年"),
            ("100", None),
            ("部分达成", "部分设备操作人员培训未完成"),
            ("92", None),
        ],
    ),
    "WS-2026-002": (
        49.5,
        [
            ("3600", "签约人员配备不足，入户签约推进缓慢"),
            ("42", "随访记录不规范，大量随访未按期开展"),
            ("未达成", "健康管理流于形式"),
            ("70", "居民对服务频次不满意"),
        ],
    ),
}
GRADE_TAGS = {"优": "优先保障", "良": "从严审核", "中": "压减预算", "差": "取消预算"}

NEW_PROJECT = dict(
    project_code="JY-2028-001",
    project_name="创客教育实验室建设",
    nature="新增",
    project_type="一次性",
    project_category="设备购置类",
    plan_start_date="2028-03-01",
    plan_end_date="2028-08-31",
    total_fiscal_funds=180,
    requested_amount=180,
    functional_category="2050203 初中教育",
    special_fund="教育发展专项资金",
    funding_source="上级转移支付",
    overall_goal="建成覆盖全校的创客教育体系，培养学生创新实践能力",
    annual_goal="建成 2 间创客实验室并开设校本课程，学生参与率达到 60%",
    project_content="改造 2 间教室为创客实验室，购置 3D 打印、开源硬件等设备，开设校本课程",
    cost_basis="设备 2 间 × 70 万元 + 装修 2 间 × 20 万元 = 180 万元，参照同类学校采购价",
    safeguards="学校成立项目专班，设备按政府采购程序购置，县教育局组织验收",
    indicators=[
        _row("产出指标", "数量指标", "建成创客实验室", "≥", "2", "间"),
        _row("产出指标", "质量指标", "设备验收合格率", "≥", "100", "%"),
        _row("效益指标", "可持续影响指标", "学生科创活动参与率", "≥", "60", "%"),
        _row("满意度指标", "服务对象满意度指标", "师生满意度", "≥", "90", "%"),
    ],
)


def _give_points(rows: list[dict]) -> None:
    """Each level's weight (产出 50, 效益 30, 满意度 10) shared evenly by its rows."""
    weights = {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    for level, weight in weights.items():
        level_rows = [row for row in rows if row["level1"] == level]
        for row in level_rows:
            row["points"] = weight / len(level_rows)


for _spec in [*PROJECTS.values(), NEW_PROJECT]:
    _give_points(_spec["indicators"])
