"""The form editor's pages: for process administrators only, saves as JSON, a preview
rendered by the task page's own form macros, and CSRF on every post."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import html
from sqlalchemy import func, select

from app.extensions import db
from app.models import FormDraft, FormEvent
from html_page import attributes, one, parse, text

FIXTURES = Path(__file__).parents[1] / "fixtures"
REVIEW = json.loads((FIXTURES / "forms" / "review.schema.json").read_text(encoding="utf-8"))
PAGES = ["/admin/forms", "/admin/forms/review.schema.json"]


def with_field(schema: dict, name: str, field: dict) -> dict:
    changed = json.loads(json.dumps(schema))
    changed["properties"][name] = field
    return changed


def editor_config(html: str) -> dict:
    return json.loads(one(parse(html), "script#form-editor-config").text)


def saved_rows() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(FormDraft.id)))


@pytest.mark.parametrize("path", PAGES)
def test_form_pages_render_for_process_administrators(client, login, path):
    login("admin")
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("username", ["unit", "finance"])
def test_form_pages_are_refused_to_everyone_else(client, login, path, username):
    login(username)
    assert client.get(path).status_code == 403


def test_others_may_not_save_create_or_preview(client, login):
    login("dept")
    answer = client.post("/admin/forms/review.schema.json/save", json={"schema": REVIEW, "ui": {}})
    assert answer.status_code == 403 and answer.json["error"] == "forbidden"
    assert client.post("/admin/forms", data={"filename": "x.schema.json"}).status_code == 403
    preview = client.post("/admin/forms/preview", data={"schema": json.dumps(REVIEW)})
    assert preview.status_code == 403 and "审核结论" not in preview.text
    assert saved_rows() == 0


def test_the_forms_list_names_each_form_with_the_processes_using_it(client, login):
    login("admin")
    page = client.get("/admin/forms").text
    doc = parse(page)
    row = one(doc, 'tr[data-form="review.schema.json"]')
    assert "审核意见" in text(row) and "已部署的版本" in text(row)
    # People read the process's name; its key is where the link goes.
    assert text(one(row, "td.used-by")) == "项目申报审核"
    assert attributes(row, "td.used-by a", "href") == ["/admin/modeler/simple_approval"]
    assert "project-targets.uischema.json" not in attributes(doc, "tr[data-form]", "data-form")


def test_the_editor_opens_the_form_with_its_layout_and_serves_its_script(client, login):
    login("admin")
    page = client.get("/admin/forms/project-targets.schema.json").text
    config = editor_config(page)
    assert config["schema"]["properties"]["project_name"]["title"] == "项目名称"
    assert config["ui"]["annual_goal"] == {"ui:widget": "textarea"}
    # The order of the properties is the form's order: the page must not sort them.
    assert list(config["schema"]["properties"])[:3] == ["project_name", "project_code", "nature"]
    assert config["uiFilename"] == "project-targets.uischema.json"
    assert config["messages"]["kinds"]["table"] == "表格"
    assert "/static/form_editor.js" in page and "//cdn" not in page
    assert client.get("/static/form_editor.js").status_code == 200
    assert client.get("/admin/forms/nothing.schema.json").status_code == 404


def test_saving_answers_json_keeps_the_form_and_shows_it_after_a_reload(client, login):
    login("admin")
    schema = with_field(REVIEW, "score", {"type": "integer", "title": "评审得分"})
    answer = client.post("/admin/forms/review.schema.json/save", json={"schema": schema, "ui": {}})
    assert answer.status_code == 200 and answer.json["ok"] is True
    page = client.get("/admin/forms/review.schema.json").text
    assert editor_config(page)["schema"]["properties"]["score"]["title"] == "评审得分"
    assert "已打开" in page and "保存的版本" in page
    assert "score" in text(one(parse(page), "table.form-history"))  # the fields saved


def test_an_invalid_form_is_refused_with_the_reasons_as_json(client, login):
    login("admin")
    schema = with_field(REVIEW, "n", {"type": "number", "minimum": 10, "maximum": 1})
    schema["required"] = ["decision", "missing_one"]
    answer = client.post("/admin/forms/review.schema.json/save", json={"schema": schema, "ui": {}})
    assert answer.status_code == 400 and answer.json["ok"] is False
    problems = " ".join(answer.json["problems"])
    assert "missing_one" in problems and "最小值 10 大于最大值 1" in problems
    assert saved_rows() == 0


def test_the_preview_is_the_task_pages_form_for_the_posted_schema(client, login):
    login("admin")
    schema = with_field(REVIEW, "score", {"type": "integer", "title": "评审得分", "maximum": 100})
    ui = {"comment": {"ui:widget": "textarea"}}
    answer = client.post(
        "/admin/forms/preview", data={"schema": json.dumps(schema), "ui": json.dumps(ui)}
    )
    assert answer.status_code == 200
    doc = parse(answer)
    assert text(one(doc, 'label[for="score"]')).startswith("评审得分")
    assert one(doc, "input#score").get("max") == "100"
    assert one(doc, "#comment").tag == "textarea"
    db.session.rollback()
    assert db.session.scalar(select(func.count(FormEvent.id))) == 0  # a preview changes nothing
    # The editor shows it in a frame: only the app's own pages may frame it; others none.
    assert answer.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in answer.headers["Content-Security-Policy"]
    editor = client.get("/admin/forms/review.schema.json")
    assert editor.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in editor.headers["Content-Security-Policy"]


def test_the_preview_names_what_is_wrong(client, login):
    login("admin")
    schema = with_field(REVIEW, "code", {"type": "string", "pattern": "[A-"})
    answer = client.post("/admin/forms/preview", data={"schema": json.dumps(schema), "ui": "{}"})
    assert answer.status_code == 400
    assert "正则表达式" in answer.text and "/properties/code/pattern" in answer.text
    broken = client.post("/admin/forms/preview", data={"schema": "{", "ui": "{}"})
    assert broken.status_code == 400 and "不是有效的 JSON" in broken.text


def test_the_preview_says_which_patterns_the_page_cannot_check(client, login):
    """A pattern valid for the server but not in the browser's `v` mode (a class ending in
    an unescaped '-') is kept off the input; the editor says so, and how to write it."""
    login("admin")
    schema = with_field(REVIEW, "code", {"type": "string", "pattern": "^[A-Z0-9-]+$"})
    answer = client.post("/admin/forms/preview", data={"schema": json.dumps(schema), "ui": "{}"})
    assert answer.status_code == 200
    page = html.fromstring(answer.text)
    (note,) = page.xpath('//*[contains(@class, "preview-warnings")]')
    assert "页面不会在填写时即时检查" in note.text_content()
    assert [c.text_content() for c in note.xpath(".//li/code")] == ["code", "^[A-Z0-9-]+$"]
    assert page.get_element_by_id("code").get("pattern") is None
    escaped = with_field(REVIEW, "code", {"type": "string", "pattern": r"^[A-Z0-9\-]+$"})
    answer = client.post("/admin/forms/preview", data={"schema": json.dumps(escaped), "ui": "{}"})
    page = html.fromstring(answer.text)
    assert page.xpath('//*[contains(@class, "preview-warnings")]') == []
    assert page.get_element_by_id("code").get("pattern") == r"^[A-Z0-9\-]+$"


def test_creating_a_copy_opens_it_in_the_editor_and_a_taken_name_is_refused(client, login):
    login("admin")
    answer = client.post(
        "/admin/forms", data={"filename": "review-2.schema.json", "copy_of": "review.schema.json"}
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/admin/forms/review-2.schema.json")
    config = editor_config(client.get("/admin/forms/review-2.schema.json").text)
    assert config["schema"]["properties"]["decision"]["title"] == "审核结论"

    taken = client.post("/admin/forms", data={"filename": "review.schema.json"})
    assert taken.status_code == 302
    assert "已存在" in client.get("/admin/forms").text


def test_discarding_the_saved_copy_reopens_the_deployed_one(client, login):
    login("admin")
    schema = with_field(REVIEW, "score", {"type": "integer", "title": "评审得分"})
    client.post("/admin/forms/review.schema.json/save", json={"schema": schema, "ui": {}})
    answer = client.post("/admin/forms/review.schema.json/discard")
    assert answer.status_code == 302
    config = editor_config(client.get("/admin/forms/review.schema.json").text)
    assert "score" not in config["schema"]["properties"]


def test_posts_without_the_csrf_token_are_refused_and_change_nothing(app, client, login):
    login("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    schema = with_field(REVIEW, "score", {"type": "integer", "title": "评审得分"})

    refused = client.post("/admin/forms/review.schema.json/save", json={"schema": schema})
    assert refused.status_code == 400
    preview = client.post("/admin/forms/preview", data={"schema": json.dumps(schema)})
    assert preview.status_code == 400 and "评审得分" not in preview.text
    created = client.post("/admin/forms", data={"filename": "x.schema.json"})
    assert created.status_code == 400
    assert saved_rows() == 0

    editor = client.get("/admin/forms/review.schema.json").text
    (token,) = attributes(parse(editor), "[data-csrf]", "data-csrf")
    accepted = client.post(
        "/admin/forms/review.schema.json/save",
        json={"schema": schema, "ui": {}},
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 200
    assert saved_rows() == 2  # the schema and its layout


def test_discarding_a_new_form_goes_back_to_the_list(client, login):
    login("admin")
    client.post("/admin/forms", data={"filename": "brand-new.schema.json"})
    answer = client.post("/admin/forms/brand-new.schema.json/discard")
    assert answer.headers["Location"].endswith("/admin/forms")
    assert "brand-new.schema.json" not in client.get("/admin/forms").text


def test_the_editor_warns_where_a_process_shows_the_form_without_its_layout(client, login):
    login("admin")
    review = client.get("/admin/forms/review.schema.json").text  # no step names its layout
    page = parse(review)
    assert "使用的流程： 项目申报审核。" in text(page)
    warning = text(one(page, ".layout-unused"))
    assert warning.startswith("项目申报审核的用户任务未选用布局文件 review.uischema.json：")
    targets = client.get("/admin/forms/project-targets.schema.json").text
    assert "layout-unused" not in targets  # fill_targets names its layout
