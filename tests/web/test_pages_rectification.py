"""The 整改清单 page, its PDF and its workbook: items as their project's visibility allows,
filtered by year and status, with the accountability list naming who decided."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

import pytest
from lxml import html
from openpyxl import load_workbook
from pypdf import PdfReader

from rectification_loop import (
    LEDGER,
    deploy_evaluation,
    evaluated_with_items,
    report,
    verify,
)

RECORDS = {"description": "规范项目验收资料归档", "deadline": "2027-03-15"}


@pytest.fixture
def failed_twice(app, user, clock):
    """县教育局's ledger item failed twice; its records item open and, from 2027-03-16,
    overdue."""
    deploy_evaluation()
    instance = evaluated_with_items(user, [LEDGER, RECORDS])
    dept, finance = user("dept"), user("finance")
    report(dept, instance, "已完成", "正在整改")
    verify(finance, instance, ("未通过", "台账未覆盖上级转移支付资金"), None)
    report(dept, instance, "已完成", "正在整改")
    verify(finance, instance, ("未通过", "仍缺少转移支付资金台账"), None)
    return instance


def rows(page, table: str) -> list[list[str]]:
    tree = html.fromstring(page.text)
    return [
        [" ".join(cell.text_content().split()) for cell in row.xpath("./td")]
        for row in tree.xpath(f"//table[contains(@class, '{table}')]/tbody/tr")
    ]


def test_finance_sees_every_item_and_the_accountability_list_with_who_decided(
    client, login, failed_twice, clock, user
):
    clock.at = datetime(2027, 3, 20, 9, 0)
    login("finance")
    page = client.get("/rectifications")
    assert page.status_code == 200
    items = rows(page, "rectifications")
    assert [(r[3].split("退回理由")[0], r[5], r[6]) for r in items] == [
        ("完善项目资金台账", "整改中", "2"),
        ("规范项目验收资料归档", "整改中", "0"),
    ]
    assert items[0][3].endswith("退回理由： 仍缺少转移支付资金台账")
    assert items[1][4] == "2027-03-15 已逾期"
    finance = user("finance").display_name
    accountable = rows(page, "accountability")
    assert [(r[2], r[3]) for r in accountable] == [
        ("完善项目资金台账", "两次核实未通过"),
        ("规范项目验收资料归档", "逾期未销号"),
    ]
    assert f"{finance}：未通过（台账未覆盖上级转移支付资金）" in accountable[0][6]
    assert f"{finance}：未通过（仍缺少转移支付资金台账）" in accountable[0][6]
    assert accountable[1][6] == "尚未核实" and accountable[0][5] == finance
    assert 'href="/rectifications"' in page.text, "in the menu"


def test_the_list_filters_by_status_and_year(client, login, failed_twice):
    login("finance")
    assert rows(client.get("/rectifications?status=closed"), "rectifications") == []
    assert len(rows(client.get("/rectifications?status=open&year=2027"), "rectifications")) == 2
    assert rows(client.get("/rectifications?year=2026"), "rectifications") == []
    assert client.get("/rectifications?status=done").status_code == 400


def test_another_department_sees_none_of_them(client, login, failed_twice):
    login("dept2")
    page = client.get("/rectifications?year=all")
    assert rows(page, "rectifications") == [] and rows(page, "accountability") == []
    assert "完善项目资金台账" not in page.text
    pdf = client.get("/rectifications/document.pdf?year=all")
    assert "完善项目资金台账" not in _pdf_text(pdf.data)
    login("dept")
    assert len(rows(client.get("/rectifications"), "rectifications")) == 2


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_the_list_prints_as_a_pdf_and_a_workbook_holding_the_same(
    client, login, failed_twice, clock
):
    clock.at = datetime(2027, 3, 20, 9, 0)
    login("finance")
    pdf = client.get("/rectifications/document.pdf?year=2027")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = _pdf_text(pdf.data).replace("\n", "")  # a cell wraps its text
    for expected in (
        "整改清单",
        "2027 年度",
        "完善项目资金台账",
        "问责/通报名单",
        "两次核实未通过",
    ):
        assert expected in text
    assert "共 2 项：整改中 2 项，待核实 0 项，已销号 0 项" in text

    xlsx = client.get("/rectifications/document.xlsx?year=2027")
    assert xlsx.status_code == 200
    sheet = load_workbook(BytesIO(xlsx.data)).active
    values = [
        [cell for cell in row if cell is not None] for row in sheet.iter_rows(values_only=True)
    ]
    assert values[0] == ["整改清单"]
    listed = [row for row in values if row and row[0] in (1, 2)]
    assert [row[4] for row in listed[:2]] == ["完善项目资金台账", "规范项目验收资料归档"]
    assert [row[3:5] for row in listed[2:]] == [
        ["完善项目资金台账", "两次核实未通过"],
        ["规范项目验收资料归档", "逾期未销号"],
    ]


def test_the_page_speaks_english_when_asked(client, login, failed_twice, clock):
    clock.at = datetime(2027, 3, 20, 9, 0)
    login("finance")
    client.get("/lang/en")
    page = client.get("/rectifications")
    assert [(r[2], r[5]) for r in rows(page, "rectifications")] == [
        ("Evaluation", "Being rectified"),
        ("Evaluation", "Being rectified"),
    ]
    assert [r[3] for r in rows(page, "accountability")] == [
        "Failed verification twice",
        "Overdue, not closed",
    ]
    assert "Listed for accountability" in page.text
