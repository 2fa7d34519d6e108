"""Playwright driving Debian's Chromium (/usr/bin/chromium), never a downloaded browser.

Without Chromium the browser tests skip and say how to enable them; CI sets
REQUIRE_BROWSER=1, which turns that skip into a failure.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from app import create_app
from app.extensions import db
from app.services.runtime.definitions import forget_versions
from conftest import make_config

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
OUTPUT = Path(__file__).parents[2] / "test-output"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def app(database_url, tmp_path):
    """As the root fixture, but with CSRF on: the browser posts forms as a person would."""
    app = create_app(make_config(database_url, WTF_CSRF_ENABLED=True))
    app.instance_path = str(tmp_path / "instance")
    yield app
    with app.app_context():
        db.engine.dispose()
    forget_versions()  # as the root fixture does: no cached version outlives its test


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = (
            f"no Chromium at {CHROMIUM}: run `apt-get install -y chromium` to enable browser tests"
        )
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    # Every browser test also proves the Content Security Policy breaks nothing: Chromium
    # reports each refused script, style or image on the console.
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert refused == [], "the Content Security Policy refused something: " + "\n".join(refused)


@pytest.fixture
def screenshot(request):
    """screenshot(page, "inbox") saves test-output/<test name>-inbox.png: the whole page."""
    OUTPUT.mkdir(exist_ok=True)
    sessions: dict = {}

    def save(page, name: str) -> Path:
        path = OUTPUT / f"{request.node.name}-{name}.png"
        if page not in sessions:
            sessions[page] = page.context.new_cdp_session(page)
        full_page_png(page, sessions[page], path)
        return path

    return save


def full_page_png(page, cdp, path: Path) -> None:
    """What `page.screenshot(path=..., full_page=True)` saves, pixel for pixel
    (test_browser__screenshots.py), in about 60% of its time: Chromium's own capture of
    the whole page asked to encode its PNG for speed (`optimizeForSpeed`: a faster zlib
    level, files a fifth larger), without Playwright's preparing and restoring of every
    frame around it (it hides the text caret, for comparing pictures, which nothing here
    does). The page walks save about 300 pages a pass; Playwright's way cost 0.22 s a
    page, this one 0.13 s."""
    # The page's size as Playwright measures it, once the fonts are in, as it waits for.
    size = page.evaluate(FULL_PAGE_SIZE)
    viewport = page.viewport_size
    fits = size["width"] <= viewport["width"] and size["height"] <= viewport["height"]
    shot = cdp.send(
        "Page.captureScreenshot",
        {
            "format": "png",
            "optimizeForSpeed": True,
            "captureBeyondViewport": not fits,
            "clip": {"x": 0, "y": 0, **size, "scale": 1},
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))


FULL_PAGE_SIZE = """async () => {
    await document.fonts.ready;
    const body = document.body, root = document.documentElement;
    return {
        width: Math.max(body.scrollWidth, root.scrollWidth, body.offsetWidth,
                        root.offsetWidth, body.clientWidth, root.clientWidth),
        height: Math.max(body.scrollHeight, root.scrollHeight, body.offsetHeight,
                         root.offsetHeight, body.clientHeight, root.clientHeight),
    };
}"""


@pytest.fixture
def log_in(page):
    """log_in("unit") signs the page in as a demo account (password "demo" by default)."""
    from playwright.sync_api import expect

    def sign_in(username: str, password: str = "demo") -> None:
        page.context.clear_cookies()
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        expect(page.locator("body")).not_to_contain_text("用户名或密码错误")

    return sign_in


@pytest.fixture
def real_processes(app):
    """The four shipped processes and their forms, deployed into the browser test's app."""
    from app.services.operations.setup import deploy_folder

    root = Path(__file__).parents[2]
    with app.app_context():
        deploy_folder(root / "processes", root / "forms")
        db.session.remove()
