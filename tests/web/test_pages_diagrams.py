"""Process diagrams: a version's steps and XML, and a submission's place on its diagram."""

from __future__ import annotations

import json

from app.services.administration.deployment import deploy_definition
from app.services.runtime.tasks import complete_task
from conftest import FIXTURES
from html_page import every, one, parse, text, texts


def diagram_data(page) -> dict:
    return json.loads(one(parse(page), "script#instance-diagram-data").text)


def step_rows(page) -> dict[str, str]:
    """Each step's row of the diagram page's table, as its text, by activity id."""
    return {
        row.get("data-activity-id"): text(row) for row in every(parse(page), "tr[data-activity-id]")
    }


def deploy_second_version():
    """simple_approval v2: the same process under a new name, so the versions differ."""
    xml = (FIXTURES / "processes" / "simple_approval.bpmn").read_text(encoding="utf-8")
    forms = {p.name: p.read_bytes() for p in (FIXTURES / "forms").glob("*.json")}
    return deploy_definition(
        None,
        xml.replace("项目申报审核", "项目申报审核（二版）").encode(),
        "simple_approval.bpmn",
        forms,
    )


def test_diagram_page_lists_each_step_with_role_form_and_due_period(client, login):
    login("unit")
    page = client.get("/processes/simple_approval/diagram")
    assert page.status_code == 200
    assert "项目申报审核" in page.text and "v1" in page.text
    rows = step_rows(page)
    assert list(rows) == ["fill_targets", "dept_review", "finance_review"]
    assert "填报绩效目标" in rows["fill_targets"] and "部门预算单位" in rows["fill_targets"]
    # the form by its title; its file name and the step's id are for whoever deploys
    assert "项目支出绩效目标申报表" in rows["fill_targets"]
    assert "project-targets.schema.json" not in rows["fill_targets"]
    assert "fill_targets" not in rows["fill_targets"]
    assert "simple_approval" not in texts(parse(page), "code")
    # the period in words, the role by its name: no ISO duration, no role code
    assert "10个工作日" in rows["fill_targets"] and "P10D" not in rows["fill_targets"]
    assert "budget_unit" not in rows["fill_targets"]
    # a lane named by the role's display name resolves to that role
    assert "预算部门" in rows["dept_review"] and "5个工作日" in rows["dept_review"]
    assert "财政部门" in rows["finance_review"]
    # the page draws the pinned version's XML, loaded from its own address
    assert 'data-xml-url="/processes/simple_approval/diagram.bpmn?version=1"' in page.text
    assert "vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in page.text
    assert "<bpmn:definitions" not in page.text


def test_whoever_deploys_also_reads_the_files_and_ids(client, login):
    login("admin")
    page = client.get("/processes/simple_approval/diagram")
    rows = step_rows(page)
    assert "项目支出绩效目标申报表" in rows["fill_targets"]
    assert "project-targets.schema.json" in rows["fill_targets"]
    assert "fill_targets" in rows["fill_targets"]
    assert "simple_approval" in texts(parse(page), "code")


def test_start_and_instance_pages_link_to_the_diagram(client, login, at_review):
    instance, _ = at_review
    login("unit")
    link = 'href="/processes/simple_approval/diagram?version=1">查看流程图'
    assert link in client.get("/start").text
    assert link in client.get(f"/instances/{instance.id}").text


def test_xml_route_serves_the_deployed_xml_of_the_asked_version(app, client, login):
    v2 = deploy_second_version()
    login("unit")
    first = client.get("/processes/simple_approval/diagram.bpmn?version=1")
    assert first.status_code == 200 and first.mimetype == "application/xml"
    original = (FIXTURES / "processes" / "simple_approval.bpmn").read_text(encoding="utf-8")
    assert first.text == original
    latest = client.get("/processes/simple_approval/diagram.bpmn")
    assert latest.text == v2.bpmn_xml and "项目申报审核（二版）" in latest.text
    again = client.get(
        "/processes/simple_approval/diagram.bpmn?version=1",
        headers={"If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304
    page = client.get("/processes/simple_approval/diagram")
    assert "项目申报审核（二版）" in page.text and "v2" in page.text
    assert "/processes/simple_approval/diagram?version=1" in page.text  # the older version
    assert client.get("/processes/simple_approval/diagram.bpmn?version=9").status_code == 404
    bad = client.get("/processes/simple_approval/diagram?version=x")  # not a version number
    assert bad.status_code == 400 and "version" in bad.text
    assert client.get("/processes/nothing/diagram").status_code == 404


def test_diagrams_need_a_signed_in_person(client):
    response = client.get("/processes/simple_approval/diagram.bpmn")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_instance_page_embeds_current_step_and_done_counts_after_a_return(
    client, login, at_review, user
):
    instance, review = at_review
    complete_task(user("dept"), review.id, {"decision": "return", "comment": "指标不够细化"})
    login("unit")
    page = client.get(f"/instances/{instance.id}")
    data = diagram_data(page)
    assert data["done"] == {"fill_targets": 1, "dept_review": 1}
    assert [c["activity_id"] for c in data["current"]] == ["fill_targets"]
    # unclaimed: the role's pool, and how long it has waited
    assert data["current"][0]["label"].startswith("部门预算单位 · ")
    assert data["current"][0]["label"].endswith("分钟")
    assert 'data-xml-url="/processes/simple_approval/diagram.bpmn?version=1"' in page.text
    # the diagram comes above the history, and the timeline is there without JavaScript
    assert page.text.index("instance-diagram-data") < page.text.index('<ol class="timeline">')


def test_a_claimed_step_is_labelled_with_its_holder(client, login, at_review, user):
    from app.services.runtime.tasks import claim_task

    instance, review = at_review
    claim_task(user("dept"), review.id)
    login("dept")
    data = diagram_data(client.get(f"/instances/{instance.id}"))
    assert data["current"][0]["activity_id"] == "dept_review"
    assert data["current"][0]["label"].startswith("王芳（县教育局） · ")
    assert data["done"] == {"fill_targets": 1}


def test_another_department_sees_neither_the_submission_nor_its_marks(client, login, at_review):
    instance, _ = at_review
    for other in ("dept2", "unit2"):
        login(other)
        page = client.get(f"/instances/{instance.id}")
        assert page.status_code == 404
        assert "instance-diagram-data" not in page.text and "fill_targets" not in page.text
