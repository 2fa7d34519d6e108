"""Hostile requests are contained: each gets a clear refusal naming the problem, never a
500, and changes nothing. (Diagrams with DTDs and entities: tests/engine/test_lint.py and
tests/api/test_deployments.py; scripts that import, reach dunders or loop:
tests/engine/test_sandbox.py; escaping of text in pages: test_escaping.py here.)
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, Task
from app.services.instances import start_instance
from factories import GOOD_TARGETS


@pytest.fixture
def bearer(client):
    def token(username: str) -> dict[str, str]:
        answer = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
        return {"Authorization": f"Bearer {answer.get_json()['token']}"}

    return token


@pytest.fixture
def task(user):
    _, ready = start_instance(user("unit"), "simple_approval", title="恶意输入")
    return ready[0].id


def _complete(client, bearer, task_id, document=None, **kwargs):
    if document is not None:
        kwargs["json"] = {"data": document}
    return client.post(f"/api/v1/tasks/{task_id}/complete", headers=bearer("unit"), **kwargs)


def _still_ready(task_id: int) -> bool:
    db.session.rollback()
    return db.session.get(Task, task_id).status == "ready"


def _data_url(name: str, content: bytes, content_type: str = "application/pdf") -> str:
    return f"data:{content_type};name={name};base64," + base64.b64encode(content).decode()


def test_a_40_mb_request_is_refused_with_413_before_it_is_read(client, bearer, task):
    answer = _complete(
        client,
        bearer,
        task,
        data=b"x" * (40 * 1024 * 1024),
        content_type="application/json",
    )
    assert answer.status_code == 413
    assert answer.get_json()["error"] == "request_entity_too_large"
    assert "too large: the limit is 32 MB" in answer.get_json()["message"]
    assert _still_ready(task)


def test_a_40_mb_upload_to_a_page_gets_the_page_saying_it_is_too_large(client, task):
    client.post("/login", data={"username": "unit", "password": "demo"})
    answer = client.post(
        f"/tasks/{task}", data=b"x" * (40 * 1024 * 1024), content_type="multipart/form-data"
    )
    assert answer.status_code == 413
    assert "上传的文件超过了服务器允许的大小" in answer.text


def test_a_body_that_is_not_utf_8_is_refused_as_bad_json(client, bearer, task):
    answer = _complete(
        client,
        bearer,
        task,
        data=b'{"data": {"project_name": "\xff\xfe\xc3"}}',
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "bad_request"
    assert _still_ready(task)


def test_lone_surrogates_and_nul_are_refused_naming_the_field(client, bearer, task):
    raw = (
        '{"data": {"project_name": "\\ud800\\u0000abc", "project_code": "JY-1",'
        ' "total_amount": 1, "annual_goal": "完成维修改造任务", "indicators": []}}'
    )
    answer = _complete(client, bearer, task, data=raw.encode(), content_type="application/json")
    assert answer.status_code == 422
    assert "/project_name" in [d["path"] for d in answer.get_json()["details"]]
    assert _still_ready(task)


@pytest.mark.parametrize(
    "field, value",
    [
        ("total_amount", -120.5),  # a negative amount
        ("total_amount", "一百万"),  # text where a number belongs
        ("total_amount", [1, 2]),
        ("indicators", {"0": "x"}),  # an object where a table belongs
        ("project_name", "长" * 1_000_000),  # a huge string (limit 100)
        ("project_name", None),
    ],
)
def test_wrong_types_negative_amounts_and_huge_strings_name_their_field(
    client, bearer, task, field, value
):
    answer = _complete(client, bearer, task, {**GOOD_TARGETS, field: value})
    assert answer.status_code == 422
    assert [d["path"] for d in answer.get_json()["details"]] == [f"/{field}"]
    assert _still_ready(task)


def test_a_title_with_a_lone_surrogate_starts_nothing(client, bearer):
    answer = client.post(
        "/api/v1/processes/simple_approval/instances",
        data=b'{"title": "\\udfff"}',
        content_type="application/json",
        headers=bearer("unit"),
    )
    assert answer.status_code == 400
    assert answer.get_json()["details"][0]["path"] == "/title"


@pytest.mark.parametrize(
    "name, content_type, content",
    [
        ("setup.exe", "application/octet-stream", b"MZ\x90\x00"),
        ("预算.pdf", "application/pdf", b"MZ\x90\x00 renamed executable"),
        ("run.sh", "text/plain", b"echo hi"),
        ("page.html", "text/plain", b"<script>alert(1)</script>"),
        ("pic.png", "image/svg+xml", b"<svg onload=alert(1)>"),
        ("x.pdf", "text/html", b"<script>alert(1)</script>"),
        ("tool.JS.", "text/plain", b"alert(1)"),
    ],
)
def test_executable_or_active_attachments_are_refused(
    client, bearer, task, name, content_type, content
):
    data = {**GOOD_TARGETS, "attachment": _data_url(name, content, content_type)}
    answer = _complete(client, bearer, task, data)
    assert answer.status_code == 422
    details = answer.get_json()["details"]
    assert details == [{"path": "/attachment", "message": details[0]["message"]}]
    assert "executable" in details[0]["message"]
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert _still_ready(task)


def test_an_attachment_over_the_size_limit_is_refused(app, client, bearer, task):
    app.config["MAX_ATTACHMENT_BYTES"] = 1024
    data = {**GOOD_TARGETS, "attachment": _data_url("大.pdf", b"%PDF" + b"0" * 2000)}
    answer = _complete(client, bearer, task, data)
    assert answer.status_code == 422
    assert "too large" in answer.get_json()["details"][0]["message"]
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_a_path_traversal_name_is_stored_flat_and_downloads_as_a_plain_file(client, bearer, task):
    hostile = "../../etc/passwd\r\nX-Injected: 1.pdf"
    data = {**GOOD_TARGETS, "attachment": _data_url(hostile, b"%PDF-1.4")}
    answer = _complete(client, bearer, task, data)
    assert answer.status_code == 200, answer.get_json()
    stored = db.session.scalars(select(Attachment)).one()
    assert "/" not in stored.filename and "\\" not in stored.filename
    assert "\n" not in stored.filename and not stored.filename.startswith(".")
    client.post("/login", data={"username": "unit", "password": "demo"})
    download = client.get(f"/attachments/{stored.id}")
    assert download.status_code == 200
    assert download.data == b"%PDF-1.4"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "X-Injected" not in download.headers
    assert download.headers["X-Content-Type-Options"] == "nosniff"


BPMN = (Path(__file__).parents[1] / "fixtures" / "processes" / "simple_approval.bpmn").read_text(
    encoding="utf-8"
)
FORMS = {
    p.name: p.read_bytes()
    for p in (Path(__file__).parents[1] / "fixtures" / "forms").glob("*.json")
}
BODY = BPMN.split("?>", 1)[1]


@pytest.mark.parametrize(
    "prologue, name",
    [
        # An external entity that would read a server file into the process name:
        ('<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
        # An external DTD that would make the server call out:
        ('<!DOCTYPE d SYSTEM "http://127.0.0.1:9/evil.dtd">', "项目申报审核"),
        # A parameter entity pulling an external document:
        ('<!DOCTYPE d [<!ENTITY % p SYSTEM "file:///etc/hostname"> %p;]>', "项目申报审核"),
    ],
)
def test_diagrams_with_external_entities_are_refused_and_read_nothing(
    client, bearer, prologue, name
):
    diagram = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        + prologue
        + BODY.replace('name="项目申报审核" processRef', f'name="{name}" processRef')
    )
    files = {"bpmn": (io.BytesIO(diagram.encode()), "simple_approval.bpmn")}
    files.update({n: (io.BytesIO(c), n) for n, c in FORMS.items()})
    answer = client.post(
        "/api/v1/deployments",
        data=files,
        headers=bearer("admin"),
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400
    body = answer.get_json()
    assert "root:" not in answer.text  # nothing of /etc/passwd came back
    assert [d["code"] for d in body["details"]] == ["xml"]
    hostname = Path("/etc/hostname")
    if hostname.exists() and hostname.read_text().strip():
        assert hostname.read_text().strip() not in answer.text
    processes = client.get("/api/v1/processes", headers=bearer("unit")).get_json()
    assert [p["version"] for p in processes if p["key"] == "simple_approval"] == [1]


def test_a_form_post_with_invalid_utf_8_and_hostile_values_re_renders_with_errors(client, task):
    client.post("/login", data={"username": "unit", "password": "demo"})
    raw = (
        b"project_name=%FF%FE%C3&project_code=%3Cscript%3E&total_amount=-5"
        b"&annual_goal="
        + b"x" * 300_000
        + b"&indicators-0-level1=%E4%BA%A7%E5%87%BA%E6%8C%87%E6%A0%87"
    )
    page = client.post(f"/tasks/{task}", data=raw, content_type="application/x-www-form-urlencoded")
    assert page.status_code == 422
    assert "&lt;script&gt;" in page.text  # the value comes back as text in its field
    assert "不能小于 0" in page.text  # the negative amount, named at its field
    assert "格式不正确" in page.text  # the code that is markup, not a code
    assert _still_ready(task)


@pytest.mark.parametrize(
    "script",
    [
        "import os",
        "x = ().__class__.__bases__[0].__subclasses__()",
        "x = __import__('os')",
        "x = getattr(data, '_sa_instance_state')",
        "try:\n    pass\nexcept BaseException:\n    pass",
    ],
)
def test_a_diagram_whose_script_escapes_the_sandbox_is_refused_at_deploy(client, bearer, script):
    task = (
        '<bpmn:scriptTask id="calc" name="计算"><bpmn:script>'
        + script.replace("<", "&lt;")
        + "</bpmn:script></bpmn:scriptTask><bpmn:endEvent"
    )
    diagram = BPMN.replace("<bpmn:endEvent", task, 1)
    files = {"bpmn": (io.BytesIO(diagram.encode()), "simple_approval.bpmn")}
    files.update({n: (io.BytesIO(c), n) for n, c in FORMS.items()})
    answer = client.post(
        "/api/v1/deployments",
        data=files,
        headers=bearer("admin"),
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400
    assert ("calc", "script") in {
        (d["element_id"], d["code"]) for d in answer.get_json()["details"]
    }
