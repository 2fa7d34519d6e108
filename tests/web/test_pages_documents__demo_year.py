"""The year's documents from their pages in the demo county: each page offers its
document, the links send a PDF and a workbook, and finance ticks what is published."""

from __future__ import annotations

from lxml import html

from app.extensions import db
from app.models import Org
from demo_year import campaign_id, printed, project_id, sheet_rows


def links(page) -> list[str]:
    return html.fromstring(page.text).xpath("//main//p[@class='documents']//a/@href")


def downloaded(client, path: str) -> bytes:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    assert "attachment" in answer.headers["Content-Disposition"]
    return answer.data


def test_an_evaluated_projects_page_offers_its_self_evaluation_form(demo_year, client, login):
    login("dept")
    evaluated = project_id("JY-2026-003", 2026)
    base = f"/projects/{evaluated}/documents/self-evaluation"
    assert f"{base}.pdf" in links(client.get(f"/projects/{evaluated}"))
    assert "项目支出绩效自评表" in printed(downloaded(client, f"{base}.pdf"))
    assert ["总分", "含预算执行率得分", "100", "68.22", "自评等级：中"] in sheet_rows(
        downloaded(client, f"{base}.xlsx")
    )
    not_yet = project_id("JY-2026-003", 2027)
    assert not any("self-evaluation" in link for link in links(client.get(f"/projects/{not_yet}")))
    assert client.get(f"/projects/{not_yet}/documents/self-evaluation.pdf").status_code == 404
    login("dept2")
    assert client.get(f"{base}.pdf").status_code == 404


def test_the_monitoring_round_page_offers_its_summary(demo_year, client, login):
    login("finance")
    round_id = campaign_id("quarterly_monitoring")
    base = f"/campaigns/{round_id}/documents/monitoring-summary"
    assert [f"{base}.pdf", f"{base}.xlsx"] == links(client.get(f"/campaigns/{round_id}"))
    text = printed(downloaded(client, f"{base}.pdf"))
    assert "季度绩效监控汇总分析" in text and "红灯1个" in text
    assert ["合计", 5, 1, 1, 0, 0, 0, "1,140.00", "8.00", "2.7%"] in sheet_rows(
        downloaded(client, f"{base}.xlsx")
    )


def test_the_evaluation_round_and_the_registry_offer_the_results_summary(demo_year, client, login):
    login("finance")
    round_links = links(client.get(f"/campaigns/{campaign_id('annual_evaluation')}"))
    assert round_links == [
        "/years/2026/documents/evaluation-results.pdf",
        "/years/2026/documents/evaluation-results.xlsx",
        "/disclosure?year=2026",
    ]
    login("congress")
    assert "/years/2026/documents/evaluation-results.pdf" in links(
        client.get("/projects?year=2026")
    )
    text = printed(downloaded(client, "/years/2026/documents/evaluation-results.pdf"))
    assert "绩效评价结果汇总" in text and "优1个，良1个，中1个，差1个" in text


def test_finance_ticks_the_reports_to_publish_and_the_list_prints_them(demo_year, client, login):
    login("finance")
    page = html.fromstring(client.get("/disclosure?year=2026").text)
    assert page.xpath("//table[contains(@class,'disclosure-departments')]//label/text()") == [
        "县教育局",
        "县卫生健康局",
    ]
    health = db.session.query(Org).filter_by(code="health").one().id
    saved = client.post("/disclosure?year=2026", data={"department": [str(health)]})
    assert saved.status_code == 302
    page = html.fromstring(client.get("/disclosure?year=2026").text)
    assert page.xpath("//input[@name='department' and @checked]/@value") == [str(health)]
    assert "已保存" in page.text_content()
    text = printed(downloaded(client, "/years/2026/documents/disclosure.pdf"))
    assert "县卫生健康局2026年度部门整体绩效评价报告" in text

    refused = client.post("/disclosure?year=2026", data={"project": ["999999"]})
    assert refused.status_code == 422
    assert "项目 999999 没有 2026 年度的重点评价" in html.fromstring(refused.text).text_content()

    login("dept")
    assert client.get("/disclosure?year=2026").status_code == 403
    assert "县卫生健康局" in printed(downloaded(client, "/years/2026/documents/disclosure.pdf"))
