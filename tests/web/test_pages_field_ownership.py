"""The task page and field ownership: approved rows offer no add or remove, and a
forged post cannot change what the step does not own."""

from __future__ import annotations

import pytest
from lxml import html

from app.extensions import db
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS, deploy_simple_approval

# The department checks the unit's indicators: the target is approved, the actual is its own.
REVIEW = {
    "type": "object",
    "required": ["decision"],
    "properties": {
        "decision": {
            "type": "string",
            "oneOf": [{"const": "approve", "title": "通过"}, {"const": "return", "title": "退回"}],
        },
        "total_amount": {"type": "number", "title": "项目总额"},
        "indicators": {
            "type": "array",
            "title": "绩效指标",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "title": "三级指标"},
                    "target": {"type": "string", "title": "指标值"},
                    "checked": {"type": "string", "title": "核实值"},
                },
            },
        },
    },
}
REVIEW_UI = {
    "total_amount": {"ui:readonly": True},
    "indicators": {"items": {"name": {"ui:readonly": True}, "target": {"ui:readonly": True}}},
}


@pytest.fixture
def review_task(app, user):
    deploy_simple_approval({"review.schema.json": REVIEW, "review.uischema.json": REVIEW_UI})
    instance, ready = start_instance(user("unit"), "simple_approval", title="核实指标")
    _, ready = complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
    return instance, ready[0]


def test_approved_rows_offer_no_add_or_remove_button(client, login, review_task):
    _, task = review_task
    login("dept")
    page = html.fromstring(client.get(f"/tasks/{task.id}").text)
    (table,) = page.xpath("//fieldset[@id='indicators']")
    assert table.xpath(".//button[contains(@class, 'remove-row')]") == []
    assert table.xpath(".//button[contains(@class, 'add-row')]") == []
    assert page.xpath("//input[@name='indicators-0-checked']"), "the answer column is open"


def test_a_forged_post_keeps_approved_values_and_rows(client, login, review_task):
    instance, task = review_task
    login("dept")
    forged = {
        "decision": "approve",
        "total_amount": "1",
        "indicators-0-name": "伪造的指标",
        "indicators-0-target": "1",
        "indicators-0-checked": "2800",
        "indicators-1-name": "多出的一行",
        "indicators-1-checked": "1",
    }
    answer = client.post(f"/tasks/{task.id}", data=forged)
    assert answer.status_code == 302
    db.session.rollback()
    db.session.refresh(instance)
    assert instance.data["total_amount"] == 120.5
    rows = [(r["name"], r["target"], r.get("checked")) for r in instance.data["indicators"]]
    assert rows == [("维修面积", "3000", "2800")]


def test_a_removal_posted_without_javascript_does_not_drop_an_approved_row(
    client, login, review_task
):
    instance, task = review_task
    login("dept")
    client.post(f"/tasks/{task.id}", data={"decision": "approve", "__remove_row__": "indicators-0"})
    answer = client.post(f"/tasks/{task.id}", data={"decision": "approve"})
    assert answer.status_code == 302
    db.session.rollback()
    db.session.refresh(instance)
    assert [r["name"] for r in instance.data["indicators"]] == ["维修面积"]
