"""The indicator library's pages (指标库): finance keeps the 共性指标, a department its
个性指标, a unit reads; and the target form's indicator table offers them as a picker."""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import LibraryIndicator, Org, Task
from app.services.administration.deployment import deploy_definition
from app.services.demo.indicators import seed_indicator_library
from app.services.runtime.instances import start_instance
from conftest import RequestPerContextClient, make_config

ROOT = Path(__file__).parents[2]
NEW = {
    "level1": "产出指标",
    "level2": "质量指标",
    "name": "设备验收合格率",
    "sign": "=",
    "unit": "%",
    "scoring_standard": "全部验收合格得满分",
    "standard_value": "行业标准",
    "explanation": "",
}


@pytest.fixture
def library(app):
    """The demo county's library (as `init-db --demo` seeds it)."""
    seed_indicator_library({org.code: org for org in db.session.scalars(select(Org))})
    db.session.commit()


def department_id(code: str) -> int:
    return db.session.scalar(select(Org.id).where(Org.code == code))


def indicator_id(name: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(LibraryIndicator.id).where(LibraryIndicator.name == name))


def page(response):
    assert response.status_code == 200, response.text[:500]
    return lxml.html.fromstring(response.text)


def indicator_names(doc) -> list[str]:
    """The level-3 names of a library page's tables (a link when the reader may edit)."""
    cells = doc.xpath("//table[contains(@class, 'indicators')]/tbody/tr/th")
    return [
        (cell.find("a").text if cell.find("a") is not None else cell.text).strip() for cell in cells
    ]


def texts(doc, xpath: str) -> list[str]:
    return [" ".join(node.text_content().split()) for node in doc.xpath(xpath)]


def test_finance_sees_the_common_library_by_level_and_searches_it(client, login, library):
    login("finance")
    doc = page(client.get("/settings/indicators"))
    assert texts(doc, "//section[@class='indicator-group']/h3") == [
        "产出指标",
        "效益指标",
        "满意度指标",
    ]
    names = indicator_names(doc)
    assert {"验收合格率", "按期完成率", "成本控制率", "受益人数", "服务对象满意度"} <= set(names)
    # a tab for each department's library that holds indicators, not for every department
    assert texts(doc, "//nav[@class='tabs']/a") == [
        "共性指标",
        "县教育局个性指标",
        "县卫生健康局个性指标",
    ]
    assert texts(doc, "//a[@aria-current='page']")[-1] == "共性指标"
    assert texts(doc, "//p[@class='admin-links']/a") == ["新增指标"]

    found = page(client.get("/settings/indicators", query_string={"q": "满意度"}))
    assert indicator_names(found) == ["服务对象满意度", "受益群众满意度", "社会公众满意度"]


def test_a_department_opens_on_its_own_and_reads_the_common_one(client, login, library):
    login("dept")
    own = page(client.get("/settings/indicators"))
    assert "县教育局个性指标" in texts(own, "//h2")[0]
    assert "师生满意度" in indicator_names(own)
    assert "患者满意度" not in own.text_content()  # the health bureau's
    assert texts(own, "//p[@class='admin-links']/a") == ["新增指标"]
    common = page(client.get("/settings/indicators?library=common"))
    assert texts(common, "//p[@class='admin-links']/a") == []
    assert "本指标库由财政部门维护，您可以查阅。" in texts(common, "//p[@class='hint']")
    assert not common.xpath("//table//a")  # nothing to open for editing


def test_a_unit_reads_its_departments_library_but_not_another_one(client, login, library):
    login("unit")
    edu = page(client.get(f"/settings/indicators?library={department_id('edu')}"))
    assert "师生满意度" in indicator_names(edu)
    assert texts(edu, "//p[@class='admin-links']/a") == []
    assert client.get(f"/settings/indicators?library={department_id('health')}").status_code == 404
    assert client.get("/settings/indicators/new?library=common").status_code == 403


def test_finance_adds_a_common_indicator_and_the_list_shows_it(client, login, library):
    login("finance")
    form = page(client.get("/settings/indicators/new?library=common"))
    assert form.xpath("//select[@name='level2']/optgroup/@label") == [
        "产出指标",
        "效益指标",
        "满意度指标",
    ]
    saved = client.post("/settings/indicators/new?library=common", data=NEW)
    assert saved.status_code == 302
    listed = page(client.get(saved.location))
    row = listed.xpath("//tr[th/a='设备验收合格率']")[0]
    assert [" ".join(cell.text_content().split()) for cell in row.xpath("td")][:5] == [
        "质量指标",
        "=",
        "%",
        "全部验收合格得满分",
        "行业标准",
    ]


def test_a_wrong_heading_is_named_and_nothing_is_saved(client, login, library):
    login("finance")
    answer = client.post(
        "/settings/indicators/new?library=common", data={**NEW, "level1": "满意度指标"}
    )
    assert answer.status_code == 422
    assert "二级指标：满意度指标之下只能是 服务对象满意度指标" in answer.text
    assert indicator_id("设备验收合格率") is None


def test_a_department_adds_its_own_but_not_to_the_common_or_anothers(client, login, library):
    login("dept")
    edu, health = department_id("edu"), department_id("health")
    assert client.post("/settings/indicators/new?library=common", data=NEW).status_code == 403
    assert client.post(f"/settings/indicators/new?library={health}", data=NEW).status_code == 404
    assert indicator_id("设备验收合格率") is None
    saved = client.post(f"/settings/indicators/new?library={edu}", data=NEW)
    assert saved.status_code == 302
    assert "设备验收合格率" in indicator_names(page(client.get(saved.location)))
    db.session.rollback()
    row = db.session.get(LibraryIndicator, indicator_id("设备验收合格率"))
    assert row.department_id == edu


def test_finance_edits_and_deactivates_a_common_indicator(client, login, library):
    login("finance")
    target = indicator_id("成本控制率")
    edit = page(client.get(f"/settings/indicators/{target}"))
    assert edit.xpath("//input[@name='name']/@value") == ["成本控制率"]
    changed = client.post(
        f"/settings/indicators/{target}",
        data={**NEW, "level2": "成本指标", "name": "项目成本控制率", "sign": "≤"},
    )
    assert changed.status_code == 302
    assert client.post(f"/settings/indicators/{target}/deactivate").status_code == 302
    listed = page(client.get("/settings/indicators"))
    assert "项目成本控制率" not in indicator_names(listed)
    with_inactive = page(client.get("/settings/indicators?inactive=1"))
    row = with_inactive.xpath("//tr[th/a='项目成本控制率']")[0]
    assert "已停用" in row.text_content()
    login("dept")
    assert client.get(f"/settings/indicators/{target}").status_code == 403
    assert client.post(f"/settings/indicators/{target}/activate").status_code == 403


def test_the_library_forms_refuse_a_post_without_its_csrf_token(database_url, library, tmp_path):
    protected = create_app(make_config(database_url, WTF_CSRF_ENABLED=True))
    protected.instance_path = str(tmp_path / "protected")
    client = RequestPerContextClient(protected, protected.response_class, use_cookies=True)
    token = client.get("/login").text.split('name="csrf_token" type="hidden" value="')[1]
    token = token.split('"')[0]
    client.post("/login", data={"username": "finance", "password": "demo", "csrf_token": token})
    target = indicator_id("成本控制率")
    for path in (
        "/settings/indicators/new?library=common",
        f"/settings/indicators/{target}",
        f"/settings/indicators/{target}/deactivate",
    ):
        refused = client.post(path, data=NEW)
        assert refused.status_code == 400, path
    form = client.get("/settings/indicators/new?library=common").text
    token = form.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    saved = client.post(
        "/settings/indicators/new?library=common", data={**NEW, "csrf_token": token}
    )
    assert saved.status_code == 302
    with protected.app_context():
        names = set(db.session.scalars(select(LibraryIndicator.name)))
        assert "设备验收合格率" in names
        assert db.session.scalar(
            select(LibraryIndicator.active).where(LibraryIndicator.name == "成本控制率")
        )


@pytest.fixture
def target_form(app, user, library):
    """The shipped project-targets form (its indicator table a library table), as a task
    waiting at 县第一中学."""
    forms = {path.name: path.read_bytes() for path in (ROOT / "forms").glob("*.json")}
    bpmn = (ROOT / "processes" / "project_target_review.bpmn").read_bytes()
    deploy_definition(None, bpmn, "project_target_review.bpmn", {}, available_forms=forms)
    _, ready = start_instance(user("unit"), "project_target_review", title="教室改造")
    return ready[0].id


def test_the_target_form_offers_the_common_and_own_departments_indicators(
    client, login, target_form
):
    login("unit")
    doc = page(client.get(f"/tasks/{target_form}"))
    (name_input,) = doc.xpath("//input[@name='indicators-0-name']")
    assert name_input.get("list") == "library-indicators"
    offered = doc.xpath("//datalist[@id='library-indicators']/option")
    names = [option.get("value") for option in offered]
    assert {"验收合格率", "受益人数", "服务对象满意度", "师生满意度"} <= set(names)
    assert "患者满意度" not in names  # the health bureau's own
    fill = json.loads(offered[names.index("验收合格率")].get("data-fill"))
    assert fill == {
        "level1": "产出指标",
        "level2": "质量指标",
        "name": "验收合格率",
        "sign": "=",
        "unit": "%",
        "standard": "达到指标值得满分；每低1个百分点扣分值的10%，扣完为止",
        "standard_value": "行业标准",
    }
    (summary,) = texts(doc, "//details[@class='library-picker']/summary")
    assert summary == f"从指标库选择（{len(names)} 条）"
    # the 选用 buttons wait for the script: without it the list is a reference to read
    buttons = doc.xpath("//button[@class='pick-indicator']")
    assert len(buttons) == len(names) and all(b.get("hidden") is not None for b in buttons)


def test_a_name_the_library_lacks_is_still_typed_and_saved(client, login, target_form):
    login("unit")
    answer = client.post(
        f"/tasks/{target_form}",
        data={
            "project_name": "教室改造",
            "project_code": "JY-2027-009",
            "nature": "一次性",
            "start_date": "2027-03-01",
            "total_amount": "300",
            "annual_goal": "完成 12 间教室改造",
            "indicators-0-level1": "产出指标",
            "indicators-0-name": "改造实验室间数",
            "indicators-0-sign": "≥",
            "indicators-0-target": "2",
            "indicators-0-unit": "间",
        },
    )
    assert answer.status_code == 302, answer.text[:500]
    db.session.rollback()
    instance_id = db.session.get(Task, target_form).instance_id
    shown = page(client.get(f"/instances/{instance_id}"))
    assert "改造实验室间数" in texts(shown, "//table[@class='form-data-table']//td")
