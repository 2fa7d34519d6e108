"""Official forms from the registry: 项目支出绩效目标申报表 as a PDF with its Chinese text
embedded and as an Excel workbook, for whoever may see the project and nobody else."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.services.documents import render as document_render
from app.services.documents.document import project_targets
from app.services.foundation.errors import NotFound
from factories import SCHOOL_INDICATORS, approved_project

SCORED = [dict(SCHOOL_INDICATORS[0], points=50, standard_value="上年维修 2800 平方米")]


@pytest.fixture
def project(app):
    return approved_project(
        "JY-2027-001",
        2027,
        SCORED,
        approved_amount=300,
        adjusted_amount=320,
        requested_amount=320,
        functional_category="2050203 初中教育",
        department_function="义务教育",
        funding_source="本级财政",
    )


def test_the_target_form_prints_with_its_fields_indicators_and_signature_lines(project, user):
    document = project_targets(user("unit"), project.id)
    text = PdfReader(BytesIO(document_render.pdf_bytes(document))).pages[0].extract_text()
    printed = "".join(text.split())  # a cell wraps its text over lines
    for expected in (
        "项目支出绩效目标申报表",
        "2027 年度",
        "校舍维修改造",
        "县教育局",
        "县第一中学",
        "义务教育",
        "2050203 初中教育",
        "320.00",
        "维修校舍面积",
        "≥3000平方米",
        "上年维修 2800 平方米",
        "填报单位（盖章）",
        "主管部门审核意见",
    ):
        assert "".join(expected.split()) in printed, f"{expected} not printed"


def test_the_target_form_as_a_workbook_holds_the_same(project, user):
    document = project_targets(user("dept"), project.id)
    sheet = load_workbook(BytesIO(document_render.workbook(document))).active
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["项目支出绩效目标申报表"] and values[1] == ["（2027 年度）"]
    assert ["项目名称", "校舍维修改造"] in values
    assert ["批复金额（万元）", "300.00"] in values
    header = values.index(["一级指标", "二级指标", "三级指标", "指标值", "标准值", "分值"])
    assert values[header + 1] == [
        "产出指标",
        "数量指标",
        "维修校舍面积",
        "≥3000平方米",
        "上年维修 2800 平方米",
        "50",
    ]
    assert ["填报日期："] in values


def test_another_department_cannot_print_the_project(project, user):
    with pytest.raises(NotFound):
        project_targets(user("dept2"), project.id)
