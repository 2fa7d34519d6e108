"""项目库 pages: who sees which projects, filters, the Excel export, the chart, the history."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import Org, Project, ProjectEvent, RectificationItem
from html_page import attributes, every, one, parse, texts

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXCEL_HEADERS = [
    "编码",
    "项目名称",
    "主管部门",
    "实施单位",
    "批复金额（万元）",
    "调整后预算（万元）",
    "最新季度",
    "执行率",
    "序时进度",
    "预警",
    "评价等级",
    "下年预算建议",
    "资金来源",
]

DEPARTMENT_OF = {"edu-school1": "edu", "edu-school2": "edu", "health-hospital": "health"}


def add_project(
    code: str,
    name: str,
    unit: str,
    money: tuple = (None, None),
    monitored: tuple = (None, None, None),
    graded: tuple = (None, None),
    status: str = "approved",
    year: int = 2027,
) -> Project:
    """A registry row: money = (approved, adjusted) in 万元, monitored = (quarter, rate,
    light), graded = (grade, next year's tag)."""
    orgs = {o.code: o for o in db.session.scalars(select(Org))}
    project = Project(
        code=code,
        name=name,
        fiscal_year=year,
        department_id=orgs[DEPARTMENT_OF[unit]].id,
        unit_id=orgs[unit].id,
        status=status,
        approved_amount=money[0],
        adjusted_amount=money[1],
        cumulative_adjustment=0,
        latest_quarter=monitored[0],
        latest_execution_rate=monitored[1],
        latest_light=monitored[2],
        grade=graded[0],
        next_year_tag=graded[1],
        indicators=[{"level1": "产出指标", "name": "维修面积", "sign": "≥", "target": "3000"}],
        updated_at=datetime(2027, 7, 1),
    )
    db.session.add(project)
    db.session.flush()
    return project


@pytest.fixture
def registry(app) -> dict[str, Project]:
    """Six 2027 projects of two departments (WS-002 last monitored in Q1), one of 2026."""
    school, school2, hospital = "edu-school1", "edu-school2", "health-hospital"
    made = {
        "JY-001": add_project(
            "JY-001", "校舍维修改造", school, (120.5, 130.0), (2, 0.30, "red"), ("良", "按需安排")
        ),
        "JY-002": add_project(
            "JY-002", "学生营养餐", school, (80.0, 80.0), (2, 0.50, "green"), ("优", "优先保障")
        ),
        "JY-003": add_project(
            "JY-003", "图书馆藏书", school2, (20.0, 20.0), (2, 0.40, "yellow"), ("中", "压减")
        ),
        "WS-001": add_project(
            "WS-001", "医疗设备购置", hospital, (300.0, 300.0), (2, 0.60, "green"), ("优", None)
        ),
        "WS-002": add_project(
            "WS-002", "基层卫生培训", hospital, (15.0, 15.0), (1, 0.20, "blue"), ("差", "取消")
        ),
        "WS-003": add_project("WS-003", "远程会诊平台", hospital, status="excluded"),
        "JY-2026": add_project(
            "JY-001", "校舍维修改造（上年）", school, (100.0, 100.0), (4, 0.98, "green"), year=2026
        ),
    }
    db.session.commit()
    return made


def rows(page) -> list[str]:
    return attributes(parse(page), "tr[data-project]", "data-project")


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("unit", ["JY-001", "JY-002"]),
        ("dept", ["JY-001", "JY-002", "JY-003"]),
        ("unit2", ["WS-001", "WS-002", "WS-003"]),
        ("dept2", ["WS-001", "WS-002", "WS-003"]),
        ("finance", ["JY-001", "JY-002", "JY-003", "WS-001", "WS-002", "WS-003"]),
        ("congress", ["JY-001", "JY-002", "JY-003", "WS-001", "WS-002", "WS-003"]),
        ("expert", []),
    ],
)
def test_each_role_sees_only_its_scope_of_the_registry(client, login, registry, username, expected):
    login(username)
    page = client.get("/projects")
    assert page.status_code == 200
    assert rows(page) == expected
    assert "项目库" in page.text


def test_registry_row_shows_the_columns_a_reader_needs(client, login, registry):
    login("dept")
    page = client.get("/projects")
    header = page.text.split("<thead>")[1].split("</thead>")[0]
    titles = "编码 项目名称 主管部门 实施单位 批复金额（万元） 调整后预算 最新季度 执行率 序时进度"
    for title in titles.split() + ["预警", "评价等级", "下年预算建议"]:
        assert title in header, title
    row = page.text.split('<tr data-project="JY-001">')[1].split("</tr>")[0]
    assert "校舍维修改造" in row and "县教育局" in row and "县第一中学" in row
    assert "120.50" in row and "130.00" in row and "第2季度" in row
    assert "30.0%" in row and "50.0%" in row  # execution rate, time progress
    assert 'class="light light-red"' in row and "红灯" in row
    assert "良" in row and "按需安排" in row


def test_another_department_gets_404_on_an_education_project(client, login, registry):
    project = registry["JY-001"]
    for username in ("dept2", "unit2", "expert"):
        login(username)
        answer = client.get(f"/projects/{project.id}")
        assert answer.status_code == 404 and "校舍维修改造" not in answer.text
    login("unit")
    assert client.get(f"/projects/{registry['JY-003'].id}").status_code == 404  # sibling school
    assert client.get(f"/projects/{project.id}").status_code == 200
    assert client.get("/projects/99999").status_code == 404


def test_filters_and_search_narrow_the_list(client, login, registry):
    login("finance")
    assert rows(client.get("/projects?light=red")) == ["JY-001"]
    assert rows(client.get("/projects?grade=优")) == ["JY-002", "WS-001"]
    assert rows(client.get("/projects?status=excluded")) == ["WS-003"]
    assert rows(client.get("/projects?q=营养")) == ["JY-002"]
    assert rows(client.get("/projects?q=ws-00")) == ["WS-001", "WS-002", "WS-003"]
    health = registry["WS-001"].department_id
    assert rows(client.get(f"/projects?department={health}&light=green")) == ["WS-001"]
    assert rows(client.get("/projects?year=2026")) == ["JY-001"]
    assert len(rows(client.get("/projects?year=all"))) == 7


def test_all_years_shows_which_year_each_row_is(client, login, registry):
    login("finance")
    every_year = parse(client.get("/projects?year=all"))
    assert texts(every_year, "thead th")[0] == "年度"
    # the same project code in two years, told apart by the year column
    years = texts(every_year, 'tr[data-project="JY-001"] td:first-child')
    assert sorted(years) == ["2026", "2027"]
    one_year = parse(client.get("/projects?year=2027"))
    assert "年度" not in texts(one_year, "thead th")  # one year: said by the filter
    assert "没有符合条件的项目" in client.get("/projects?q=不存在的项目").text


def test_department_filter_is_offered_to_finance_only(client, login, registry):
    login("finance")
    assert 'name="department"' in client.get("/projects").text
    login("dept")
    assert 'name="department"' not in client.get("/projects").text
    # and naming another department's id shows nothing of it
    health = registry["WS-001"].department_id
    assert rows(client.get(f"/projects?department={health}")) == []


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-rate", "WS-001 JY-002 JY-003 JY-001 WS-002 WS-003"),  # blanks last
        ("light", "JY-001 JY-003 WS-002 JY-002 WS-001 WS-003"),  # red, yellow, blue, green
        ("grade", "JY-002 WS-001 JY-001 JY-003 WS-002 WS-003"),  # 优 良 中 差
        ("-code", "WS-003 WS-002 WS-001 JY-003 JY-002 JY-001"),
    ],
)
def test_sorting_by_rate_light_grade_and_code(client, login, registry, sort, expected):
    login("finance")
    assert rows(client.get(f"/projects?sort={sort}")) == expected.split()


def test_the_list_is_paged_by_fifty(client, login, registry):
    for n in range(55):
        add_project(f"JY-9{n:02d}", f"批量项目{n}", "edu-school2", (1.0, 1.0))
    db.session.commit()
    login("dept")
    first = client.get("/projects")
    assert len(rows(first)) == 50 and "58 个项目" in first.text and "第 1 / 2 页" in first.text
    second = client.get("/projects?page=2")
    assert rows(second) == [f"JY-9{n:02d}" for n in range(47, 55)]


def test_excel_export_holds_exactly_the_filtered_list(client, login, registry):
    login("finance")
    answer = client.get("/projects/export.xlsx?light=green&sort=code")
    assert answer.status_code == 200
    assert answer.mimetype == XLSX
    assert quote("项目库-2027.xlsx") in answer.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(answer.data)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == EXCEL_HEADERS
    school = ["JY-002", "学生营养餐", "县教育局", "县第一中学", 80, 80, "第2季度", 0.5, 0.5]
    hospital = ["WS-001", "医疗设备购置", "县卫生健康局", "县人民医院", 300, 300, "第2季度", 0.6]
    assert values[1:] == [
        school + ["绿灯", "优", "优先保障", None],  # no funding source recorded
        hospital + [0.5, "绿灯", "优", None, None],
    ]
    assert rows(client.get("/projects?light=green&sort=code")) == [r[0] for r in values[1:]]


def test_excel_export_respects_the_viewers_scope(client, login, registry):
    login("unit2")
    sheet = load_workbook(BytesIO(client.get("/projects/export.xlsx").data)).active
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert codes == ["WS-001", "WS-002", "WS-003"]


def chart_bars(page) -> list[dict]:
    return [
        {
            "department": bar.get("data-department"),
            "height": float(bar.get("height")),
            "label": one(bar, "title").text.split("：", 1)[1].split("（")[0],
        }
        for bar in every(parse(page), "rect.bar[data-department]")
    ]


def test_finance_sees_one_bar_per_department_against_time_progress(client, login, registry):
    login("finance")
    page = client.get("/projects")
    svg = page.text.split('<svg class="chart"')[1].split("</svg>")[0]
    # Q2 is the latest monitored quarter: WS-002 (Q1) is not averaged in; time progress 50 %.
    assert chart_bars(page) == [
        {"department": "县教育局", "height": 64.0, "label": "40.0%"},
        {"department": "县卫生健康局", "height": 96.0, "label": "60.0%"},
    ]
    assert ">县教育局</text>" in svg and ">县卫生健康局</text>" in svg
    assert 'class="progress-line"' in svg and 'y1="104.0"' in svg  # 184 - 0.5 × 160
    assert "序时进度 50.0%" in svg
    assert "2027年第2季度" in page.text
    assert "<script" not in page.text  # drawn on the server, no chart library


def test_a_department_sees_only_its_bar_and_a_unit_no_chart(client, login, registry):
    login("dept")
    assert [b["department"] for b in chart_bars(client.get("/projects"))] == ["县教育局"]
    login("unit")
    assert '<svg class="chart"' not in client.get("/projects").text


def test_project_page_shows_history_indicators_submissions_and_rectification(
    client, login, registry, submission
):
    project = registry["JY-001"]
    instance, _ = submission()
    instance.project_id = project.id
    db.session.add_all(
        [
            ProjectEvent(
                project_id=project.id,
                instance_id=instance.id,
                at=datetime(2027, 1, 20),
                kind="approved",
                summary="批复预算 120.5 万元",
            ),
            ProjectEvent(
                project_id=project.id,
                instance_id=instance.id,
                at=datetime(2027, 7, 5),
                kind="monitored",
                summary="第2季度监控：执行率 0.3，预警 red",
            ),
            ProjectEvent(
                project_id=project.id,
                instance_id=None,
                at=datetime(2028, 3, 1),
                kind="evaluated",
                summary="年度评价 85 分，等级 良",
            ),
            RectificationItem(
                project_id=project.id, description="加快支出进度", created_at=datetime(2028, 3, 1)
            ),
        ]
    )
    db.session.commit()
    login("dept")
    page = client.get(f"/projects/{project.id}")
    assert page.status_code == 200
    assert "校舍维修改造" in page.text and "县第一中学" in page.text and "已批复" in page.text
    assert "维修面积" in page.text and "3000" in page.text
    doc = parse(page)
    timeline = one(doc, "ol.timeline.project-events")
    assert texts(timeline, ".action") == ["批复", "监控", "评价"]
    assert attributes(timeline, "a", "href").count(f"/instances/{instance.id}") == 2
    assert len(every(doc, f'tr[data-instance="{instance.id}"]')) == 1
    assert "加快支出进度" in page.text and "整改中" in page.text


def test_nav_offers_the_registry_to_everyone(client, login, registry):
    for username in ("unit", "dept2", "gov"):
        login(username)
        assert 'href="/projects"' in client.get("/").text
