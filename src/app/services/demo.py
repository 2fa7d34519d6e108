"""The demo year: what the demo county holds after `init-db --demo`.

Last year (2026) and this year (2027) are in the registry (项目库); last year's grades
come from the 2026 evaluation round, driven through the real process. In flight, driven
as the demo accounts through the services (so inboxes, history and rounds are real):

- 2026 annual evaluation: four reports graded 优/良/中/差, one self-evaluation filed and
  waiting at finance; rectification (services/demo_rectification.py): 差's items back at
  the department, one failed once by finance and one overdue, 中's reported done and
  waiting for finance's verification;
- 2027 Q1 monitoring: one report filed red and back at the unit for its correction plan,
  the others waiting at their units;
- a mid-year addition at the department's review;
- the 2028 compilation round: one continuing project at the department's review, one at
  finance's target review, and a new project waiting at the expert's pre-evaluation.

The department level (services/demo_departments.py): both departments' 2026 and 2028
overall targets approved, 县教育局's 2026 self-evaluation as a whole read by the government.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    ControlTotal,
    Org,
    ProcessDefinition,
    ProcessInstance,
    Project,
    ProjectEvent,
    Task,
    User,
)
from app.models.project import PROJECT_APPROVED
from app.models.task import TASK_READY
from app.services.campaigns import launch_campaign
from app.services.clock import now
from app.services.demo_departments import seed_department_level
from app.services.demo_indicators import seed_indicator_library
from app.services.demo_rectification import follow_up_rectification, rectification_items
from app.services.instances import start_instance
from app.services.tasks import complete_task
from app.services.transaction import transactional

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

DEPARTMENT_TARGETS = {
    "edu": {
        "dept_overall_goal": "义务教育学校办学条件达标率提升到 95%，教师队伍素质持续提高",
        "county_goal_alignment": "支撑县政府“教育强县”年度目标和义务教育优质均衡发展",
        "function_targets": [
            {"function_name": "义务教育", "function_goal": "办学条件标准化，校舍安全隐患清零"},
            {"function_name": "教师队伍建设", "function_goal": "年培训教师不少于 400 人次"},
        ],
        "project_function": "义务教育",
    },
    "health": {
        "dept_overall_goal": "县域就诊率达到 90%，基层医疗服务能力明显提升",
        "county_goal_alignment": "支撑县政府“健康县城”建设和县域医共体建设目标",
        "function_targets": [
            {"function_name": "医疗服务", "function_goal": "县域常见病、多发病就诊率达 90%"},
            {"function_name": "公共卫生", "function_goal": "重点人群家庭医生签约率达 75%"},
        ],
        "project_function": "医疗服务",
    },
}
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


def demo_processes_deployed() -> bool:
    """Whether the four processes of the brief are deployed (the fixtures deploy others)."""
    keys = set(db.session.scalars(select(ProcessDefinition.key).distinct()))
    return set(DEMO_PROCESS_KEYS) <= keys


@transactional
def seed_demo_year() -> bool:
    """Give the demo county its year. Does nothing (returns False) when the registry holds
    any project already or the four processes are not deployed; True when it seeded."""
    if db.session.scalar(select(Project.id).limit(1)) is not None:
        return False
    if not demo_processes_deployed():
        return False
    users = {u.username: u for u in db.session.scalars(select(User))}
    orgs = {o.code: o for o in db.session.scalars(select(Org))}
    if not {"unit", "unit2", "dept", "dept2", "finance", "expert"} <= users.keys():
        return False
    _last_year_registry(orgs)
    _evaluation_round(users)
    _this_year_registry(orgs)
    _monitoring_round(users)
    _midyear_request(users)
    _control_totals(orgs)
    seed_department_level(users)
    seed_indicator_library(orgs)
    _compilation_round(users)
    return True


# -- the registry, written directly -------------------------------------------------------


def _project(orgs: dict[str, Org], code: str, year: int, amount: float) -> Project:
    """A project's registry row; codes carry the year it was new (JY-2026-001 → 2026)."""
    spec = PROJECTS[code]
    nature = "新增" if code.split("-")[1] == str(year) else "延续"
    unit = orgs[spec["unit"]]
    return Project(
        code=code,
        name=spec["name"],
        fiscal_year=year,
        department_id=unit.parent_id,
        unit_id=unit.id,
        functional_category=spec["functional_category"],
        department_function=spec["department_function"],
        special_fund=spec["special_fund"],
        funding_source="本级财政",
        nature=nature,
        status=PROJECT_APPROVED,
        requested_amount=amount,
        approved_amount=amount,
        adjusted_amount=amount,
        cumulative_adjustment=0,
        indicators=[dict(row) for row in spec["indicators"]],
        updated_at=now(),
    )


def _add_event(project: Project, kind: str, summary: str, at, details: dict) -> None:
    db.session.add(
        ProjectEvent(project_id=project.id, at=at, kind=kind, summary=summary, details=details)
    )


def _last_year_registry(orgs: dict[str, Org]) -> None:
    """2026: approved (批复) at the start of the year, monitored to Q4."""
    approved_at = now() - timedelta(days=300)
    for code, (amount, light, rate) in LAST_YEAR_BUDGET.items():
        project = _project(orgs, code, LAST_YEAR, amount)
        project.latest_quarter, project.latest_light = 4, light
        project.latest_execution_rate = rate
        # What the Q4 report said was spent, as finance passed it: the evaluation's B.
        project.spent = SELF_EVALUATIONS[code][0] if code in SELF_EVALUATIONS else None
        db.session.add(project)
        db.session.flush()
        _add_event(
            project,
            "approved",
            f"批复预算 {amount} 万元",
            approved_at,
            {"indicators": project.indicators},
        )
        _add_event(
            project,
            "monitored",
            f"第4季度监控：执行率 {rate}，预警 {light}",
            approved_at + timedelta(days=270),
            {"quarter": 4, "assessment": {"execution_rate": rate, "project_light": light}},
        )


def _this_year_registry(orgs: dict[str, Org]) -> None:
    """2027: approved by the county congress and replied to the departments."""
    approved_at = now() - timedelta(days=20)
    for code, amount in THIS_YEAR_BUDGET.items():
        project = _project(orgs, code, THIS_YEAR, amount)
        db.session.add(project)
        db.session.flush()
        _add_event(
            project,
            "approved",
            f"批复预算 {amount} 万元",
            approved_at,
            {"indicators": project.indicators},
        )


def _control_totals(orgs: dict[str, Org]) -> None:
    """Finance's 控制数 for next year's 遴选排序 (万元)."""
    for code, amount in NEXT_YEAR_CONTROL_TOTALS.items():
        db.session.add(
            ControlTotal(
                department_id=orgs[code].id, fiscal_year=NEXT_YEAR, amount=amount, updated_at=now()
            )
        )


# -- driven through the services as the demo accounts ----------------------------------------


def _ready(instance: ProcessInstance, activity: str) -> Task:
    task = db.session.scalar(
        select(Task).where(
            Task.instance_id == instance.id,
            Task.status == TASK_READY,
            Task.activity_id == activity,
        )
    )
    if task is None:
        raise RuntimeError(f"演示数据：{instance.title} 不在“{activity}” (demo step missing)")
    return task


def _step(actor: User, instance: ProcessInstance, activity: str, data: dict) -> None:
    complete_task(actor, _ready(instance, activity).id, data)


def _by_code(started: list[ProcessInstance]) -> dict[str, ProcessInstance]:
    return {instance.round_item: instance for instance in started}


def _department_user(users: dict[str, User], code: str) -> User:
    return users["dept2" if code.startswith("WS") else "dept"]


def _unit_user(users: dict[str, User], code: str) -> User:
    return users["unit2" if code.startswith("WS") else "unit"]


def _self_report(code: str) -> dict:
    """The department's part of a self-evaluation; A and B come from the registry."""
    _, results = SELF_EVALUATIONS[code]
    rows = []
    for indicator, (value, reason) in zip(PROJECTS[code]["indicators"], results, strict=True):
        row = dict(indicator)
        row["qualitative_result" if indicator["sign"] == "定性" else "actual"] = value
        if reason:
            row["deviation_reason"] = reason
            row["measures"] = "列入整改清单，下年度按月调度"
        rows.append(row)
    return {
        "planned_outputs": PROJECTS[code]["annual_goal"],
        "actual_outputs": "详见各项指标完成情况",
        "indicators": rows,
        "evaluation_conclusion": "项目总体按计划实施，资金使用规范，部分指标存在偏差。",
    }


def _evaluation_round(users: dict[str, User]) -> None:
    finance = users["finance"]
    launch = launch_campaign(finance, "annual_evaluation", LAST_YEAR)
    for code, instance in _by_code(launch.started).items():
        dept = _department_user(users, code)
        _step(dept, instance, "fill_self_evaluation", _self_report(code))
        if code == "JY-2026-002":
            continue  # filed, waiting at finance's review
        _step(
            finance,
            instance,
            "finance_review_self_evaluation",
            {
                "finance_decision": "pass",
                "finance_opinion": "自评依据充分，同意",
                "key_evaluation": False,
            },
        )
        grade = instance.data["final_grade"]
        _step(
            finance,
            instance,
            "result_application",
            {
                "final_grade": grade,
                "next_year_tag": GRADE_TAGS[grade],
                "application_opinion": f"评价等级{grade}，下年度预算{GRADE_TAGS[grade]}",
                "rectification": rectification_items(code),
                "disclose": True,
                "report_to_government": True,
            },
        )
        follow_up_rectification(users, code, instance)


def _monitoring_round(users: dict[str, User]) -> None:
    """Q1: JY-2026-001 is filed red (招标未完成) and back at the unit for its correction plan."""
    launch = launch_campaign(users["finance"], "quarterly_monitoring", THIS_YEAR, quarter=1)
    instance = _by_code(launch.started)["JY-2026-001"]
    rows = []
    for indicator, actual in zip(
        PROJECTS["JY-2026-001"]["indicators"], ("0", "0", "部分达成", "91"), strict=True
    ):
        row = dict(indicator, expected_full_year=indicator["target"], likelihood="有可能")
        row["qualitative_result" if indicator["sign"] == "定性" else "actual"] = actual
        row.update(
            deviation_reasons=["制度", "其他"], measures="四月底前完成施工招标，暑期集中施工"
        )
        rows.append(row)
    _step(
        users["unit"],
        instance,
        "fill_monitoring_report",
        {
            "spent": 8,
            "reached_stage_goal": False,
            "delay_reason_type": "政府采购程序",
            "progress_analysis": "施工招标因设计变更延期，一季度仅支付设计费 8 万元。",
            "indicators": rows,
        },
    )


def _midyear_request(users: dict[str, User]) -> None:
    """县第一中学 asks for 25 万元 of new money for teacher training: new money is never
    filed, so the department reviews it (then finance, the government and the 人大常委会)."""
    unit = users["unit"]
    instance, _ = start_instance(
        unit, "midyear_adjustment", title="教师能力提升培训 · 追加 25 万元"
    )
    change = dict(PROJECTS["JY-2026-002"]["indicators"][0], target="600", change="修改")
    _step(
        unit,
        instance,
        "fill_adjustment",
        {
            "project_code": "JY-2026-002",
            "project_name": "教师能力提升培训",
            "fiscal_year": THIS_YEAR,
            "unit_name": "县第一中学",
            "kind": "追加资金",
            "addition": 25,
            "reduction": 0,
            "functional_category": "2050803 培训支出",
            "economic_category": "30216 培训费",
            "reason": "县教育局部署新课标全员轮训，新增培训 200 人次",
            "indicator_changes": [change],
        },
    )


def _project_form(code: str, requested: float) -> dict:
    spec = PROJECTS[code]
    return {
        "project_code": code,
        "project_name": spec["name"],
        "fiscal_year": NEXT_YEAR,
        "department_name": "县卫生健康局" if code.startswith("WS") else "县教育局",
        "unit_name": "县人民医院" if code.startswith("WS") else "县第一中学",
        "nature": "延续",
        "project_type": "经常性",
        "project_category": spec["category"],
        "plan_start_date": f"{NEXT_YEAR}-01-01",
        "plan_end_date": f"{NEXT_YEAR}-12-31",
        "total_fiscal_funds": requested,
        "requested_amount": requested,
        "functional_category": spec["functional_category"],
        "special_fund": spec["special_fund"],
        "funding_source": "本级财政",
        "overall_goal": spec["annual_goal"],
        "annual_goal": spec["annual_goal"],
        "project_content": spec["annual_goal"],
        "cost_basis": f"参照上年实际支出和 {NEXT_YEAR} 年支出标准测算，申请 {requested:g} 万元",
        "safeguards": "单位成立项目工作专班，执行政府采购和资金管理制度，主管部门全程监督",
        "indicators": [dict(row) for row in spec["indicators"]],
    }


def _compilation_round(users: dict[str, User]) -> None:
    finance, unit, dept = users["finance"], users["unit"], users["dept"]
    launch = launch_campaign(finance, "budget_compilation", NEXT_YEAR)
    started = _by_code(launch.started)
    # 县第一中学 has filed 校舍维修改造: it waits for 县教育局's review.
    _step(unit, started["JY-2026-001"], "fill_project_targets", _project_form("JY-2026-001", 320))
    # 县人民医院's equipment project is through its department: at finance's target review.
    hospital = started["WS-2026-001"]
    _step(users["unit2"], hospital, "fill_project_targets", _project_form("WS-2026-001", 380))
    _step(users["dept2"], hospital, "dept_review", {"dept_decision": "approve"})
    _step(users["dept2"], hospital, "fill_department_targets", DEPARTMENT_TARGETS["health"])
    # A new project of 县第一中学: through the department, finance names the expert.
    instance, _ = start_instance(unit, "budget_compilation", title="创客教育实验室建设")
    _step(
        unit,
        instance,
        "fill_project_targets",
        {
            **NEW_PROJECT,
            "fiscal_year": NEXT_YEAR,
            "department_name": "县教育局",
            "unit_name": "县第一中学",
        },
    )
    _step(dept, instance, "dept_review", {"dept_decision": "approve"})
    _step(dept, instance, "fill_department_targets", DEPARTMENT_TARGETS["edu"])
    _step(
        finance,
        instance,
        "organise_pre_evaluation",
        {
            "expert_username": "expert",
            "pre_eval_method": "专家评审",
            "pre_eval_requirements": "重点评估立项必要性和设备配置的投入经济性",
        },
    )
