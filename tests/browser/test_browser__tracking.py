"""Finance's tracking screen in Chromium: the step chart, an escalated submission late on
its diagram, the bell that the worker's escalation lit."""

from __future__ import annotations

import re
from datetime import datetime

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.models.org import ACTING
from app.services.foundation.jobs import run_due_jobs
from app.services.operations.setup import deploy_folder
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from conftest import FIXTURES
from factories import GOOD_TARGETS

MONDAY = datetime(2027, 3, 1, 9, 0)


def test_finance_sees_the_late_step_on_the_chart_and_the_escalated_submission_on_its_diagram(
    page: Page, screenshot, log_in, app
):
    clock = {"at": MONDAY}
    app.config["CLOCK"] = lambda: clock["at"]
    with app.app_context():
        deploy_folder(FIXTURES / "escalation", FIXTURES / "forms")

        def user(name):
            return db.session.scalar(select(User).where(User.username == name).options(*ACTING))

        late, ready = start_instance(user("unit"), "escalating_approval", title="校舍维修 A")
        complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
        start_instance(user("unit"), "escalating_approval", title="食堂改造 B")
        clock["at"] = datetime(2027, 3, 10, 9, 0)  # past both the timer and the due dates
        assert run_due_jobs("browser-test").done == 1  # the escalation of A's review
        late_id = late.id
        db.session.remove()

    log_in("finance")
    expect(page.locator(".bell-count")).to_have_text("1")  # the worker's escalation
    page.goto("/tracking?process=escalating_approval")
    chart = page.locator("svg.step-chart")
    expect(chart.locator("g.chart-row")).to_have_count(2)
    review = chart.locator("g.chart-row[data-step=dept_review]")
    expect(review.locator("text.chart-count")).to_have_text("1 / 1")  # open / overdue
    bar = review.locator("rect.bar-overdue")
    assert bar.bounding_box()["width"] > 100  # drawn, not an empty rect
    expect(page.locator("tr.is-bottleneck .badge-bottleneck")).to_have_count(1)
    screenshot(page, "dashboard")

    page.goto(f"/instances/{late_id}")
    expect(page.locator("figure.diagram-ready")).to_have_count(1)
    current = page.locator(".djs-container [data-element-id=dept_review]").first
    expect(current).to_have_class(re.compile(r"\bcurrent-step\b"))
    expect(page.locator(".djs-container [data-element-id=fill_targets]").first).to_have_class(
        re.compile(r"\bdone-step\b")
    )
    expect(page.locator("ol.timeline")).to_contain_text("超时督办")
    screenshot(page, "escalated-submission")
    app.config["CLOCK"] = None
