"""Comparing two versions in Chromium: both diagrams drawn, elements coloured by change; and
a migration confirmed from the dry run, with its CSRF token, as an administrator does."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import ProcessInstance, User
from app.models.org import ACTING
from app.services.administration.deployment import deploy_definition
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS

FIXTURES = Path(__file__).parents[1] / "fixtures"
BPMN = (FIXTURES / "processes" / "simple_approval.bpmn").read_text(encoding="utf-8")
FORMS = {p.name: p.read_bytes() for p in (FIXTURES / "forms").glob("*.json")}


def test_the_diff_colours_elements_and_a_migration_moves_the_movable(
    page: Page, screenshot, log_in, app
):
    with app.app_context():

        def user(name):
            return db.session.scalar(select(User).where(User.username == name).options(*ACTING))

        start_instance(user("unit"), "simple_approval", title="待填报")
        reviewing, ready = start_instance(user("unit"), "simple_approval", title="待审核")
        complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
        reviewing_id = reviewing.id
        xml = BPMN.replace("fill_targets", "fill_goals").replace(
            'name="部门审核"', 'name="部门初审"'
        )
        deploy_definition(user("admin"), xml.encode(), "simple_approval.bpmn", {}, "改版", FORMS)
        db.session.remove()

    log_in("admin")
    page.goto("/admin/processes/simple_approval/versions")
    page.click("form.version-pick button[type=submit]")
    expect(page).to_have_url(re.compile(r"/diff\?old=1&new=2$"))
    expect(page.locator("figure.diagram-ready")).to_have_count(2)
    old, new = page.locator("figure.diagram").nth(0), page.locator("figure.diagram").nth(1)
    expect(old.locator(".djs-element[data-element-id=fill_targets]").first).to_have_class(
        re.compile(r"\bdiff-removed\b")
    )
    expect(new.locator(".djs-element[data-element-id=fill_goals]").first).to_have_class(
        re.compile(r"\bdiff-added\b")
    )
    expect(new.locator(".djs-element[data-element-id=dept_review]").first).to_have_class(
        re.compile(r"\bdiff-changed\b")
    )
    expect(new.locator(".djs-element[data-element-id=finance_review]").first).not_to_have_class(
        re.compile(r"\bdiff-")
    )
    flow = new.locator(".djs-element[data-element-id=flow_return] .djs-visual > path").first
    expect(flow).to_have_css("stroke", "rgb(230, 119, 0)")  # the amber of a change
    screenshot(page, "version-diff")

    page.goto("/admin/processes/simple_approval/migrate?from=1&to=2")
    expect(page.locator("tr.cannot-move")).to_have_count(1)
    page.fill("#m-reason", "审核环节更名")
    page.click("form[method=post][action$='/migrate'] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/processes/simple_approval/versions$"))
    expect(page.locator("tr[data-action=migrated]")).to_contain_text("审核环节更名")
    with app.app_context():
        assert db.session.get(ProcessInstance, reviewing_id).version == 2
