"""The demo year: what the demo county holds after `init-db --demo`.

Last year (2026) and this year (2027) are in the registry (项目库); last year's grades
come from the 2026 evaluation round, driven through the real process. In flight, driven
as the demo accounts through the services (so inboxes, history and rounds are real):

- 2026 annual evaluation: four reports graded 优/良/中/差, one self-evaluation filed and
  waiting at finance; rectification (services/demo/rectification.py): 差's items back at
  the department, one failed once by finance and one overdue, 中's reported done and
  waiting for finance's verification;
- 2027 Q1 monitoring: one report filed red and back at the unit for its correction plan,
  the others a month at their units, long past the round's deadline and escalated
  (逾期督办): the step tracking shows as the bottleneck;
- mid-year requests for new money (services/demo/requests.py): one at the department's
  review, one at the county government's, one at the 人大常委会's;
- the 2028 compilation round: one continuing project at the department's review, one at
  finance's target review, one sent back to its unit by the department (已退回), and a new
  project waiting at the expert's pre-evaluation.

It all happens on a calendar set weeks back (services/demo/clock.py): the evaluation round
launched thirteen weeks ago, monitoring five, compilation three; every step on a working day
in office hours, every deadline at the end of a working day.

The department level (services/demo/departments.py): both departments' 2026 and 2028
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
    User,
)
from app.models.org import ACTING
from app.models.project import PROJECT_APPROVED
from app.services.demo.clock import demo_clock, later, on, round_deadline
from app.services.demo.county import seed_county_year
from app.services.demo.data import (
    DEMO_PROCESS_KEYS,
    GRADE_TAGS,
    LAST_YEAR,
    LAST_YEAR_BUDGET,
    NEW_PROJECT,
    NEXT_YEAR,
    NEXT_YEAR_CONTROL_TOTALS,
    PROJECTS,
    SELF_EVALUATIONS,
    THIS_YEAR,
    THIS_YEAR_BUDGET,
)
from app.services.demo.departments import (
    department_level_possible,
    seed_department_self_evaluation,
    seed_department_targets,
)
from app.services.demo.indicators import seed_indicator_library
from app.services.demo.rectification import follow_up_rectification, rectification_items
from app.services.demo.requests import seed_requests
from app.services.demo.steps import ready_task, step
from app.services.foundation.clock import now
from app.services.foundation.jobs import run_due_jobs
from app.services.foundation.transaction import transactional
from app.services.registry.campaigns import launch_campaign
from app.services.runtime.instances import start_instance
from app.services.runtime.returns import complete_task_telling_returns


def demo_processes_deployed() -> bool:
    """Whether the four processes of the brief are deployed (the fixtures deploy others)."""
    keys = set(db.session.scalars(select(ProcessDefinition.key).distinct()))
    return set(DEMO_PROCESS_KEYS) <= keys


def seed_demo_year() -> bool:
    """Give the demo county its year, on a calendar set weeks back (services/demo/clock.py)
    so that it shows real delays; then the timers that fell due meanwhile fire. Does
    nothing (returns False) when the registry holds any project already or the four
    processes are not deployed; True when it seeded."""
    with demo_clock():
        seeded = _seed_demo_year()
    if seeded:
        while run_due_jobs("demo-seed").done:  # e.g. the overdue reports' 逾期督办
            pass
    return seeded


@transactional
def _seed_demo_year() -> bool:
    if db.session.scalar(select(Project.id).limit(1)) is not None:
        return False
    if not demo_processes_deployed():
        return False
    users = {u.username: u for u in db.session.scalars(select(User).options(*ACTING))}
    orgs = {o.code: o for o in db.session.scalars(select(Org))}
    if not {"unit", "unit2", "dept", "dept2", "finance", "expert"} <= users.keys():
        return False
    # In the order it could have happened: each year's targets before its budget, last
    # year's grades before this year's budget used them, the budget before its monitoring.
    department_level = department_level_possible(users)
    if department_level:
        on(400)
        seed_department_targets(users, LAST_YEAR)
    on(80)
    _last_year_registry(orgs)
    _evaluation_round(users)
    on(48)
    _this_year_registry(orgs)
    seed_county_year(THIS_YEAR, users["finance"].id)
    if department_level:
        on(45)
        seed_department_self_evaluation(users)
        on(30)
        seed_department_targets(users, NEXT_YEAR)
    seed_indicator_library(orgs)
    _monitoring_round(users)
    _control_totals(orgs)
    seed_requests(users)
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
    """2027: approved by the county congress and replied to the departments (批复) today."""
    approved_at = now()
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
    on(95, 9, 0)
    launch = launch_campaign(finance, "annual_evaluation", LAST_YEAR, due_at=round_deadline(20))
    for n, (code, instance) in enumerate(_by_code(launch.started).items()):
        dept = _department_user(users, code)
        on(90 - 2 * n, 10 + n, 15)
        step(dept, instance, "fill_self_evaluation", _self_report(code))
        if code == "JY-2026-002":
            continue  # filed, waiting at finance's review
        on(81 - 2 * n, 15, 40)
        step(
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
        step(
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
    on(37, 9, 0)  # the round's deadline (10 working days) passed weeks ago
    launch = launch_campaign(
        users["finance"], "quarterly_monitoring", THIS_YEAR, quarter=1, due_at=round_deadline(10)
    )
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
    on(30, 16, 20)
    step(
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


RETURN_CHEST_PAIN = {
    "dept_decision": "return",
    "dept_opinion": "胸痛中心年度接诊目标偏低，请按去年实际接诊量重新测算指标值",
}


def _compilation_round(users: dict[str, User]) -> None:
    finance, unit, dept = users["finance"], users["unit"], users["dept"]
    on(22, 9, 0)
    launch = launch_campaign(finance, "budget_compilation", NEXT_YEAR, due_at=round_deadline(30))
    started = _by_code(launch.started)
    # 县第一中学 has filed 校舍维修改造: it waits for 县教育局's review.
    on(19, 16, 45)
    step(unit, started["JY-2026-001"], "fill_project_targets", _project_form("JY-2026-001", 320))
    # 县人民医院's equipment project is through its department: at finance's target review.
    hospital = started["WS-2026-001"]
    on(20, 11, 5)
    step(users["unit2"], hospital, "fill_project_targets", _project_form("WS-2026-001", 380))
    on(17, 10, 30)
    step(users["dept2"], hospital, "dept_review", {"dept_decision": "approve"})
    later(hours=4)
    step(users["dept2"], hospital, "choose_project_function", {"project_function": "医疗服务"})
    # 县人民医院's chest-pain centre was filed and sent back by its department: 已退回.
    chest_pain = started["WS-2027-001"]
    on(9, 15, 10)
    step(users["unit2"], chest_pain, "fill_project_targets", _project_form("WS-2027-001", 300))
    on(7, 11, 0)
    # As the page does it: the return tells the unit (a notification, and e-mail).
    complete_task_telling_returns(
        users["dept2"], ready_task(chest_pain, "dept_review").id, RETURN_CHEST_PAIN
    )
    # A new project of 县第一中学: through the department, finance names the expert.
    on(13, 9, 50)
    instance, _ = start_instance(unit, "budget_compilation", title="创客教育实验室建设")
    step(
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
    on(12, 14, 30)
    step(dept, instance, "dept_review", {"dept_decision": "approve"})
    later(hours=1)
    step(dept, instance, "choose_project_function", {"project_function": "义务教育"})
    on(10, 10, 0)
    step(
        finance,
        instance,
        "organise_pre_evaluation",
        {
            "expert_username": "expert",
            "pre_eval_method": "专家评审",
            "pre_eval_requirements": "重点评估立项必要性和设备配置的投入经济性",
        },
    )
