"""The department's review of a project target form, in Chromium: what the reviewer
decides on (the planned dates, the money, the indicators) is on the page as text without a
click, not folded away under 此前各步骤 nor in greyed-out inputs. Screenshot under
test-output/."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Task, User
from app.models.org import ACTING
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from compilation_data import project_form


def column_widths(table) -> list[int]:
    return table.locator("thead th").evaluate_all("cells => cells.map(c => c.offsetWidth)")


def test_the_department_reviewer_sees_dates_money_and_targets_open(
    app, page: Page, log_in, real_processes, screenshot
):
    with app.app_context():
        unit = db.session.scalar(select(User).where(User.username == "unit").options(*ACTING))
        _, ready = start_instance(unit, "budget_compilation", title="县第一中学教室改造")
        data = project_form(total_fiscal_funds=360, carryover_amount=20)
        more = "同步更新照明、课桌椅和多媒体设备，" * 6
        data["annual_goal"] = "完成 12 间教室改造并投入使用；" + more
        _, ready = complete_task(unit, ready[0].id, data)
        review = db.session.scalar(select(Task).where(Task.activity_id == "dept_review"))
        review_id = review.id
        db.session.remove()

    log_in("dept")
    page.goto(f"/tasks/{review_id}")
    form = page.locator("form.task-form")
    for title, shown in (
        ("计划开始日期", "2027-03-01"),
        ("计划完成日期", "2027-08-31"),
        ("项目资金总额：财政资金（万元）", "360"),
        ("年度资金申请：当年财政拨款（万元）", "320"),
        ("年度资金申请：上年结转（万元）", "20"),
    ):
        field = form.locator(".field-readonly", has=page.locator(".field-label", has_text=title))
        expect(field.locator(".readonly-value")).to_be_visible()
        expect(field.locator(".readonly-value")).to_contain_text(shown)
    # Targets: the indicator table, as text, every column wide enough to read.
    table = form.locator("fieldset.field-table", has_text="绩效指标")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("tbody tr").first).to_contain_text("改造教室数量")
    screenshot(page, "review")
    assert all(width >= 40 for width in column_widths(table)), column_widths(table)
    # ... and so does the unit's step below, its headings on one line each ("符号", not "符/号").
    earlier = page.locator("section.earlier-steps table.form-data-table").first
    expect(earlier).to_be_visible()
    heights = earlier.locator("thead th").evaluate_all("cells => cells.map(c => c.offsetHeight)")
    assert max(heights) == min(heights), heights
    assert all(width >= 40 for width in column_widths(earlier)), column_widths(earlier)
    # Nothing the reviewer may not change is an input (greyed out or not).
    assert form.locator("input[disabled], select[disabled], textarea[disabled]").count() == 0
    # Long text wraps instead of running out of a one-line box.
    label = page.locator(".field-label", has_text="年度总体目标")
    goal = form.locator(".field-readonly", has=label)
    box = goal.locator(".readonly-value").bounding_box()
    assert box is not None and box["height"] > 30 and box["width"] <= 1280, box
    expect(page.locator("input[name=dept_opinion], textarea[name=dept_opinion]")).to_be_editable()
