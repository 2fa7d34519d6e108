"""axe-core (from the npm registry, injected from node_modules by the test only: the app
never serves it) finds no serious or critical accessibility violation on the pages people
spend their day on: the inbox, a task's form, tracking and the modeler."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SEVERE = ("serious", "critical")


@pytest.fixture(scope="module")
def axe_script() -> Path:
    if not AXE.exists():
        message = f"no {AXE}: run `npm ci` (make install) to enable the accessibility tests"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE


def severe_violations(page: Page, axe_script: Path) -> list[str]:
    """Each serious or critical axe finding as "rule: target — help"."""
    # The Content Security Policy runs only same-origin files, never an inline script, so
    # axe is answered from node_modules at an address of the app's origin by the browser
    # itself (the request never reaches the app, which does not serve it).
    address = page.url.split("/", 3)[:3]
    url = "/".join(address) + "/__test__/axe.min.js"
    page.route(
        url, lambda route: route.fulfill(path=str(axe_script), content_type="text/javascript")
    )
    page.add_script_tag(url=url)
    found = page.evaluate(
        """async () => {
          const result = await axe.run(document, { resultTypes: ["violations"] });
          return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.map(n => n.target.join(" "))
          }));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {', '.join(v['targets'][:5])} — {v['help']}"
        for v in found
        if v["impact"] in SEVERE
    ]


def first_task(page: Page) -> str:
    page.goto("/")
    href = page.locator("main a[href^='/tasks/']").first.get_attribute("href")
    assert href, "the demo account has a task waiting"
    return href


@pytest.mark.parametrize(
    ("account", "where"),
    [
        ("unit", "inbox"),
        ("unit", "task"),
        ("dept", "task"),
        ("finance", "tracking"),
        ("admin", "modeler"),
        ("admin", "deploy-confirmation"),
    ],
)
def test_no_serious_accessibility_violation(
    page: Page, log_in, demo_year, axe_script, screenshot, account, where
):
    log_in(account)
    if where == "inbox":
        page.goto("/")
    elif where == "task":
        page.goto(first_task(page))
        expect(page.locator("form.task-form")).to_be_visible()
    elif where == "tracking":
        page.goto("/tracking")
    elif where == "deploy-confirmation":  # 部署's dialog, with what would change
        page.goto("/admin/modeler/quarterly_monitoring")
        expect(page.locator("[data-modeler].modeler-ready")).to_have_count(1)
        page.locator(".djs-element[data-element-id=dept_review]").first.click()
        page.locator(".modeler-panel [name=due_days]").fill("7")
        page.locator(".modeler-panel [name=due_days]").dispatch_event("change")
        page.click("[data-action=deploy]")
        expect(page.locator("dialog.deploy-confirm tr[data-element=dept_review]")).to_be_visible()
    else:
        page.goto("/admin/modeler/quarterly_monitoring")
        expect(page.locator("[data-modeler].modeler-ready")).to_have_count(1)
        page.locator(".djs-element[data-element-id=dept_review]").first.click()  # the panel
        page.click("[data-action=test-run]")  # and a test run's form, as its task renders
        expect(page.locator("form.testrun-step .schema-form").first).to_be_visible()
    screenshot(page, f"{account}-{where}")
    assert severe_violations(page, axe_script) == []
