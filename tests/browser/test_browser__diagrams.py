"""The four budget processes drawn by bpmn-js in Chromium, and a submission's place on one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.models.org import ACTING
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS

ROOT = Path(__file__).parents[2]

# key -> (a user task on the diagram, its Chinese label, at least this many shapes)
PROCESSES = {
    "budget_compilation": ("fill_project_targets", "填报项目绩效目标", 30),
    "midyear_adjustment": ("fill_adjustment", "填报追加调整申请", 20),
    "quarterly_monitoring": ("fill_monitoring_report", "填报季度绩效监控报告", 15),
    "annual_evaluation": ("fill_self_evaluation", "部门绩效自评", 15),
}


def wait_for_diagram(page: Page, shapes: int) -> None:
    # A locator, not wait_for_function: the page's CSP refuses the eval that one needs.
    expect(page.locator(".djs-container svg .djs-shape").nth(shapes - 1)).to_be_attached()


@pytest.mark.parametrize("key", list(PROCESSES))
def test_each_budget_process_is_drawn_with_its_steps(
    page: Page, screenshot, log_in, real_processes, key
):
    activity, label, shapes = PROCESSES[key]
    log_in("finance")
    page.goto(f"/processes/{key}/diagram")
    wait_for_diagram(page, shapes)
    shape = page.locator(f".djs-container svg [data-element-id={activity}]")
    expect(shape).to_have_count(1)
    expect(shape).to_be_visible()
    # bpmn-js breaks long names over lines: compare the label's text without them
    text = re.sub(r"\s+", "", shape.locator("text").first.text_content() or "")
    assert text == label
    expect(page.locator(".diagram-error")).to_be_hidden()
    expect(page.locator(f"tr[data-activity-id={activity}]")).to_contain_text(label)
    # lanes read as the roles people know, never their codes
    drawn = page.locator(".djs-container svg").first.text_content() or ""
    assert "财政部门" in drawn
    for code in ("budget_unit", "budget_department", "finance_bureau", "peoples_congress"):
        assert code not in drawn
    assert "P10D" not in page.locator("body").inner_text()
    # the diagram opens whole: nothing is cut off (labels may reach a few pixels past the shapes)
    canvas = page.locator(".diagram-canvas").bounding_box()
    content = page.locator(".djs-container svg .viewport").first.bounding_box()
    assert content["x"] >= canvas["x"] - 10 and content["y"] >= canvas["y"] - 10
    assert content["x"] + content["width"] <= canvas["x"] + canvas["width"] + 10
    assert content["y"] + content["height"] <= canvas["y"] + canvas["height"] + 10
    screenshot(page, key)


def test_a_returned_submission_shows_where_it_stands(page: Page, screenshot, log_in, app):
    with app.app_context():

        def user(name):
            return db.session.scalar(select(User).where(User.username == name).options(*ACTING))

        instance, ready = start_instance(user("unit"), "simple_approval", title="校舍维修改造 2027")
        for _ in range(2):  # returned twice: both steps ran twice, the unit's is open again
            _, ready = complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
            _, ready = complete_task(
                user("dept"), ready[0].id, {"decision": "return", "comment": "请补充时效指标"}
            )
        instance_id = instance.id
        db.session.remove()

    log_in("unit")
    page.goto(f"/instances/{instance_id}")
    wait_for_diagram(page, 6)
    current = page.locator(".djs-container [data-element-id=fill_targets]").first
    expect(current).to_have_class(re.compile(r"\bcurrent-step\b"))
    expect(page.locator(".djs-container [data-element-id=dept_review]").first).to_have_class(
        re.compile(r"\bdone-step\b")
    )
    finance = page.locator(".djs-container [data-element-id=finance_review]").first
    expect(finance).not_to_have_class(re.compile(r"\b(done|current)-step\b"))
    expect(page.locator(".diagram-holder")).to_contain_text("部门预算单位 · ")
    badges = page.locator(".djs-overlays[data-container-id=dept_review] .diagram-badge")
    expect(badges).to_have_text("×2")
    expect(
        page.locator(".djs-overlays[data-container-id=fill_targets] .diagram-badge")
    ).to_have_text("×2")
    # the timeline is still there below the diagram
    expect(page.locator("ol.timeline li")).to_have_count(5)
    screenshot(page, "instance")
