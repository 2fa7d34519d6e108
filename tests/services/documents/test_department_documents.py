"""部门整体支出绩效目标申报表 and 部门整体绩效自评报告 as PDF (Chinese text embedded) and as
Excel: title, year, rows and the 合计 rows that let a reader check them by hand; only for
whoever may see the department."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.services.documents import render as document_render
from app.services.documents.department_documents import (
    department_evaluation_document,
    department_targets_document,
)
from app.services.foundation.errors import NotFound
from department_level import deploy_department_processes, evaluated_through_the_process
from factories import org


@pytest.fixture
def evaluated(app, user):
    deploy_department_processes()
    evaluated_through_the_process(user, 2026)
    return org("edu").id


def printed(document) -> str:
    pages = PdfReader(BytesIO(document_render.pdf_bytes(document))).pages
    return "".join("".join(page.extract_text().split()) for page in pages)


def rows(document) -> list[list]:
    sheet = load_workbook(BytesIO(document_render.workbook(document))).active
    return [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]


def test_the_target_form_prints_functions_amounts_indicators_and_their_totals(evaluated, user):
    text = printed(department_targets_document(user("dept"), evaluated, 2026))
    for expected in (
        "部门整体支出绩效目标申报表",
        "（2026年度）",
        "县教育局",
        "支撑县政府“教育强县”年度目标",
        "义务教育",
        "430.00",
        "教师队伍建设",
        "60.00",
        "合计490.00",
        "维修校舍面积",
        "≥3000平方米",
        "学生营养午餐补助",
        "张伟（县财政局预算股）",
        "部门（盖章）",
    ):
        assert expected in text, f"{expected} not printed"


def test_the_target_form_as_a_workbook_adds_up(evaluated, user):
    values = rows(department_targets_document(user("finance"), evaluated, 2026))
    assert values[0] == ["部门整体支出绩效目标申报表"] and values[1] == ["（2026 年度）"]
    assert ["项目支出合计（万元）", "490.00"] in values
    header = values.index(["序号", "职能名称", "金额（万元）", "职能分类绩效目标", "归集项目数"])
    assert values[header + 1] == ["1", "义务教育", "430.00", "办学条件标准化，学生营养改善", "2"]
    assert values[header + 2] == ["2", "教师队伍建设", "60.00", "年培训教师不少于 400 人次", "1"]
    assert values[header + 3] == ["合计", "490.00", "3"]
    header = values.index(["所属职能", "一级指标", "二级指标", "三级指标", "指标值", "分值"])
    assert values[header + 5] == ["合计", "90"]
    assert ["教师队伍建设", "JY-2026-002", "教师能力提升培训", "县第一中学", "60.00"] in values


def test_the_self_evaluation_report_prints_the_rolled_up_grades_and_the_delivery(evaluated, user):
    text = printed(department_evaluation_document(user("gov"), evaluated, 2026))
    for expected in (
        "部门整体绩效自评报告",
        "（2026年度）",
        "县教育局",
        "自评等级优",
        "全年预算数A（万元）490.00",
        "全年执行数B（万元）456.60",
        "JY-2026-003学生营养午餐补助义务教育150.00124.5068.22中",
        "优2良0中1差0",
        "两所村小改造顺延至下年",
        "同意报送县政府",
        "报送县政府时间",
        "县政府阅知意见已阅",
    ):
        assert expected in text, f"{expected} not printed"


def test_the_self_evaluation_workbook_holds_the_same_totals(evaluated, user):
    values = rows(department_evaluation_document(user("dept"), evaluated, 2026))
    assert values[0] == ["部门整体绩效自评报告"]
    assert ["自评等级", "优"] in values
    assert ["预算执行率", "93.2%"] in values
    header = values.index(
        ["项目编码", "项目名称", "所属职能", "预算（万元）", "执行（万元）", "得分", "等级"]
    )
    assert values[header + 1] == [
        "JY-2026-001",
        "校舍维修改造",
        "义务教育",
        "280.00",
        "274.50",
        "99.8",
        "优",
    ]
    assert values[header + 4] == ["合计", "3 个项目", "优 2　良 0　中 1　差 0", "490.00", "456.60"]
    header = values.index(
        ["职能名称", "目标金额（万元）", "归集项目预算（万元）", "归集项目执行（万元）", "完成情况"]
    )
    assert values[header + 3] == ["合计", "490.00", "490.00", "456.60"]


@pytest.mark.parametrize("username", ["dept2", "unit2", "expert"])
def test_nobody_outside_the_department_prints_its_forms(evaluated, user, username):
    with pytest.raises(NotFound):
        department_targets_document(user(username), evaluated, 2026)
    with pytest.raises(NotFound):
        department_evaluation_document(user(username), evaluated, 2026)


def test_a_year_without_targets_is_not_found(evaluated, user):
    with pytest.raises(NotFound):
        department_targets_document(user("dept"), evaluated, 2031)
