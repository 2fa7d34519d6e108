"""The README's screenshots (its "Screens" section): the inbox, a form, tracking with the
demo county's delays and the modeler, taken in the demo county at 1280 px and saved to
test-output/readme-*.png.

    README_SCREENSHOTS=docs/screenshots \
        .venv/bin/python -m pytest tests/browser/test_readme_screenshots.py

also copies them, reduced to 256 colours (a tenth of the size, text still crisp), into
docs/screenshots/ for the README. Each test checks that its page shows what the README
says it shows, so a screenshot of the wrong thing fails instead of being committed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

ROOT = Path(__file__).parents[2]
OUTPUT = ROOT / "test-output"
VIEWPORT = {"width": 1280, "height": 860}


def scroll_to(page: Page, selector: str) -> None:
    """Scroll until the element's top is near the window's top."""
    page.locator(selector).first.evaluate(
        "e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 12)"
    )


def keep(page: Page, name: str) -> Path:
    """Save the visible part of the page as test-output/readme-<name>.png and, when
    README_SCREENSHOTS names a folder, a 256-colour copy there as <name>.png."""
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / f"readme-{name}.png"
    page.screenshot(path=str(path))
    folder = os.environ.get("README_SCREENSHOTS")
    if folder:
        from PIL import Image  # Pillow comes with reportlab

        target = ROOT / folder / f"{name}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(path) as image:
            small = image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
            small.save(target, optimize=True)
    return path


@pytest.fixture
def wide_page(page: Page) -> Page:
    page.set_viewport_size(VIEWPORT)
    return page


def test_the_inbox(wide_page: Page, log_in, demo_year):
    log_in("unit")
    wide_page.goto("/")
    expect(wide_page.locator("main tbody tr").first).to_be_visible()
    keep(wide_page, "inbox")


def test_a_form(wide_page: Page, log_in, demo_year):
    log_in("unit")
    wide_page.goto("/")
    wide_page.locator("main tr", has_text="填报季度绩效监控报告").locator(
        "a[href^='/tasks/']"
    ).first.click()
    expect(wide_page.locator("form.task-form")).to_be_visible()
    # From the first field the unit fills: the figures it reports and the indicator table.
    scroll_to(wide_page, "form.task-form .field:not(.field-readonly)")
    keep(wide_page, "form")


def test_tracking_with_delays(wide_page: Page, log_in, demo_year):
    log_in("finance")
    wide_page.goto("/tracking")
    wide_page.wait_for_load_state("networkidle")
    expect(wide_page.locator(".badge-bottleneck").first).to_be_visible()
    # The step table: how many wait at each step, how many overdue, for how long.
    scroll_to(wide_page, "table:has(.badge-bottleneck)")
    keep(wide_page, "tracking")


def test_the_modeler(wide_page: Page, log_in, demo_year):
    log_in("admin")
    # A small process, so that its labels can be read at 1280 px, with a step chosen: the
    # panel shows its lane's role, its form by title and its deadline.
    wide_page.goto("/admin/modeler/project_target_review")
    wide_page.wait_for_load_state("networkidle")
    wide_page.locator('.djs-element[data-element-id="finance_review"]').first.click()
    expect(wide_page.locator(".modeler-panel, [data-modeler]").first).to_contain_text("财政审核")
    keep(wide_page, "modeler")
