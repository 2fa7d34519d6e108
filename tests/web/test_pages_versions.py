"""The versions pages: comparing two versions, migrating submissions, export and import;
process administrators only, every post with its CSRF token."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import AuditEvent, ProcessInstance
from app.services.administration.deployment import deploy_definition
from app.services.administration.migration import migrate_submissions
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from conftest import make_config
from factories import GOOD_TARGETS
from html_page import attributes, parse

FIXTURES = Path(__file__).parents[1] / "fixtures"
BPMN = (FIXTURES / "processes" / "simple_approval.bpmn").read_text(encoding="utf-8")
FORMS = {p.name: p.read_bytes() for p in (FIXTURES / "forms").glob("*.json")}


def second_version(admin) -> None:
    """v2: fill_targets becomes fill_goals, dept_review is renamed, review.comment retitled."""
    xml = BPMN.replace("fill_targets", "fill_goals").replace('name="部门审核"', 'name="部门初审"')
    review = (
        FORMS["review.schema.json"]
        .decode()
        .replace('"审核意见", "maxLength"', '"意见", "maxLength"')
    )
    forms = {**FORMS, "review.schema.json": review.encode()}
    deploy_definition(admin, xml.encode(), "simple_approval.bpmn", {}, "改版", forms)


@pytest.fixture
def two_versions(user):
    """v1 submissions waiting at fill_targets and at dept_review, then v2 deployed."""
    unit = user("unit")
    filling, _ = start_instance(unit, "simple_approval", title="待填报")
    reviewing, ready = start_instance(unit, "simple_approval", title="待审核")
    complete_task(unit, ready[0].id, GOOD_TARGETS)
    second_version(user("admin"))
    db.session.commit()
    return filling.id, reviewing.id


def test_versions_page_links_compare_migrate_export_and_shows_the_log(client, login, two_versions):
    login("admin")
    page = client.get("/admin/processes/simple_approval/versions").text
    assert 'href="/admin/processes/simple_approval/diff?old=1&amp;new=2"' in page
    assert 'href="/admin/processes/simple_approval/migrate?from=1&amp;to=2"' in page
    assert 'href="/admin/processes/simple_approval/versions/1/export"' in page
    assert '<tr data-action="deployed">' in page and "改版" in page
    # the log says what was done (部署新版本), not the heading 部署时间 of the table above
    deployed = lxml.html.fromstring(page).xpath('//tr[@data-action="deployed"]/td')
    assert deployed[2].text_content().strip() == "部署新版本"


def test_the_diff_page_colours_elements_and_lists_changed_form_fields(client, login, two_versions):
    login("admin")
    page = client.get("/admin/processes/simple_approval/diff?old=1&new=2")
    assert page.status_code == 200
    text = page.text
    assert '<tr class="change-added" data-element="fill_goals" data-change="added">' in text
    assert '<tr class="change-removed" data-element="fill_targets" data-change="removed">' in text
    assert 'data-element="dept_review" data-change="changed"' in text
    assert 'data-form="review.schema.json" data-field="comment" data-change="title"' in text
    assert "审核意见" in text and "意见" in text
    # The two diagrams carry their marks for diagram.js, and a legend explains the colours.
    assert 'data-diff="diff-marks-old"' in text and 'data-diff="diff-marks-new"' in text
    assert '"activity_id": "fill_targets", "change": "removed"' in text
    assert "legend-added" in text and "legend-removed" in text and "legend-changed" in text
    assert "diagram.js" in text


def test_comparing_a_version_with_itself_or_an_unknown_one_is_refused(client, login, two_versions):
    login("admin")
    assert client.get("/admin/processes/simple_approval/diff?old=2&new=2").status_code == 400
    assert client.get("/admin/processes/simple_approval/diff?old=1&new=9").status_code == 404
    assert client.get("/admin/processes/simple_approval/diff?old=x&new=2").status_code == 400


def test_migration_page_dry_runs_then_moves_the_checked_submissions(client, login, two_versions):
    filling, reviewing = two_versions
    login("admin")
    page = client.get("/admin/processes/simple_approval/migrate?from=1&to=2").text
    assert f'<tr data-instance="{reviewing}" class="can-move">' in page
    assert f'<tr data-instance="{filling}" class="cannot-move">' in page
    assert "fill_targets" in page  # why it cannot move
    answer = client.post(
        "/admin/processes/simple_approval/migrate",
        data={"from": "1", "to": "2", "reason": "统一到新版", "instance": [str(reviewing)]},
    )
    assert answer.status_code == 302
    db.session.rollback()
    versions = {i.id: i.version for i in db.session.scalars(select(ProcessInstance))}
    assert versions == {filling: 1, reviewing: 2}
    history = client.get("/admin/processes/simple_approval/versions").text
    assert '<tr data-action="migrated">' in history and "统一到新版" in history
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "migrated"))
    assert event.instance_id == reviewing and event.comment == "统一到新版"


def test_a_migration_without_a_reason_changes_nothing(client, login, two_versions):
    _, reviewing = two_versions
    login("admin")
    answer = client.post(
        "/admin/processes/simple_approval/migrate",
        data={"from": "1", "to": "2", "reason": "", "instance": [str(reviewing)]},
    )
    assert answer.status_code == 400 and "原因" in answer.text
    db.session.rollback()
    assert {i.version for i in db.session.scalars(select(ProcessInstance))} == {1}


def test_export_downloads_a_zip_and_import_deploys_it_as_the_next_version(client, login):
    login("admin")
    exported = client.get("/admin/processes/simple_approval/versions/1/export")
    assert exported.status_code == 200 and exported.mimetype == "application/zip"
    assert "simple_approval-v1.zip" in exported.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(exported.data)).namelist()
    assert "manifest.json" in names and "simple_approval.bpmn" in names

    assert "Camunda Modeler" in client.get("/admin/import").text
    answer = client.post(
        "/admin/import",
        data={"files": (io.BytesIO(exported.data), "simple_approval-v1.zip"), "comment": "迁入"},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    assert answer.location.endswith("/admin/processes/simple_approval/versions")
    page = client.get(answer.location).text
    assert '<tr data-version="2">' in page and '<tr data-action="imported">' in page


def test_an_import_with_lint_errors_shows_the_findings_and_deploys_nothing(client, login):
    login("admin")
    broken = BPMN.replace(' default="flow_approve"', "").replace(
        '<bpmn:sequenceFlow id="flow_approve" name="通过" sourceRef="review_decision" '
        'targetRef="finance_review" />',
        '<bpmn:sequenceFlow id="flow_approve" name="通过" sourceRef="review_decision" '
        'targetRef="finance_review"><bpmn:conditionExpression>decision == "approve" and '
        "total_amount &gt; 0</bpmn:conditionExpression></bpmn:sequenceFlow>",
    )
    files = [(io.BytesIO(broken.encode()), "simple_approval.bpmn")]
    files += [(io.BytesIO(FORMS[n]), n) for n in ("review.schema.json",)]
    answer = client.post("/admin/import", data={"files": files}, content_type="multipart/form-data")
    assert answer.status_code == 400
    assert "gateway-no-default" in answer.text and "review_decision" in answer.text
    assert (
        '<tr data-version="2">' not in client.get("/admin/processes/simple_approval/versions").text
    )


@pytest.mark.parametrize("username", ["unit", "dept", "finance"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/processes/simple_approval/diff?old=1&new=2"),
        ("get", "/admin/processes/simple_approval/migrate?from=1&to=2"),
        ("post", "/admin/processes/simple_approval/migrate"),
        ("get", "/admin/processes/simple_approval/versions/1/export"),
        ("get", "/admin/import"),
        ("post", "/admin/import"),
    ],
)
def test_only_process_administrators_reach_these_pages(
    client, login, two_versions, username, method, path
):
    login(username)
    data = {"from": "1", "to": "2", "reason": "想迁", "instance": [str(two_versions[1])]}
    answer = getattr(client, method)(path, data=data) if method == "post" else client.get(path)
    assert answer.status_code == 403
    db.session.rollback()
    assert {i.version for i in db.session.scalars(select(ProcessInstance))} == {1}


def test_a_migration_post_without_its_csrf_token_is_refused(app, database_url, two_versions):
    protected = create_app(make_config(database_url, WTF_CSRF_ENABLED=True))
    client = protected.test_client()
    page = client.get("/login")
    (token,) = attributes(parse(page), "input[name=csrf_token]", "value")
    client.post("/login", data={"username": "admin", "password": "demo", "csrf_token": token})
    data = {"from": "1", "to": "2", "reason": "无令牌", "instance": [str(two_versions[1])]}
    refused = client.post("/admin/processes/simple_approval/migrate", data=data)
    assert refused.status_code == 400
    form = client.get("/admin/processes/simple_approval/migrate?from=1&to=2").text
    token = attributes(parse(form), "input[name=csrf_token]", "value")[0]
    accepted = client.post(
        "/admin/processes/simple_approval/migrate", data={**data, "csrf_token": token}
    )
    assert accepted.status_code == 302


def test_the_submission_page_shows_the_move_in_its_history(client, login, two_versions, user):
    _, reviewing = two_versions
    migrate_submissions(user("admin"), "simple_approval", 1, 2, "审核环节更名")
    login("finance")
    page = client.get(f"/instances/{reviewing}").text
    assert "迁移到新版流程" in page and "审核环节更名" in page
    assert "部门初审" in page  # the step it waits at, by the new version's name
