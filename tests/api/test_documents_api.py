"""The year's documents over the API, in the demo county: the same PDF and workbook the
pages send, with the content type the OpenAPI document promises, and 404 (JSON) for what
the caller may not see."""

from __future__ import annotations

from app.api.openapi import OPENAPI
from demo_year import campaign_id, printed, project_id, sheet_rows


def fetch(anonymous, token: str | None, path: str) -> tuple[int, str, bytes]:
    """(status, content type, body) of GET /api/v1`path`, bytes as sent."""
    answer = (anonymous.signing_with(token) if token else anonymous).get(path)
    return answer.status, answer.headers["Content-Type"], answer.content


def promised(path: str) -> set[str]:
    """The content types the OpenAPI document promises for the path's 200."""
    ref = OPENAPI["paths"][path]["get"]["responses"]["200"]["$ref"]
    return set(OPENAPI["components"]["responses"][ref.rsplit("/", 1)[-1]]["content"])


def test_a_project_form_comes_as_pdf_and_workbook_to_whoever_sees_the_project(
    demo_year, anonymous, api
):
    evaluated = project_id("JY-2026-003", 2026)
    token = api("dept").token
    path = f"/projects/{evaluated}/documents/self-evaluation"

    status, content_type, body = fetch(anonymous, token, f"{path}.pdf")
    assert status == 200
    assert content_type == "application/pdf"
    assert content_type in promised("/projects/{project_id}/documents/self-evaluation.{kind}")
    assert "项目支出绩效自评表" in printed(body) and "自评等级：中" in printed(body)
    status, content_type, body = fetch(anonymous, token, f"{path}.xlsx")
    assert content_type in promised("/projects/{project_id}/documents/self-evaluation.{kind}")
    assert content_type.endswith("spreadsheetml.sheet")
    assert ["总分", "含预算执行率得分", "100", "68.22", "自评等级：中"] in sheet_rows(body)

    status, _, body = fetch(anonymous, token, f"/projects/{evaluated}/documents/targets.pdf")
    assert status == 200 and "项目支出绩效目标申报表" in printed(body)

    status, content_type, body = fetch(anonymous, api("dept2").token, f"{path}.pdf")
    assert (status, content_type) == (404, "application/json")
    assert fetch(anonymous, token, f"{path}.docx")[0] == 404
    assert fetch(anonymous, None, f"{path}.pdf")[0] == 401


def test_the_round_and_year_summaries_come_over_the_api(demo_year, anonymous, api):
    round_id = campaign_id("quarterly_monitoring")
    status, content_type, body = fetch(
        anonymous, api("finance").token, f"/campaigns/{round_id}/documents/monitoring-summary.pdf"
    )
    assert status == 200 and content_type == "application/pdf"
    assert "季度绩效监控汇总分析" in printed(body)

    status, _, body = fetch(
        anonymous, api("congress").token, "/years/2026/documents/evaluation-results.xlsx"
    )
    assert status == 200
    assert ["合计", 5, 4, 1, 1, 1, 1, "75.68", "1,000.00"] in sheet_rows(body)

    status, _, body = fetch(anonymous, api("unit").token, "/years/2026/documents/disclosure.pdf")
    assert status == 200 and "绩效评价信息公开目录" in printed(body)
    assert fetch(anonymous, api("gov").token, "/years/1999/documents/disclosure.pdf")[0] == 404
