"""The modeler's test run shows each step's form as its task page will (the same macro:
tables with rows and cells, not JSON boxes), and takes it posted as the task page does."""

from __future__ import annotations

import io
from pathlib import Path

import lxml.html

FIXTURES = Path(__file__).parents[1] / "fixtures"
BPMN = (FIXTURES / "processes" / "simple_approval.bpmn").read_text(encoding="utf-8")

TARGETS = {
    "project_code": "JY-001",
    "project_name": "校舍维修改造",
    "total_amount": "120.5",
    "annual_goal": "完成三栋教学楼的维修改造",
    "nature": "一次性",
    "indicators-0-level1": "产出指标",
    "indicators-0-name": "维修面积",
    "indicators-0-sign": "≥",
    "indicators-0-target": "3000",
    "indicators-0-unit": "平方米",
}


def started(client) -> dict:
    answer = client.post("/admin/modeler/simple_approval/test-run", json={"xml": BPMN})
    assert answer.status_code == 200, answer.json
    return answer.json


def posted(client, answer: dict, fields: dict):
    return client.post(
        "/admin/modeler/simple_approval/test-run/step",
        content_type="multipart/form-data",
        data={
            **fields,
            "xml": (io.BytesIO(BPMN.encode("utf-8")), "diagram.bpmn"),
            "token": answer["token"],
            "task_id": answer["ready"][0]["task_id"],
        },
    )


def test_a_steps_form_is_the_task_pages_form_with_a_real_table(client, login):
    login("admin")
    (first,) = started(client)["ready"]
    page = lxml.html.fromstring(first["html"])
    assert page.xpath("//fieldset[contains(@class,'field-table')]//table")
    assert page.xpath("//*[@name='indicators-0-name']")
    assert not page.xpath("//textarea[@name='indicators']")


def test_a_posted_form_advances_the_run_and_a_refused_one_comes_back_with_its_errors(client, login):
    login("admin")
    answer = started(client)
    refused = posted(client, answer, {**TARGETS, "project_code": "bad code"})
    assert refused.status_code == 422
    page = lxml.html.fromstring(refused.json["html"])
    assert page.xpath("//*[@id='project_code-error']")
    assert page.xpath("//input[@name='project_code']/@value") == ["bad code"]  # kept
    moved = posted(client, answer, TARGETS)
    assert moved.status_code == 200, moved.json
    (review,) = moved.json["ready"]
    assert review["activity_id"] == "dept_review"
    assert lxml.html.fromstring(review["html"]).xpath("//select[@name='decision']")


def test_a_row_button_redraws_the_form_without_advancing(client, login):
    login("admin")
    answer = started(client)
    redrawn = posted(client, answer, {**TARGETS, "__add_row__": "indicators"})
    assert redrawn.status_code == 200 and "ready" not in redrawn.json
    page = lxml.html.fromstring(redrawn.json["redraw"])
    assert page.xpath("//*[@name='indicators-1-name']")
