"""The `screenshot` fixture saves what Playwright's own full-page screenshot saves, pixel for
pixel, by its quicker way (browser/conftest.py's `full_page_png`): for a page taller than
the window and for one that fits in it."""

from __future__ import annotations

from PIL import Image, ImageChops
from playwright.sync_api import Page


def test_a_screenshot_is_the_whole_page_as_playwright_takes_it(
    page: Page, log_in, screenshot, tmp_path
):
    log_in("finance")
    heights = []
    for path, window in (("/tracking", 400), ("/account", 2400)):
        page.set_viewport_size({"width": 1280, "height": window})
        page.goto(path)
        page.wait_for_load_state("networkidle")
        ours = screenshot(page, f"full-page-{window}")
        theirs = tmp_path / f"playwright-{window}.png"
        page.screenshot(path=str(theirs), full_page=True)
        with Image.open(ours) as mine, Image.open(theirs) as playwrights:
            assert mine.format == "PNG"
            assert mine.size == playwrights.size, path
            difference = ImageChops.difference(mine.convert("RGB"), playwrights.convert("RGB"))
            assert difference.getbbox() is None, f"{path}: the pictures differ"
            heights.append((mine.size[1], window))
    taller, fitting = heights
    assert taller[0] > taller[1], "the first page is taller than its window"
    assert fitting[0] == fitting[1], "the second fits in its window"
