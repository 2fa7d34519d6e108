"""The year's documents printed for the demo county (issue 14): each read back from its
PDF (pypdf) and its workbook (openpyxl) for the title, the rows and the totals a reader
checks, and each showing a department only its own projects."""

from __future__ import annotations

import pytest

from app.services.documents.disclosure import disclosure_choices, disclosure_list, save_disclosure
from app.services.documents.monitoring import monitoring_summary
from app.services.documents.results import evaluation_results
from app.services.documents.self_evaluation import project_self_evaluation
from app.services.foundation.errors import Forbidden, NotFound, ValidationFailed
from app.services.runtime.tasks import complete_task
from demo_year import (
    campaign_id,
    pdf_text,
    project_id,
    ready_task,
    squeezed,
    workbook_rows,
)

# -- 项目支出绩效自评表 -------------------------------------------------------------------


def test_the_self_evaluation_form_prints_funds_goals_scored_indicators_and_the_grade(
    demo_year, user
):
    # 学生营养午餐补助 (2026) scored 68.22, 中, with a reason for each shortfall.
    document = project_self_evaluation(user("dept"), project_id("JY-2026-003", 2026))
    text = pdf_text(document)
    for expected in (
        "项目支出绩效自评表",
        "2026年度",
        "学生营养午餐补助",
        "县教育局",
        "县实验小学",
        "年初预算数",
        "全年执行数（B）",
        "83.0%",
        "为1200名在校学生提供每日营养午餐补助",
        "受益学生人数",
        "≥1200人",
        "860人",
        "两所教学点撤并，受益学生减少",
        "自评等级：中",
        "68.22分",
        "财政评价等级",
        "压减预算",
        "填报单位（盖章）",
    ):
        assert squeezed(expected) in text, f"{expected} not printed"

    rows = workbook_rows(document)
    assert rows[0] == ["项目支出绩效自评表"] and rows[1] == ["（2026 年度）"]
    assert ["年度资金总额", "150.00", "150.00", "124.50", "10", "83.0%", "8.3"] in rows
    assert [
        "产出指标",
        "数量指标",
        "受益学生人数",
        "≥1200人",
        "860人",
        "25",
        "17.92",
        "原因：两所教学点撤并，受益学生减少；措施：列入整改清单，下年度按月调度",
    ] in rows
    assert ["产出指标", "成本指标", "生均每日补助标准", "≤5元", "4.8元", "25", "25"] in rows
    assert ["总分", "含预算执行率得分", "100", "68.22", "自评等级：中"] in rows


def test_a_self_evaluation_is_printed_only_for_whoever_sees_the_project_once_filed(demo_year, user):
    evaluated = project_id("JY-2026-003", 2026)
    assert project_self_evaluation(user("unit"), project_id("JY-2026-001", 2026)).title
    for outsider in ("dept2", "unit2"):
        with pytest.raises(NotFound):
            project_self_evaluation(user(outsider), evaluated)
    with pytest.raises(NotFound) as missing:  # this year's: not evaluated yet
        project_self_evaluation(user("finance"), project_id("JY-2026-003", 2027))
    assert "尚未填报" in missing.value.message


# -- 季度绩效监控汇总分析 -----------------------------------------------------------------


def _monitoring_round_goes_on(user) -> None:
    """县第一中学's red report gets its correction plan, the department's approval and
    finance's decision to cut 100 万元; 县人民医院 files its equipment project green."""
    unit, dept, finance = user("unit"), user("dept"), user("finance")
    plan = {
        "correction_reason": "施工招标因设计变更延期",
        "correction_measures": "四月底前完成招标，暑期集中施工",
    }
    complete_task(unit, ready_task("correction_plan", "JY-2026-001").id, plan)
    review = ready_task("dept_review", "JY-2026-001", "quarterly_monitoring")
    complete_task(dept, review.id, {"dept_decision": "approve"})
    decision = {
        "finance_decision": "pass",
        "correction_decision": "调减预算",
        "correction_amount": 100,
        "correction_decision_reason": "全年无法执行完毕，调减 100 万元",
    }
    complete_task(
        finance, ready_task("finance_review", "JY-2026-001", "quarterly_monitoring").id, decision
    )
    task = ready_task("fill_monitoring_report", "WS-2026-001")
    rows = []
    for row, actual in zip(
        task.instance.data["indicators"], ("8", "100", "达成", "92"), strict=True
    ):
        key = "qualitative_result" if row["sign"] == "定性" else "actual"
        rows.append(
            dict(row, **{key: actual}, expected_full_year=row["target"], likelihood="确定能")
        )
    complete_task(
        user("unit2"),
        task.id,
        {"spent": 130, "reached_stage_goal": True, "indicators": rows},
    )


def test_the_monitoring_summary_counts_lights_execution_and_corrections_of_the_round(
    demo_year, user
):
    _monitoring_round_goes_on(user)
    document = monitoring_summary(user("finance"), campaign_id("quarterly_monitoring"))
    assert document.landscape
    text = pdf_text(document)
    for expected in (
        "季度绩效监控汇总分析",
        "2027年第1季度",
        "时间进度25.0%",
        "5个，已填报2个，未填报3个",
        "红灯1个，黄灯0个，绿灯1个，蓝灯0个",
        "按部门",
        "按职能分类",
        "预算执行与序时进度",
        "纠偏情况",
        "调减预算：全年无法执行完毕，调减100万元",
        "财政已决定",
    ):
        assert squeezed(expected) in text, f"{expected} not printed"

    rows = workbook_rows(document)
    # by department: projects, filed, red, yellow, green, blue, budget, spent, rate
    assert ["县教育局", 3, 1, 1, 0, 0, 0, "480.00", "8.00", "2.7%"] in rows
    assert ["县卫生健康局", 2, 1, 0, 0, 1, 0, "660.00", "130.00", "32.5%"] in rows
    assert ["合计", 5, 2, 1, 0, 1, 0, "1,140.00", "138.00", "19.7%"] in rows
    # by function, within its department
    assert ["义务教育", "县教育局", 2, 1, 1, 0, 0, 0, "420.00", "8.00", "2.7%"] in rows
    assert ["医疗服务", "县卫生健康局", 2, 1, 0, 0, 1, 0, "660.00", "130.00", "32.5%"] in rows
    # execution against the quarter's time progress (25 %)
    assert [
        "JY-2026-001",
        "校舍维修改造",
        "县教育局",
        "300.00",
        "8.00",
        "2.7%",
        "否",
        "红灯",
        "红灯",
    ] in rows
    assert [
        "WS-2026-001",
        "基层医疗设备购置",
        "县卫生健康局",
        "400.00",
        "130.00",
        "32.5%",
        "是",
        "绿灯",
        "绿灯",
    ] in rows
    assert ["JY-2026-002", "教师能力提升培训", "县教育局", "60.00", "未填报"] in rows
    correction = next(
        row for row in rows if row[:2] == ["JY-2026-001", "校舍维修改造"] and "财政已决定" in row
    )
    assert correction[-3:] == ["调减预算：全年无法执行完毕，调减 100 万元", "100.00", "财政已决定"]


def test_a_department_sees_the_monitoring_summary_of_its_own_projects_only(demo_year, user):
    document = monitoring_summary(user("dept2"), campaign_id("quarterly_monitoring"))
    rows = workbook_rows(document)
    assert ["合计", 2, 0, 0, 0, 0, 0, "660.00"] in rows
    assert "县教育局" not in pdf_text(document)
    with pytest.raises(NotFound):  # an evaluation round has no monitoring summary
        monitoring_summary(user("finance"), campaign_id("annual_evaluation"))


# -- 绩效评价结果汇总 --------------------------------------------------------------------


def test_the_results_summary_gives_grades_money_by_grade_and_next_years_budget(demo_year, user):
    document = evaluation_results(user("gov"), 2026)
    text = pdf_text(document)
    for expected in (
        "绩效评价结果汇总",
        "2026年度",
        "县人民政府、县人民代表大会",
        "5个，已评价定级4个",
        "优1个，良1个，中1个，差1个",
        "已定级项目中4个已有安排：增加1个，压减2个，取消1个",
        "资金按评价等级分布",
        "评价结果应用（2027年度预算安排）",
        "未列入预算",
    ):
        assert squeezed(expected) in text, f"{expected} not printed"

    rows = workbook_rows(document)
    # by department: projects, graded, 优 良 中 差, average score, budget
    assert ["县教育局", 3, 2, 1, 0, 1, 0, "84.01", "490.00"] in rows
    assert ["县卫生健康局", 2, 2, 0, 1, 0, 1, "67.35", "510.00"] in rows
    assert ["合计", 5, 4, 1, 1, 1, 1, "75.68", "1,000.00"] in rows
    assert ["公共卫生", "县卫生健康局", 1, 1, 0, 0, 0, 1, "46.34", "90.00"] in rows
    # money by grade: projects, budget, share, spent, next year, change
    assert ["优", 1, "280.00", "28.0%", "274.50", "300.00", "增加 20.00"] in rows
    assert ["差", 1, "90.00", "9.0%", "49.50", "0.00", "减少 90.00"] in rows
    assert ["未定级", 1, "60.00", "6.0%", "57.60", "60.00", "持平"] in rows
    assert ["合计", 5, "1,000.00", "100.0%", "905.10", "880.00", "减少 120.00"] in rows
    # what next year's budget did with each grade
    assert [
        "JY-2026-003",
        "学生营养午餐补助",
        "县教育局",
        "68.22",
        "中",
        "压减预算",
        "150.00",
        "批复 120.00",
        "减少 30.00",
    ] in rows
    assert [
        "WS-2026-002",
        "家庭医生签约服务",
        "县卫生健康局",
        "46.34",
        "差",
        "取消预算",
        "90.00",
        "未列入预算",
        "减少 90.00",
    ] in rows


def test_a_department_gets_the_results_of_its_own_projects_and_an_empty_year_nothing(
    demo_year, user
):
    rows = workbook_rows(evaluation_results(user("dept2"), 2026))
    assert ["合计", 2, 2, 0, 1, 0, 1, "67.35", "510.00"] in rows
    assert not any("县教育局" in str(cell) for row in rows for cell in row)
    with pytest.raises(NotFound):
        evaluation_results(user("finance"), 2019)


# -- 信息公开 ------------------------------------------------------------------------------


def _key_evaluation_of_teacher_training(user) -> None:
    """Finance passes 教师能力提升培训's self-evaluation into its own key evaluation
    (决策 18, 过程 17, 产出 27, 效益 26 of 100: 88, 良) and applies the result."""
    finance = user("finance")
    review = ready_task("finance_review_self_evaluation", "JY-2026-002")
    complete_task(
        finance,
        review.id,
        {
            "finance_decision": "pass",
            "finance_opinion": "列入重点评价",
            "key_evaluation": True,
            "key_evaluator": "finance",
        },
    )
    rows = [
        {"level1": level, "points": points, "score": score}
        for level, points, score in zip(
            ("决策", "过程", "产出", "效益"), (20, 20, 30, 30), (18, 17, 27, 26), strict=True
        )
    ]
    complete_task(
        finance,
        ready_task("key_evaluation_finance", "JY-2026-002").id,
        {
            "key_indicators": rows,
            "key_opinion": "培训覆盖面达标，跟踪问效不足",
            "key_report": "data:text/plain;name=report.txt;base64,6YeN54K56K+E5Lu35oql5ZGK",
        },
    )
    complete_task(
        finance,
        ready_task("result_application", "JY-2026-002").id,
        {
            "final_grade": "良",
            "next_year_tag": "从严审核",
            "rectification": [],
            "disclose": True,
            "report_to_government": True,
        },
    )


def test_finance_chooses_the_reports_and_the_disclosure_list_prints_them(demo_year, user):
    _key_evaluation_of_teacher_training(user)
    finance = user("finance")
    choices = disclosure_choices(finance, 2026)
    assert [d.name for d in choices.departments] == ["县教育局", "县卫生健康局"]
    assert [(k.project.code, k.result) for k in choices.key_evaluations] == [
        ("JY-2026-002", "良（88 分）")
    ]
    education = choices.departments[0].id
    training = choices.key_evaluations[0].project.id
    save_disclosure(finance, 2026, [education], [training])

    document = disclosure_list(user("congress"), 2026)  # the published list is public
    text = pdf_text(document)
    for expected in (
        "绩效评价信息公开目录",
        "2026年度",
        "县教育局2026年度部门整体绩效评价报告",
        "教师能力提升培训项目2026年度重点绩效评价报告",
        "良（88分）",
        "所属项目优1个，良1个，中1个",
    ):
        assert squeezed(expected) in text, f"{expected} not printed"
    rows = workbook_rows(document)
    assert ["整体绩效评价报告", "1 份"] in rows and ["重点绩效评价报告", "1 份"] in rows
    assert [
        1,
        "整体绩效评价报告",
        "县教育局2026年度部门整体绩效评价报告",
        "县教育局",
        "所属项目 优 1 个，良 1 个，中 1 个",
    ] in rows
    assert [
        2,
        "重点绩效评价报告",
        "教师能力提升培训项目2026年度重点绩效评价报告",
        "县教育局",
        "良（88 分）",
    ] in rows
    assert "县卫生健康局2026年度" not in text  # not ticked, not published

    save_disclosure(finance, 2026, [], [])  # choosing again replaces the choice
    assert ["整体绩效评价报告", "0 份"] in workbook_rows(disclosure_list(finance, 2026))


def test_only_finance_chooses_and_only_the_years_candidates(demo_year, user):
    with pytest.raises(Forbidden):
        save_disclosure(user("dept"), 2026, [], [])
    with pytest.raises(Forbidden):
        disclosure_choices(user("gov"), 2026)
    health_2027 = project_id("WS-2026-001", 2027)
    with pytest.raises(ValidationFailed) as refused:
        save_disclosure(user("finance"), 2026, [999], [health_2027])
    assert len(refused.value.details) == 2
    assert ["整体绩效评价报告", "0 份"] in workbook_rows(disclosure_list(user("finance"), 2026))
