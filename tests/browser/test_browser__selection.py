"""Finance's 遴选排序 in Chromium on the demo county (issue 13): 县实验小学's nutrition
project, graded 中 for 2026, reaches 2028's selection with that grade, what it means and
the ceiling it sets, all read-only; funding the full request is refused on the page with
the reason it lacks, and the cut amount goes through. Screenshots under test-output/."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.models.org import ACTING
from app.performance.registry import find_project
from app.services.demo.data import PROJECTS
from app.services.runtime.forms_view import task_form
from app.services.runtime.tasks import complete_task
from demo_year import ready_task

MEDIUM = "JY-2026-003"


def account(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username).options(*ACTING))


def to_selection() -> int:
    """The unit files 100 万元 for 2028, the department and finance's target review pass it;
    the id of finance's 遴选排序 task."""
    spec = PROJECTS[MEDIUM]
    fill = ready_task("fill_project_targets", MEDIUM, "budget_compilation")
    prefill = task_form(account("unit3"), fill.id).data
    complete_task(
        account("unit3"),
        fill.id,
        {
            **prefill,
            "project_type": "经常性",
            "project_category": spec["category"],
            "plan_start_date": "2028-01-01",
            "plan_end_date": "2028-12-31",
            "total_fiscal_funds": 100,
            "requested_amount": 100,
            "overall_goal": spec["annual_goal"],
            "annual_goal": spec["annual_goal"],
            "project_content": spec["annual_goal"],
            "cost_basis": "按受益学生人数和补助标准测算，申请 100 万元",
            "safeguards": "学校设专人管理，资金专账核算，主管部门按季度检查",
        },
    )
    dept, finance = account("dept"), account("finance")
    complete_task(dept, ready_task("dept_review", MEDIUM).id, {"dept_decision": "approve"})
    complete_task(
        dept, ready_task("choose_project_function", MEDIUM).id, {"project_function": "义务教育"}
    )
    complete_task(finance, ready_task("finance_target_review", MEDIUM).id, {"target_grade": "优"})
    return ready_task("rank_and_select", MEDIUM).id


def test_finance_sees_last_years_grade_at_selection_and_must_cut_a_medium_project(
    app, page: Page, log_in, demo_year, screenshot
):
    with app.app_context():
        task_id = to_selection()
        db.session.remove()

    log_in("finance")
    page.goto(f"/tasks/{task_id}")
    form = page.locator("form.task-form")
    for title, shown in (
        ("上年绩效评价等级", "中"),
        ("上年评价结果应用", "压减20%"),
        ("按评价结果可安排上限（万元）", "80"),
    ):
        field = form.locator(".field-readonly", has=page.locator(".field-label", has_text=title))
        expect(field.locator(".readonly-value")).to_contain_text(shown)
    screenshot(page, "selection")

    form.locator("select[name=funded]").select_option(label="列入预算")
    form.locator("input[name=priority_rank]").fill("3")
    form.locator("input[name=approved_amount]").fill("100")
    form.locator("[name=selection_note]").fill("营养改善计划，按标准安排")
    form.locator("button[type=submit]").first.click()
    refusal = page.locator(".field-error, .errors, [role=alert]").filter(
        has_text="不按比例压减的理由"
    )
    expect(refusal.first).to_be_visible()
    screenshot(page, "refused")

    page.locator("input[name=approved_amount]").fill("80")
    page.locator("form.task-form button[type=submit]").first.click()
    expect(page.locator("body")).to_contain_text("已提交")
    screenshot(page, "submitted")
    with app.app_context():
        selected = find_project(MEDIUM, 2028)
        assert (selected.selected_amount, selected.priority_rank) == (80, 3)
        db.session.remove()
