"""A department's page: its year targets and self-evaluation as a whole with links to
their printed forms, for the department, finance and the government; another department
is not found."""

from __future__ import annotations

import pytest
from lxml import html

from department_level import deploy_department_processes, evaluated_through_the_process
from factories import org


@pytest.fixture
def edu(app, user):
    deploy_department_processes()
    evaluated_through_the_process(user, 2026)
    return org("edu").id


def page(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, response.text
    return html.fromstring(response.text)


def texts(tree, xpath: str) -> list[str]:
    return [" ".join(node.text_content().split()) for node in tree.xpath(xpath)]


@pytest.mark.parametrize("username", ["dept", "finance", "gov", "unit"])
def test_the_page_shows_the_targets_the_evaluation_and_the_rolled_up_grades(
    edu, client, login, username
):
    login(username)
    tree = page(client, f"/departments/{edu}?year=2026")
    assert texts(tree, "//h1") == ["县教育局 2026"]
    assert texts(tree, "//dd[@class='targets-status']") == ["财政已批准"]
    assert texts(tree, "//dd[@class='evaluation-status']") == ["县政府已阅知"]
    functions = texts(tree, "//table[contains(@class, 'functions')]/tbody/tr/th")
    assert functions == ["义务教育", "教师队伍建设"]
    grades = texts(tree, "//table[contains(@class, 'project-grades')]//td[@class='grade']")
    assert grades == ["优", "中", "优"]
    links = tree.xpath("//p[@class='documents']/a/@href")
    assert f"/departments/{edu}/documents/targets.pdf?year=2026" in links
    assert f"/departments/{edu}/documents/self-evaluation.xlsx?year=2026" in links
    pdf = client.get(f"/departments/{edu}/documents/self-evaluation.pdf?year=2026")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "attachment" in pdf.headers["Content-Disposition"]


def test_the_list_shows_a_department_only_its_own(edu, client, login):
    login("dept")
    assert texts(page(client, "/departments"), "//ul[@class='department-list']/li") == ["县教育局"]
    login("finance")
    listed = texts(page(client, "/departments"), "//ul[@class='department-list']/li")
    assert listed == ["县教育局", "县卫生健康局"]


@pytest.mark.parametrize("username", ["dept2", "unit2", "expert"])
def test_another_department_is_not_found(edu, client, login, username):
    login(username)
    assert client.get(f"/departments/{edu}?year=2026").status_code == 404
    assert client.get(f"/departments/{edu}/documents/targets.xlsx?year=2026").status_code == 404


def test_a_document_without_a_year_is_refused_by_name(edu, client, login):
    login("dept")
    response = client.get(f"/departments/{edu}/documents/targets.pdf")
    assert response.status_code == 400 and "year" in response.text


def test_the_self_evaluation_form_shows_the_grades_as_text_and_asks_for_results(
    app, user, client, login
):
    from app.services.registry.campaigns import launch_campaign
    from app.services.runtime import queries
    from department_level import approved_targets, graded_projects

    deploy_department_processes()
    approved_targets("edu", 2026)
    graded_projects(2026)
    launch_campaign(user("finance"), "department_self_evaluation", 2026)
    (task,) = queries.list_inbox(user("dept"), process="department_self_evaluation").tasks
    login("dept")
    tree = page(client, f"/tasks/{task.id}")
    body = " ".join(tree.text_content().split())
    assert "JY-2026-003" in body and "学生营养午餐补助" in body
    names = set(tree.xpath("//form//*[self::input or self::textarea or self::select]/@name"))
    assert not any(name.startswith("project_grades") for name in names), names
    assert not any(name.startswith("project_summary") for name in names), names
    assert "overall_result" in names and "conclusion" in names
    assert "function_results-0-result" in names and "indicator_results-0-actual" in names
    assert "function_results-0-budget" not in names


def test_finance_launches_a_department_round_from_the_rounds_page(app, client, login):
    deploy_department_processes()
    login("finance")
    options = page(client, "/campaigns").xpath("//select[@name='process']/option/text()")
    assert "部门整体绩效目标申报" in options and "部门整体支出绩效自评" in options
    launched = client.post(
        "/campaigns",
        data={"process": "department_targets", "fiscal_year": "2028"},
        follow_redirects=True,
    )
    assert launched.status_code == 200
    tree = html.fromstring(launched.text)
    assert "2028年度部门整体绩效目标申报" in texts(tree, "//h1")[0]
    body = " ".join(tree.text_content().split())
    assert "县教育局" in body and "县卫生健康局" in body
