"""The batch page of quarterly monitoring reports: list, template download, upload with
an error table (422, nothing submitted) or a summary of where each report went."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from lxml import html
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import Org, Project, Task
from app.services.administration.deployment import deploy_definition
from app.services.foundation.clock import now
from app.services.registry.campaigns import launch_campaign

ROOT = Path(__file__).parents[2]
KEY, YEAR = "quarterly_monitoring", 2027
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AREA = {"level1": "产出指标", "level2": "数量指标", "name": "维修校舍面积", "sign": "≥",
        "target": "3000", "unit": "平方米", "period": "年度"}  # fmt: skip


def org(code: str) -> Org:
    return db.session.scalar(select(Org).where(Org.code == code))


@pytest.fixture
def monitoring_round(app, user):
    """The shipped process deployed (as tests/processes/conftest.py does) and round Q1
    launched over one project of 县第一中学 and one of 县人民医院."""
    forms = {p.name: p.read_bytes() for p in sorted((ROOT / "forms").glob("*.json"))}
    path = ROOT / "processes" / f"{KEY}.bpmn"
    deploy_definition(None, path.read_bytes(), path.name, {}, None, forms)
    for code, name, dept, unit in (
        ("JY-2027-001", "校舍维修改造", "edu", "edu-school1"),
        ("WS-2027-001", "设备购置", "health", "health-hospital"),
    ):
        db.session.add(
            Project(
                code=code,
                name=name,
                fiscal_year=YEAR,
                department_id=org(dept).id,
                unit_id=org(unit).id,
                status="approved",
                approved_amount=100,
                adjusted_amount=100,
                indicators=[AREA],
                cumulative_adjustment=0,
                updated_at=now(),
            )
        )
    db.session.commit()
    launch_campaign(user("finance"), KEY, YEAR, 1)
    db.session.remove()


def download(client):
    response = client.get("/batch/monitoring/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    return load_workbook(BytesIO(response.data))


def put(sheet, row: int, header: str, value) -> None:
    column = [c.value for c in sheet[1]].index(header) + 1
    sheet.cell(row=row, column=column).value = value


def upload(client, book):
    out = BytesIO()
    book.save(out)
    out.seek(0)
    return client.post(
        "/batch/monitoring",
        data={"file": (out, "监控报告.xlsx")},
        content_type="multipart/form-data",
    )


def test_inbox_links_to_the_batch_page_which_lists_the_units_reports(
    client, login, monitoring_round
):
    login("unit")
    inbox = client.get("/")
    assert "批量填报监控报告" in inbox.text and "/batch/monitoring" in inbox.text
    page = client.get("/batch/monitoring")
    assert page.status_code == 200
    assert "JY-2027-001" in page.text and "校舍维修改造" in page.text
    assert "WS-2027-001" not in page.text
    assert "下载填报模板" in page.text and 'enctype="multipart/form-data"' in page.text
    assert 'name="csrf_token"' in page.text

    login("dept")
    assert "批量填报监控报告" not in client.get("/").text


def test_download_then_upload_shows_errors_then_a_summary(client, login, monitoring_round):
    login("unit")
    book = download(client)
    headers = [c.value for c in book["项目"][1]]
    assert headers[:2] == ["任务编号（请勿修改）", "项目编码"]
    assert "截至本季度末支出数（万元）" in headers and "进度分析" in headers
    assert [c.value for c in book["指标"][1]][3:6] == ["三级指标", "符号", "指标值"]
    assert [r[1] for r in book["项目"].iter_rows(min_row=2, values_only=True)] == ["JY-2027-001"]

    projects, indicators = book["项目"], book["指标"]
    put(projects, 2, "截至本季度末支出数（万元）", -1)
    put(projects, 2, "是否达到阶段性目标（是/否）", "是")
    put(indicators, 2, "截至本季度末实际完成值", 900)
    put(indicators, 2, "完成可能性", "大概")
    refused = upload(client, book)
    assert refused.status_code == 422
    assert "未提交任何报告" in refused.text
    assert "截至本季度末支出数" in refused.text and "完成可能性" in refused.text
    assert "不能小于 0" in refused.text and "请从给定选项中选择" in refused.text
    db.session.rollback()
    task = db.session.scalar(select(Task).where(Task.activity_id == "fill_monitoring_report"))
    assert task.status == "ready"

    put(projects, 2, "截至本季度末支出数（万元）", 30)
    put(indicators, 2, "完成可能性", "确定能")
    done = upload(client, book)
    assert done.status_code == 200, done.text
    assert "已提交 1 份报告" in done.text and "已转部门审核" in done.text
    assert "JY-2027-001" in done.text
    assert "没有待您填报的监控报告" in done.text


def test_a_report_behind_time_links_to_its_correction_task(client, login, monitoring_round):
    login("unit")
    book = download(client)
    projects, indicators = book["项目"], book["指标"]
    put(projects, 2, "截至本季度末支出数（万元）", 1)
    put(projects, 2, "是否达到阶段性目标（是/否）", "否")
    put(projects, 2, "未达序时进度原因类型", "政府采购程序")
    put(projects, 2, "进度分析", "招标延期")
    put(indicators, 2, "截至本季度末实际完成值", 100)
    put(indicators, 2, "完成可能性", "确定能")
    done = upload(client, book)
    assert done.status_code == 200, done.text
    db.session.rollback()
    correction = db.session.scalar(select(Task).where(Task.activity_id == "correction_plan"))
    assert correction is not None and correction.status == "ready"
    page = html.fromstring(done.text)
    (link,) = page.xpath(f'//section[@class="batch-summary"]//a[@href="/tasks/{correction.id}"]')
    assert link.text_content() == "填写纠偏措施"
    assert "JY-2027-001" in link.getparent().text_content()


def test_other_units_template_and_bad_files(client, login, monitoring_round):
    login("unit2")
    book = download(client)
    assert [r[1] for r in book["项目"].iter_rows(min_row=2, values_only=True)] == ["WS-2027-001"]
    assert [r[1] for r in book["指标"].iter_rows(min_row=2, values_only=True)] == ["WS-2027-001"]

    response = client.post(
        "/batch/monitoring",
        data={"file": (BytesIO(b"a,b\n1,2\n"), "reports.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "不是 Excel 工作簿" in response.text
