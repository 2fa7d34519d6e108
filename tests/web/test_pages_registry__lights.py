"""Warning lights read as coloured badges with the figure and the threshold that set
them, on the registry as soon as the unit reports (待审核 until finance approves) and on
the monitoring submission's task pages."""

from __future__ import annotations

from lxml import html

from app.extensions import db
from app.models import Task
from demo_year import project_id


def text_of(nodes) -> list[str]:
    return [" ".join(node.text_content().split()) for node in nodes]


def test_the_registry_shows_a_reported_red_light_with_its_figure_before_finance_approves(
    demo_year, client, login
):
    login("finance")
    page = html.fromstring(client.get("/projects?year=2027").text)
    row = page.xpath("//tr[@data-project='JY-2026-001']")[0]
    cells = text_of(row.xpath("./td"))
    assert any(cell.startswith("第1季度") and "待审核" in cell for cell in cells)
    assert "2.7%" in cells and "25.0%" in cells
    lights = text_of(row.xpath(".//span[contains(@class,'light-explained')]"))
    assert lights[0].startswith("红灯")
    assert "R = 10.7（执行率 2.7% ÷ 序时进度 25.0%）" in lights[0]
    assert "低于 60 为红灯" in lights[0]
    assert "最差指标“维修校舍面积”：完成 0.0%" in lights[1]
    assert row.xpath(".//span[contains(@class,'light-red')]")
    # A project nobody has reported on yet still says so plainly.
    quiet = page.xpath("//tr[@data-project='JY-2026-002']")[0]
    assert "待审核" not in quiet.text_content()


def test_an_approved_quarter_shows_its_lights_without_the_pending_mark(demo_year, client, login):
    login("finance")
    page = html.fromstring(client.get("/projects?year=2026").text)
    row = page.xpath("//tr[@data-project='WS-2026-002']")[0]
    assert "待审核" not in row.text_content()
    assert row.xpath(".//span[contains(@class,'light-red')]")


def test_the_project_page_explains_the_pending_report_and_years_its_submissions(
    demo_year, client, login
):
    login("dept")
    page = html.fromstring(client.get(f"/projects/{project_id('JY-2026-001', 2027)}").text)
    facts = " ".join(page.xpath("//dl[@class='facts']")[0].text_content().split())
    assert "待审核 单位已填报，财政部门尚未审核" in facts
    assert "预算执行进度：R = 10.7" in facts and "项目预警灯：最差指标“维修校舍面积”" in facts
    years = text_of(page.xpath("//tr[@data-instance]/td[2]"))
    assert years and set(years) <= {"2027", "2028"} and "2028" in years


def test_the_correction_task_page_shows_the_lights_that_called_for_it(demo_year, client, login):
    task = db.session.scalar(
        db.select(Task).where(Task.name == "制定纠偏措施", Task.status == "ready")
    )
    login("unit")
    page = html.fromstring(client.get(f"/tasks/{task.id}").text)
    panel = page.xpath("//section[@class='light-panel']")[0]
    assert panel.xpath("./h2")[0].text == "预警灯"
    text = " ".join(panel.text_content().split())
    assert "红灯 预算执行进度：R = 10.7" in text
    assert "各指标预警灯" in text and "师生满意度：完成 101.1% · 80 至 120 为绿灯" in text


def test_the_light_filter_and_sort_follow_the_shown_pending_light(demo_year, client, login):
    login("finance")
    red = html.fromstring(client.get("/projects?year=2027&light=red").text)
    assert red.xpath("//tr[@data-project]/@data-project") == ["JY-2026-001"]
    assert (
        html.fromstring(client.get("/projects?year=2027&light=green").text).xpath(
            "//tr[@data-project]"
        )
        == []
    )
    worst_first = html.fromstring(client.get("/projects?year=2027&sort=light").text)
    assert worst_first.xpath("//tr[@data-project]/@data-project")[0] == "JY-2026-001"
    lowest_rate = html.fromstring(client.get("/projects?year=2027&sort=rate").text)
    assert lowest_rate.xpath("//tr[@data-project]/@data-project")[0] == "JY-2026-001"


def test_the_monitoring_submission_page_shows_its_lights(demo_year, client, login):
    task = db.session.scalar(
        db.select(Task).where(Task.name == "制定纠偏措施", Task.status == "ready")
    )
    login("finance")
    page = html.fromstring(client.get(f"/instances/{task.instance_id}").text)
    (panel,) = page.xpath("//section[@class='light-panel']")
    assert "预算执行进度：R = 10.7" in " ".join(panel.text_content().split())
