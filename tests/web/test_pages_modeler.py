"""The modeler and version pages: for process administrators, drafts and deploys as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from html_page import one, parse

FIXTURES = Path(__file__).parents[1] / "fixtures"
BPMN = (FIXTURES / "processes" / "simple_approval.bpmn").read_text(encoding="utf-8")
PAGES = [
    "/admin/processes",
    "/admin/processes/simple_approval/versions",
    "/admin/modeler/simple_approval",
    "/admin/modeler/new",
    "/admin/modeler/simple_approval/diagram.bpmn",
]


def modeler_config(html: str) -> dict:
    return json.loads(one(parse(html), "script#modeler-config").text)


@pytest.mark.parametrize("path", PAGES)
def test_admin_pages_render_for_process_administrators(client, login, path):
    login("admin")
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("username", ["unit", "finance"])
def test_admin_pages_are_refused_to_everyone_else(client, login, path, username):
    login(username)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize(
    "path",
    ["/admin/modeler/simple_approval/draft", "/admin/modeler/simple_approval/deploy"],
)
def test_saving_and_deploying_are_refused_as_json_to_others(client, login, path):
    login("dept")
    answer = client.post(path, data=BPMN.encode(), content_type="application/xml")
    assert answer.status_code == 403 and answer.json["error"] == "forbidden"


def test_modeler_page_serves_bpmn_js_from_the_app_with_roles_and_forms(client, login):
    login("admin")
    page = client.get("/admin/modeler/simple_approval").text
    assert "/static/vendor/bpmn-js/bpmn-modeler.production.min.js" in page
    assert "/static/modeler.js" in page and "//cdn" not in page
    config = modeler_config(page)
    assert config["key"] == "simple_approval" and config["deployedVersion"] == 1
    assert {"code": "budget_unit", "name": "部门预算单位"} in config["roles"]
    assert "review.schema.json" in config["forms"]["schemas"]
    assert config["forms"]["ui"] == ["project-targets.uischema.json"]
    assert "部门审核" in client.get("/admin/modeler/simple_approval/diagram.bpmn").text
    assert modeler_config(client.get("/admin/modeler/new").text)["xmlUrl"] is None


def test_a_draft_round_trips_through_the_routes(client, login):
    login("admin")
    changed = BPMN.replace('name="部门审核"', 'name="部门初审"')
    saved = client.post(
        "/admin/modeler/simple_approval/draft",
        data=changed.encode(),
        content_type="application/xml",
    )
    assert saved.status_code == 200 and saved.json["ok"] is True
    assert "部门初审" in client.get("/admin/modeler/simple_approval/diagram.bpmn").text
    assert "草稿" in client.get("/admin/modeler/simple_approval").text
    listing = client.get("/admin/processes").text
    assert '<tr data-process="simple_approval">' in listing

    discarded = client.post("/admin/modeler/simple_approval/discard")
    assert discarded.json == {"ok": True, "discarded": True}
    assert "部门初审" not in client.get("/admin/modeler/simple_approval/diagram.bpmn").text


def test_a_bad_draft_answers_400_naming_the_problem(client, login):
    login("admin")
    answer = client.post(
        "/admin/modeler/simple_approval/draft", data=b"<oops", content_type="application/xml"
    )
    assert answer.status_code == 400 and "XML" in answer.json["message"]


def test_deploy_answers_the_new_version_or_the_findings(client, login):
    login("admin")
    broken = BPMN.replace('name="finance_bureau"', 'name="no_such_role"')
    client.post(
        "/admin/modeler/simple_approval/draft", data=broken.encode(), content_type="application/xml"
    )
    refused = client.post("/admin/modeler/simple_approval/deploy", json={"comment": "x"})
    assert refused.status_code == 400 and refused.json["ok"] is False
    found = {(f["element_id"], f["code"]) for f in refused.json["findings"]}
    assert ("finance_review", "unknown-role") in found

    client.post(
        "/admin/modeler/simple_approval/draft", data=BPMN.encode(), content_type="application/xml"
    )
    deployed = client.post("/admin/modeler/simple_approval/deploy", json={"comment": "原样重发"})
    assert deployed.json == {"ok": True, "key": "simple_approval", "version": 2, "warnings": []}
    versions = client.get("/admin/processes/simple_approval/versions").text
    assert '<tr data-version="2">' in versions and "原样重发" in versions


def test_rollback_from_the_versions_page_deploys_the_old_version_again(client, login):
    login("admin")
    client.post(
        "/admin/modeler/simple_approval/draft",
        data=BPMN.replace('name="部门审核"', 'name="部门初审"').encode(),
        content_type="application/xml",
    )
    client.post("/admin/modeler/simple_approval/deploy", json={})
    answer = client.post(
        "/admin/processes/simple_approval/rollback", data={"version": "1", "comment": "改回"}
    )
    assert answer.status_code == 302
    page = client.get("/admin/processes/simple_approval/versions").text
    assert '<tr data-version="3">' in page and "改回" in page
    assert "部门审核" in client.get("/processes/simple_approval/diagram.bpmn").text


def test_deploy_page_links_to_the_modeler_and_versions(client, login):
    login("admin")
    page = client.get("/admin/deploy").text
    assert 'href="/admin/processes"' in page and 'href="/admin/modeler/new"' in page
    assert 'href="/admin/processes/simple_approval/versions"' in page
