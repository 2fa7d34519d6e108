"""The process heatmap drawn by bpmn-js in Chromium: steps coloured by who waits there."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.models.org import ACTING
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS


def test_the_heatmap_colours_each_step_by_the_submissions_waiting_there(
    page: Page, screenshot, log_in, app
):
    with app.app_context():

        def user(name):
            return db.session.scalar(select(User).where(User.username == name).options(*ACTING))

        # three started: one moved on to the department, one all the way through
        _, moved = start_instance(user("unit"), "simple_approval", title="校舍维修 A")
        _, done = start_instance(user("unit"), "simple_approval", title="食堂改造 B")
        start_instance(user("unit"), "simple_approval", title="操场翻新 C")
        complete_task(user("unit"), moved[0].id, GOOD_TARGETS)
        _, ready = complete_task(user("unit"), done[0].id, GOOD_TARGETS)
        _, ready = complete_task(user("dept"), ready[0].id, {"decision": "approve"})
        complete_task(user("finance"), ready[0].id, {"decision": "approve", "comment": "同意"})
        db.session.remove()

    log_in("finance")
    page.goto("/tracking")
    page.click("a[data-heatmap=simple_approval]")
    expect(page).to_have_url(re.compile(r"/processes/simple_approval/heatmap$"))
    expect(page.locator("figure.heatmap.diagram-ready")).to_have_count(1)
    fill = page.locator(".djs-container [data-element-id=fill_targets]").first
    expect(fill).to_have_class(re.compile(r"\bheat-4\b"))
    expect(page.locator(".djs-container [data-element-id=dept_review]").first).to_have_class(
        re.compile(r"\bheat-4\b")
    )
    expect(page.locator(".djs-container [data-element-id=finance_review]").first).to_have_class(
        re.compile(r"\bheat-0\b")
    )
    label = page.locator(".djs-overlays[data-container-id=fill_targets] .heat-label")
    expect(label).to_have_text(re.compile(r"^等待 1 · 中位 "))
    idle = page.locator(".djs-overlays[data-container-id=finance_review] .heat-label")
    expect(idle).to_have_text(re.compile(r"^等待 0 · 中位 "))
    expect(page.locator(".heat-legend .legend")).to_have_count(2)  # none, and 1 (the busiest)
    expect(page.locator(".diagram-error")).to_be_hidden()
    expect(page.locator("tr[data-activity-id=fill_targets] td.open")).to_have_text("1")
    screenshot(page, "heatmap")
