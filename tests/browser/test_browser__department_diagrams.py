"""The department level's two diagrams drawn by bpmn-js in Chromium: every step in its
lane, lanes named as people know the roles, the whole diagram in view."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

# key -> (a user task, its label, the lanes' role names, at least this many shapes)
PROCESSES = {
    "department_targets": (
        "fill_department_targets",
        "填报部门整体绩效目标",
        ("预算部门", "财政部门"),
        12,
    ),
    "department_self_evaluation": (
        "government_read_report",
        "县政府阅知部门整体绩效自评报告",
        ("预算部门", "财政部门", "县政府"),
        17,
    ),
}


@pytest.mark.parametrize("key", list(PROCESSES))
def test_each_department_process_is_drawn_whole_with_its_lanes(
    page: Page, screenshot, log_in, real_processes, key
):
    activity, label, lanes, shapes = PROCESSES[key]
    log_in("finance")
    page.goto(f"/processes/{key}/diagram")
    expect(page.locator(".djs-container svg .djs-shape").nth(shapes - 1)).to_be_attached()
    shape = page.locator(f".djs-container svg [data-element-id={activity}]")
    expect(shape).to_be_visible()
    assert re.sub(r"\s+", "", shape.locator("text").first.text_content() or "") == label
    expect(page.locator(".diagram-error")).to_be_hidden()
    drawn = page.locator(".djs-container svg").first.text_content() or ""
    for name in lanes:
        assert name in drawn
    for code in ("budget_department", "finance_bureau", "county_government"):
        assert code not in drawn
    canvas = page.locator(".diagram-canvas").bounding_box()
    content = page.locator(".djs-container svg .viewport").first.bounding_box()
    assert content["x"] >= canvas["x"] - 10 and content["y"] >= canvas["y"] - 10
    assert content["x"] + content["width"] <= canvas["x"] + canvas["width"] + 10
    screenshot(page, key)
