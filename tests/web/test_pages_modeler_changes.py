"""What the modeler's 部署 shows before it deploys and what 检查 warns of: each changed
property with its old and new value, form fields included; two lanes of one role."""

from __future__ import annotations

from pathlib import Path

import lxml.html

FIXTURES = Path(__file__).parents[1] / "fixtures"
BPMN = (FIXTURES / "processes" / "simple_approval.bpmn").read_text(encoding="utf-8")


def save_draft(client, xml: str) -> None:
    saved = client.post(
        "/admin/modeler/simple_approval/draft", data=xml.encode(), content_type="application/xml"
    )
    assert saved.status_code == 200, saved.json


def test_deploy_changes_list_each_property_with_its_old_and_new_value(client, login):
    login("admin")
    changed = BPMN.replace('name="部门审核"', 'name="部门初审"').replace(
        'name="dueIn" value="P5D"', 'name="dueIn" value="P3D"'
    )
    save_draft(client, changed)
    answer = client.get("/admin/modeler/simple_approval/changes")
    assert answer.status_code == 200
    body = answer.json
    assert body["deployed_version"] == 1 and body["next_version"] == 2
    (review,) = [c for c in body["elements"] if c["element_id"] == "dept_review"]
    assert review["change"] == "changed" and review["name"] == "部门初审"
    details = {d["label"]: (d["old"], d["new"]) for d in review["details"]}
    assert details["名称"] == ("部门审核", "部门初审")
    assert details["办理时限"] == ("5个工作日", "3个工作日")
    # nothing is deployed by asking
    versions = client.get("/admin/processes/simple_approval/versions").text
    assert '<tr data-version="2">' not in versions


def test_an_unchanged_draft_has_nothing_to_show_and_no_draft_is_a_404(client, login):
    login("admin")
    assert client.get("/admin/modeler/simple_approval/changes").status_code == 404
    save_draft(client, BPMN)
    body = client.get("/admin/modeler/simple_approval/changes").json
    assert body["elements"] == [] and body["fields"] == []


def test_the_versions_diff_shows_old_and_new_values(client, login, user):
    from app.extensions import db
    from app.services.administration.deployment import deploy_definition

    forms = {p.name: p.read_bytes() for p in (FIXTURES / "forms").glob("*.json")}
    xml = BPMN.replace('name="dueIn" value="P5D"', 'name="dueIn" value="P7D"')
    deploy_definition(user("admin"), xml.encode(), "simple_approval.bpmn", {}, "改期限", forms)
    db.session.commit()
    login("admin")
    page = lxml.html.fromstring(
        client.get("/admin/processes/simple_approval/diff?old=1&new=2").text
    )
    (row,) = page.xpath("//tr[@data-element='dept_review']")
    (item,) = row.xpath(".//li[@data-property='property:dueIn']")
    assert " ".join(item.text_content().split()) == "办理时限：5个工作日 → 7个工作日"


def test_check_warns_of_two_lanes_of_one_role(client, login):
    login("admin")
    doubled = BPMN.replace('name="finance_bureau"', 'name="budget_department"')
    answer = client.post(
        "/admin/modeler/simple_approval/check",
        data=doubled.encode(),
        content_type="application/xml",
    )
    found = [f for f in answer.json["findings"] if f["code"] == "duplicate-lane-role"]
    assert [f["element_id"] for f in found] == ["Lane_finance"]
    assert found[0]["severity"] == "warning" and "预算部门" in found[0]["message"]
    clean = client.post(
        "/admin/modeler/simple_approval/check", data=BPMN.encode(), content_type="application/xml"
    )
    assert not [f for f in clean.json["findings"] if f["code"] == "duplicate-lane-role"]
