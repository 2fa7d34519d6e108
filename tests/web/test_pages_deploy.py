"""Deploying a diagram with its forms from the browser (process administrators only)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from html_page import parse, texts

FIXTURES = Path(__file__).parents[1] / "fixtures"
BPMN = (FIXTURES / "processes" / "simple_approval.bpmn").read_bytes()


def form_files() -> list[tuple[BytesIO, str]]:
    return [(BytesIO(p.read_bytes()), p.name) for p in sorted((FIXTURES / "forms").glob("*.json"))]


def test_deploy_page_is_for_process_administrators_only(client, login):
    login("unit")
    assert client.get("/admin/deploy").status_code == 403
    refused = client.post("/admin/deploy", data={"comment": "x"})
    assert refused.status_code == 403 and "流程管理员" in refused.text
    assert "部署流程" not in client.get("/").text  # no nav link either
    login("admin")
    page = client.get("/admin/deploy")
    assert page.status_code == 200 and 'href="/admin/deploy"' in page.text
    assert '<tr data-process="simple_approval">' in page.text and "v1" in page.text


def test_a_broken_diagram_is_refused_with_every_finding_listed(client, login):
    login("admin")
    answer = client.post(
        "/admin/deploy",
        data={"bpmn": (BytesIO(BPMN), "simple_approval.bpmn"), "comment": "缺表单"},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400
    assert "部署被拒绝" in answer.text
    codes = texts(parse(answer), "code")
    assert codes.count("form-missing") >= 2  # one per form the user tasks name
    assert "fill_targets" in codes
    assert "表单文件“project-targets.schema.json”未上传或不存在" in answer.text
    english = client.post(
        "/admin/deploy?lang=en",
        data={"bpmn": (BytesIO(BPMN), "simple_approval.bpmn"), "comment": "缺表单"},
        content_type="multipart/form-data",
    )
    assert (
        "The form file “project-targets.schema.json” was neither uploaded nor found."
        in english.text
    )
    assert "错误" in answer.text
    garbage = client.post(
        "/admin/deploy",
        data={"bpmn": (BytesIO(b"<not-bpmn"), "x.bpmn")},
        content_type="multipart/form-data",
    )
    assert garbage.status_code == 400 and "<code>xml</code>" in garbage.text


def test_a_post_without_a_diagram_asks_for_one(client, login):
    login("admin")
    answer = client.post("/admin/deploy", data={}, content_type="multipart/form-data")
    assert answer.status_code == 400 and ".bpmn" in answer.text


def test_a_good_diagram_deploys_as_the_next_version(client, login):
    login("admin")
    answer = client.post(
        "/admin/deploy",
        data={
            "bpmn": (BytesIO(BPMN), "simple_approval.bpmn"),
            "forms": form_files(),
            "comment": "第二版",
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302 and answer.location == "/admin/deploy"
    page = client.get("/admin/deploy")
    assert "已部署 simple_approval v2" in page.text
    row = page.text.split('<tr data-process="simple_approval">')[1].split("</tr>")[0]
    assert "v2" in row and "第二版" in row
    login("unit")
    assert "v2" in client.get("/start").text
