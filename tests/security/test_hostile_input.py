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
from app.models import Attachment, ProcessInstance, Task
from app.services.runtime.instances import start_instance
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
    assert "请求超过大小上限 32 MB" in answer.get_json()["message"]
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
    assert "不接受可执行文件或网页文件" in details[0]["message"]
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert _still_ready(task)


def test_an_attachment_over_the_size_limit_is_refused(app, client, bearer, task):
    app.config["MAX_ATTACHMENT_BYTES"] = 1024
    data = {**GOOD_TARGETS, "attachment": _data_url("大.pdf", b"%PDF" + b"0" * 2000)}
    answer = _complete(client, bearer, task, data)
    assert answer.status_code == 422
    assert "附件超过大小上限 0 MB" in answer.get_json()["details"][0]["message"]
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


# --- JSON that is not JSON, or that no reader after the parser could follow ------------

DEEP = b"[" * 100_000 + b"]" * 100_000  # past Python's recursion limit (about 1,000)
JUST_TOO_DEEP = b"[" * 65 + b"]" * 65  # parses, but jsonschema and the storage recurse


@pytest.mark.parametrize(
    "body, named",
    [
        (b'{"data": ' + DEEP + b"}", "嵌套超过 64 层"),
        (b'{"data": {"a": ' + JUST_TOO_DEEP + b"}}", "嵌套超过 64 层"),
        (b'{"data": {"total_amount": NaN}}', "JSON 中不能有 NaN"),
        (b'{"data": {"total_amount": Infinity}}', "JSON 中不能有 Infinity"),
        (b'{"data": {"total_amount": -Infinity}}', "JSON 中不能有 -Infinity"),
        (b'{"data": {"total_amount": 1e400}}', "数字 1e400 超出范围"),
        (b'{"data": {"total_amount": 1' + b"0" * 400 + b"}}", "超出范围"),
        (b"[]", "请求体必须是 JSON 对象"),
        (b'"data"', "请求体必须是 JSON 对象"),
    ],
)
def test_a_body_that_is_not_storable_json_is_refused_naming_why(client, bearer, task, body, named):
    answer = _complete(client, bearer, task, data=body, content_type="application/json")
    assert answer.status_code == 400
    assert named in answer.get_json()["message"]
    assert _still_ready(task)


@pytest.mark.parametrize(
    "body, english",
    [
        (b'{"data": {"total_amount": NaN}}', "NaN is not JSON: send a number or null."),
        (b'{"data": {"total_amount": 1e400}}', "The number 1e400 is out of range."),
    ],
)
def test_a_body_that_is_not_json_is_refused_in_english_to_an_english_client(
    client, bearer, task, body, english
):
    answer = client.post(
        f"/api/v1/tasks/{task}/complete",
        data=body,
        content_type="application/json",
        headers={**bearer("unit"), "Accept-Language": "en"},
    )
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "bad_request"
    assert answer.get_json()["message"].endswith(english)


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/v1/auth/token", DEEP),
        ("/api/v1/processes/simple_approval/instances", b'{"data": {"a": NaN}}'),
        ("/api/v1/tasks/1/remind", DEEP),
        ("/login", DEEP),  # a page form: Flask-WTF reads a JSON post too
        ("/admin/modeler/simple_approval/test-run", DEEP),
        ("/admin/forms/review.schema.json/save", b'{"schema": {"title": NaN}}'),
    ],
)
def test_every_reader_of_json_refuses_it_alike(client, bearer, path, body):
    client.post("/login", data={"username": "admin", "password": "demo"})
    headers = bearer("finance") if path.startswith("/api/") else {}
    answer = client.post(path, data=body, content_type="application/json", headers=headers)
    assert answer.status_code == 400


def test_a_number_field_typed_as_nan_infinity_or_1e400_is_a_field_error(client, task):
    client.post("/login", data={"username": "unit", "password": "demo"})
    fields = {
        "project_name": "校舍维修改造",
        "annual_goal": "完成三栋教学楼的维修改造",
        "indicators-0-level1": "产出指标",
        "indicators-0-name": "维修面积",
        "indicators-0-sign": "≥",
        "indicators-0-target": "3000",
    }
    for typed in ("nan", "inf", "-Infinity", "1e400"):
        page = client.post(f"/tasks/{task}", data={**fields, "total_amount": typed})
        assert page.status_code == 422, typed
        assert _still_ready(task)


def test_task_data_nested_too_deeply_is_refused_before_anything_recurses(user, task):
    """The service's own door, whatever the route: one field error, nothing stored."""
    from app.services.foundation.errors import ValidationFailed
    from app.services.runtime.tasks import complete_task

    deep: list = []
    for _ in range(5_000):
        deep = [deep]
    with pytest.raises(ValidationFailed) as refused:
        complete_task(user("unit"), task, {**GOOD_TARGETS, "annual_goal": deep})
    assert any("嵌套超过 64 层" in d["message"] for d in refused.value.details)
    assert _still_ready(task)


# --- text that cannot be stored, or would split the header it ends up in ----------------


@pytest.mark.parametrize("title", ["a\x00b", "第一行\r\n第二行", "\x1b[31m", "长" * 301, 42])
def test_a_title_that_is_not_one_storable_line_starts_nothing(client, bearer, title):
    before = db.session.scalar(select(func.count()).select_from(ProcessInstance))
    answer = client.post(
        "/api/v1/processes/simple_approval/instances",
        json={"title": title},
        headers=bearer("unit"),
    )
    assert answer.status_code == 400
    assert answer.get_json()["details"][0]["path"] == "/title"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == before


def test_an_idempotency_key_with_control_characters_is_refused(client, bearer, task):
    headers = {**bearer("unit"), "Idempotency-Key": "abc\x01def"}
    answer = client.post(f"/api/v1/tasks/{task}/claim", headers=headers)
    assert answer.status_code == 400 and "Idempotency-Key" in answer.get_json()["message"]
    assert db.session.get(Task, task).assignee_id is None


@pytest.mark.parametrize(
    "nameless_part",
    [
        b"Content-Disposition: form-data\r\n\r\nvalue",
        b'Content-Disposition: form-data; filename="x.bpmn"\r\n\r\n<x/>',
    ],
)
def test_a_retried_upload_with_a_nameless_part_is_refused_not_a_server_error(
    client, bearer, nameless_part
):
    body = (
        b"--b\r\n" + nameless_part + b"\r\n--b\r\n"
        b'Content-Disposition: form-data; name="comment"\r\n\r\n\xe8\xaf\x95\r\n--b--\r\n'
    )
    headers = {**bearer("admin"), "Idempotency-Key": "upload-1"}
    answer = client.post(
        "/api/v1/deployments",
        data=body,
        headers=headers,
        content_type="multipart/form-data; boundary=b",
    )
    # Refused for what it lacks (no diagram file), as any upload without one is.
    assert answer.status_code in (400, 422), answer.get_data(as_text=True)
    assert answer.get_json()["error"] in ("bad_request", "lint_failed")


def test_an_account_name_or_address_with_a_line_break_is_refused(client, user):
    client.post("/login", data={"username": "admin", "password": "demo"})
    unit = user("unit")
    form = {"display_name": "张三\r\nBcc: x@example.com", "org_id": str(unit.org_id)}
    page = client.post(f"/admin/users/{unit.id}", data={**form, "roles": "budget_unit"})
    assert page.status_code == 400 and "display_name" in page.text
    form = {"display_name": "张三", "email": "a@example.com\r\nBcc: x@example.com"}
    page = client.post(f"/admin/users/{unit.id}", data={**form, "org_id": str(unit.org_id)})
    assert page.status_code == 400
    db.session.rollback()
    assert user("unit").display_name != "张三"


# --- query parameters: one parser per kind, the same on pages and in the API -------------


@pytest.fixture
def finance_page(client):
    client.post("/login", data={"username": "finance", "password": "demo"})
    return client


@pytest.mark.parametrize(
    "query, named",
    [
        ("page=99999999999999999999", "page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("version=9223372036854775808", "version"),
        ("campaign=1e400", "campaign"),
        ("org=²", "org"),
        ("year=99999", "year"),
        ("overdue=maybe", "overdue"),
        ("sort=drop table", "sort"),
        ("q=a%00b", "q"),
    ],
)
def test_a_tracking_filter_out_of_range_is_refused_naming_it(finance_page, query, named):
    page = finance_page.get(f"/tracking?{query}")
    assert page.status_code == 400
    assert f"参数 {named}" in page.text


def test_a_page_past_the_last_is_empty_not_an_error(finance_page):
    page = finance_page.get("/tracking?page=999999")
    assert page.status_code == 200


@pytest.mark.parametrize(
    "query", ["since=9999-12-31", "until=9999-12-31", "since=0000-01-01", "until=9999-99-99"]
)
def test_dates_beyond_the_calendar_are_refused_on_the_page_and_in_the_api(
    finance_page, bearer, query
):
    page = finance_page.get(f"/processes/simple_approval/heatmap?{query}")
    api = finance_page.get(f"/api/v1/tracking/steps?{query}", headers=bearer("finance"))
    name = query.split("=")[0]
    assert page.status_code == api.status_code == 400
    assert f"参数 {name}" in page.text and f"参数 {name}" in api.get_json()["message"]


def test_flags_mean_the_same_on_the_pages_and_in_the_api(finance_page, bearer):
    """ "on" (what a checkbox without a value sends) is yes everywhere; nonsense is refused."""
    headers = bearer("finance")
    for value, status in (("on", 200), ("TRUE", 200), ("off", 200), ("0", 200), ("maybe", 400)):
        assert finance_page.get(f"/instances?overdue={value}").status_code == status, value
        api = finance_page.get(f"/api/v1/instances?overdue={value}", headers=headers)
        assert api.status_code == status, value


def test_a_list_size_out_of_range_is_refused_not_clamped(client, bearer):
    headers = bearer("finance")
    for query in ("limit=1001", "limit=0", "offset=-1", "offset=99999999999999999999"):
        answer = client.get(f"/api/v1/instances?{query}", headers=headers)
        assert answer.status_code == 400, query
        assert query.split("=")[0] in answer.get_json()["message"]
    assert client.get("/api/v1/instances?limit=1000", headers=headers).status_code == 200


@pytest.mark.parametrize("path", ["/tasks/99999999999999999999999", f"/instances/{2**63}"])
def test_ids_in_paths_beyond_the_id_columns_are_not_found(finance_page, bearer, path):
    assert finance_page.get(path).status_code == 404
    assert finance_page.get("/api/v1" + path, headers=bearer("finance")).status_code == 404


# --- diagrams and form files in other encodings, or colliding with the engine ------------


def _deploy(client, bearer, diagram: bytes, forms: dict[str, bytes] = FORMS):
    files = {"bpmn": (io.BytesIO(diagram), "simple_approval.bpmn")}
    files.update({n: (io.BytesIO(c), n) for n, c in forms.items()})
    return client.post(
        "/api/v1/deployments",
        data=files,
        headers=bearer("admin"),
        content_type="multipart/form-data",
    )


def _versions(client, bearer) -> list[int]:
    processes = client.get("/api/v1/processes", headers=bearer("unit")).get_json()
    return [p["version"] for p in processes if p["key"] == "simple_approval"]


@pytest.mark.parametrize(
    "diagram, named",
    [
        (BPMN.encode("utf-16"), "UTF-16"),
        (('<?xml version="1.0" encoding="GBK"?>' + BODY).encode("gbk"), "GBK"),
        (
            (
                '<?xml version="1.0" encoding="ISO-8859-1"?>' + BODY.replace("项目申报审核", "Café")
            ).encode("latin-1", "replace"),
            "ISO-8859-1",
        ),
        (('<?xml version="1.0"?>' + BODY).encode("gbk"), "不是 UTF-8 的字节"),
    ],
)
def test_a_diagram_in_another_encoding_is_refused_naming_it(client, bearer, diagram, named):
    answer = _deploy(client, bearer, diagram)
    assert answer.status_code == 400
    finding = answer.get_json()["details"][0]
    assert finding["code"] == "xml" and named in finding["message"]
    assert "UTF-8" in finding["message"]
    assert _versions(client, bearer) == [1]


def _renamed(element: str, new: str) -> bytes:
    return BPMN.replace(f'"{element}"', f'"{new}"').replace(f">{element}<", f">{new}<").encode()


@pytest.mark.parametrize(
    "element, new",
    [
        ("dept_review", "End"),  # would end the submission when the review is done
        ("start", "Start"),
        ("dept_review", "Root"),
        ("review_decision", "simple_approval.EndJoin"),
        ("dept_review", "fill_targets.BoundaryEventSplit"),
    ],
)
def test_an_id_that_is_one_of_the_engines_own_names_is_refused(client, bearer, element, new):
    answer = _deploy(client, bearer, _renamed(element, new))
    assert answer.status_code == 400
    assert ("reserved-id", new) in {
        (d["code"], d["element_id"]) for d in answer.get_json()["details"]
    }
    assert _versions(client, bearer) == [1]


@pytest.mark.parametrize("due", ["P99999999D", "P1000000Y", "P3650D", "P0D", "-P1D", "PT0S"])
def test_a_due_period_beyond_a_year_or_not_after_now_is_refused(client, bearer, due):
    answer = _deploy(client, bearer, BPMN.replace('value="P10D"', f'value="{due}"').encode())
    assert answer.status_code == 400
    codes = {d["code"] for d in answer.get_json()["details"]}
    assert codes == {"due-in"}
    assert _versions(client, bearer) == [1]


@pytest.mark.parametrize(
    "content, named",
    [
        (b"[" * 100_000 + b"]" * 100_000, "嵌套超过 64 层"),
        (b'{"type": "object", "properties": {"a": {"type": "number", "maximum": NaN}}}', "NaN"),
        (b'{"type": "object", "properties": {}, "title": "\\u0000"}', "NUL"),
        ("审核".encode("gbk"), "不是 UTF-8 编码"),
    ],
)
def test_a_form_file_that_is_not_storable_json_is_refused_naming_it(client, bearer, content, named):
    answer = _deploy(client, bearer, BPMN.encode(), {**FORMS, "review.schema.json": content})
    assert answer.status_code == 400
    messages = [d["message"] for d in answer.get_json()["details"] if d["code"] == "form-invalid"]
    assert messages and any(named in m for m in messages)
    assert _versions(client, bearer) == [1]


def test_a_due_period_beyond_a_year_cannot_stall_the_working_day_walk():
    """A diagram deployed before due periods were bounded: refused, not walked day by day."""
    from datetime import datetime, timedelta

    from app.services.runtime.calendar import WorkCalendar

    calendar = WorkCalendar()
    assert calendar.due_after(datetime(2027, 3, 1), timedelta(days=366)).year == 2028
    with pytest.raises(ValueError, match="longer than 366 working days"):
        calendar.due_after(datetime(2027, 3, 1), timedelta(days=99_999_999))
