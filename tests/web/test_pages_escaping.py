"""HTML and script typed into any text field come back as text on every page: titles,
form values, comments and reasons, and process and step names from a diagram."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html

from app.services.administration.deployment import deploy_definition
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from app.services.tracking.interventions import suspend_instance
from factories import GOOD_TARGETS

FIXTURES = Path(__file__).parents[1] / "fixtures"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def hostile_everywhere(user):
    """A process whose names carry markup, a submission whose every text field does."""
    bpmn = (FIXTURES / "processes" / "simple_approval.bpmn").read_text(encoding="utf-8")
    bpmn = bpmn.replace(
        'name="项目申报审核"',
        'name="项目申报审核&lt;script&gt;alert(&quot;p&quot;)&lt;/script&gt;"',
    )
    bpmn = bpmn.replace('name="部门审核"', 'name="部门审核&lt;img src=x onerror=alert(2)&gt;"')
    forms = {p.name: p.read_bytes() for p in (FIXTURES / "forms").glob("*.json")}
    deploy_definition(user("admin"), bpmn.encode(), "simple_approval.bpmn", forms, XSS)
    instance, ready = start_instance(user("unit"), "simple_approval", title=XSS)
    values = {**GOOD_TARGETS, "project_name": "项目" + XSS, "annual_goal": XSS}
    values["indicators"] = [{**GOOD_TARGETS["indicators"][0], "name": XSS, "target": XSS}]
    _, ready = complete_task(user("unit"), ready[0].id, values)
    suspend_instance(user("finance"), instance.id, XSS)
    return instance, ready[0]


def test_markup_in_every_text_field_is_shown_as_text_on_every_page(
    client, login, hostile_everywhere
):
    instance, review = hostile_everywhere
    pages = {
        "dept": ["/", f"/instances/{instance.id}", "/instances", "/tracking", "/start"],
        "finance": [f"/instances/{instance.id}", "/instances", "/tracking"],
        "unit": ["/notifications", f"/instances/{instance.id}"],
    }
    for username, paths in pages.items():
        login(username)
        for path in paths:
            page = client.get(path)
            assert page.status_code == 200, path
            doc = html.fromstring(page.text)
            assert doc.xpath("//script[contains(., 'alert(')]") == [], (username, path)
            assert doc.xpath("//*[@onerror]") == [], (username, path)
    login("finance")
    detail = html.fromstring(client.get(f"/instances/{instance.id}").text).text_content()
    assert XSS in detail  # the title and the reason, shown as the text that was typed
    assert "部门审核<img src=x onerror=alert(2)>" in detail  # the step name from the diagram
    login("dept")
    task = html.fromstring(client.get(f"/tasks/{review.id}").text)
    assert task.xpath("//script[contains(., 'alert(')]") == [] and not task.xpath("//*[@onerror]")
    assert "项目" + XSS in task.text_content()  # the unit's form value, read-only at review
