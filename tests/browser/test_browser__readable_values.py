"""A unit's correction step (纠偏) in Chromium: what the system computed reads as people
write it — rates as percentages, lights as coloured badges, fixed values as text."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.models.org import ACTING
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import SCHOOL_INDICATORS, approved_project, org

CODE, YEAR = "JY-2027-001", 2027


def correction_task(app) -> int:
    """A second-quarter report spending 8 of 300 万元: 2.7% against a time progress of 50%."""
    with app.app_context():

        def user(name):
            return db.session.scalar(select(User).where(User.username == name).options(*ACTING))

        approved_project(CODE, YEAR, SCHOOL_INDICATORS)
        db.session.commit()
        _, ready = start_instance(
            user("finance"),
            "quarterly_monitoring",
            title="第2季度绩效监控 · 校舍维修改造",
            org_id=org("edu-school1").id,
            prefill={
                "project_code": CODE,
                "project_name": "校舍维修改造",
                "fiscal_year": YEAR,
                "quarter": 2,
                "adjusted_budget": 300,
                "indicators": SCHOOL_INDICATORS,
            },
        )
        area = dict(actual="500", expected_full_year="3000", likelihood="有可能")
        rows = [
            dict(SCHOOL_INDICATORS[0], **area),
            dict(SCHOOL_INDICATORS[1], qualitative_result="达成", likelihood="确定能"),
        ]
        rows[0].update(deviation_reasons=["人员", "其他"], measures="暑期集中施工")
        report = {
            "spent": 8,
            "reached_stage_goal": True,
            "indicators": rows,
            "delay_reason_type": "政府采购程序",
            "progress_analysis": "施工招标延期",
        }
        _, ready = complete_task(user("unit"), ready[0].id, report)
        assert [t.activity_id for t in ready] == ["correction_plan"]
        task_id = ready[0].id
        db.session.remove()
    return task_id


def test_the_correction_step_shows_rates_as_percentages_and_lights_as_colours(
    page: Page, log_in, real_processes, app, screenshot
):
    task_id = correction_task(app)
    log_in("unit")
    page.goto(f"/tasks/{task_id}")
    form = page.locator("form.task-form")
    expect(form.locator("#assessment-execution_rate")).to_have_text("2.7%")
    expect(form.locator("#assessment-time_progress")).to_have_text("50.0%")
    light = form.locator("#assessment-execution_light")
    expect(light).to_have_class(re.compile(r"\blight-red\b"))
    expect(light).to_have_text("红灯")
    # what the system computed is text, not a greyed-out input or dropdown
    expect(form.locator("[name^='assessment-']")).to_have_count(0)
    # long answers get a box that wraps
    expect(form.locator("textarea[name=correction_reason]")).to_be_visible()
    text = page.locator("body").inner_text()
    assert "0.0266" not in text and not re.search(r"\d\.\d{5,}", text)
    screenshot(page, "correction")
