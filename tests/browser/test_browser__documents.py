"""A department prints a project's 项目支出绩效自评表 from the project's page in Chromium;
the downloaded PDF's first page is drawn to a PNG with poppler's pdftoppm and kept under
test-output/, so that a person can see it shows Chinese, a ruled table and the figures."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Project
from demo_year import printed

OUTPUT = Path(__file__).parents[2] / "test-output"


@pytest.fixture
def pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found is None:
        message = "no pdftoppm: run `apt-get install -y poppler-utils` to draw document pages"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture
def evaluated_project(app, demo_year) -> int:
    """学生营养午餐补助 of the demo county's 2026, self-evaluated and graded 中."""
    with app.app_context():
        project_id = db.session.scalar(
            select(Project.id).where(Project.code == "JY-2026-003", Project.fiscal_year == 2026)
        )
        db.session.remove()
    return project_id


def test_a_department_prints_a_self_evaluation_form_from_the_project_page(
    page: Page, log_in, evaluated_project, screenshot, pdftoppm, request
):
    OUTPUT.mkdir(exist_ok=True)
    log_in("dept")
    page.goto(f"/projects/{evaluated_project}")
    link = page.locator("p.documents", has_text="项目支出绩效自评表").get_by_role(
        "link", name="打印（PDF）"
    )
    expect(link).to_be_visible()
    screenshot(page, "project")
    with page.expect_download() as download:
        link.click()
    saved = OUTPUT / f"{request.node.name}.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "JY-2026-003-2026-绩效自评表.pdf"

    text = printed(saved.read_bytes())
    for expected in ("项目支出绩效自评表", "学生营养午餐补助", "124.50", "860人", "自评等级：中"):
        assert expected in text, f"{expected} not in the downloaded PDF"

    first_page = OUTPUT / f"{request.node.name}-page1"
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            "110",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(saved),
            str(first_page),
        ],
        check=True,
        timeout=60,
    )
    png = first_page.with_suffix(".png")
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 20_000
