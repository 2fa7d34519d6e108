"""The county's budget as a whole, one page per year: its review's status, totals by
department and function, and every selected project, with links down to each
department's page and each project's; for finance, the government and the congress."""

from __future__ import annotations

import pytest
from lxml import html

from app.extensions import db
from app.models import Org, Project


@pytest.fixture
def approved(county_budget_approved):
    """Two departments' projects selected for 2027 and the county budget approved: a copy
    of the root conftest's variant that holds them (built once per run)."""


def texts(tree, xpath: str) -> list[str]:
    return [" ".join(node.text_content().split()) for node in tree.xpath(xpath)]


@pytest.mark.parametrize("username", ["finance", "gov", "congress"])
def test_the_years_budget_drills_down_to_each_department_and_project(
    approved, client, login, username
):
    login(username)
    response = client.get("/county-budget")  # the newest year with selected projects
    assert response.status_code == 200, response.text
    tree = html.fromstring(response.text)
    assert texts(tree, "//h1") == ["县级预算 2027"]
    assert texts(tree, "//dd[@class='county-status']")[0].startswith("县人大已批准")
    assert texts(tree, "//dd[@class='county-total']") == ["190.00"]
    departments = tree.xpath("//table[contains(@class, 'departments')]/tbody/tr")
    assert [texts(row, "./*")[:5] for row in departments] == [
        ["县教育局", "办学条件达标率提升到 95%", "2", "130.00", "130.00"],
        ["县卫生健康局", "县域就诊率达到 90%", "1", "60.00", "60.00"],
    ]
    education = db.session.query(Org).filter_by(code="edu").one()
    assert tree.xpath("//table[contains(@class, 'departments')]//a/@href")[0] == (
        f"/departments/{education.id}?year=2027"
    )
    functions = texts(tree, "//table[contains(@class, 'functions')]/tbody/tr/th")
    assert functions == ["义务教育", "基层医疗"]
    project = db.session.query(Project).filter_by(code="JY-2027-001").one()
    links = tree.xpath("//table[contains(@class, 'projects')]//a/@href")
    assert f"/projects/{project.id}" in links and len(links) == 3


@pytest.mark.parametrize("username", ["unit", "dept", "expert", "admin"])
def test_who_does_not_see_every_department_is_refused(approved, client, login, username):
    login(username)
    response = client.get("/county-budget?year=2027")
    assert response.status_code == 403
    assert "教室改造" not in response.text


def test_the_menu_offers_the_county_budget_to_those_who_may_read_it(approved, client, login):
    login("gov")
    menu = html.fromstring(client.get("/").text).xpath("//nav//a/@href")
    assert "/county-budget" in menu
    login("dept")
    menu = html.fromstring(client.get("/").text).xpath("//nav//a/@href")
    assert "/county-budget" not in menu
