"""A refusal is a code and a translatable message: the Chinese interface reads Chinese
only, the English one English only, and the API's `error` code is the same in both."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale, lazy_gettext

from app.services.foundation.errors import NotFound, ServiceError, ValidationFailed
from app.services.runtime.instances import start_instance


@pytest.fixture
def bearer(client):
    def token(username: str) -> dict[str, str]:
        answer = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
        return {"Authorization": f"Bearer {answer.get_json()['token']}"}

    return token


@pytest.fixture
def task(user):
    _, ready = start_instance(user("unit"), "simple_approval", title="语言")
    return ready[0].id


def _complete_with_a_list(client, bearer, task, headers=None, path_suffix=""):
    return client.post(
        f"/api/v1/tasks/{task}/complete{path_suffix}",
        data=b"[]",
        content_type="application/json",
        headers={**bearer("unit"), **(headers or {})},
    )


def test_an_api_refusal_is_chinese_by_default(client, bearer, task):
    answer = _complete_with_a_list(client, bearer, task)
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "bad_request", "message": "请求体必须是 JSON 对象"}


@pytest.mark.parametrize("language", ["en", "en-US,en;q=0.9", "en-GB"])
def test_an_api_client_asking_for_english_reads_english_under_the_same_code(
    client, bearer, task, language
):
    answer = _complete_with_a_list(client, bearer, task, headers={"Accept-Language": language})
    assert answer.status_code == 400
    assert answer.get_json() == {
        "error": "bad_request",
        "message": "The body must be a JSON object.",
    }


def test_an_api_client_asking_for_chinese_or_an_unknown_language_reads_chinese(
    client, bearer, task
):
    for language in ("zh-CN,zh;q=0.9", "fr-FR"):
        answer = _complete_with_a_list(client, bearer, task, headers={"Accept-Language": language})
        assert answer.get_json()["message"] == "请求体必须是 JSON 对象", language


def test_lang_in_the_query_chooses_the_api_language_too(client, bearer, task):
    answer = _complete_with_a_list(client, bearer, task, path_suffix="?lang=en")
    assert answer.get_json()["message"] == "The body must be a JSON object."


def test_an_api_refusal_with_a_value_names_it_in_either_language(client, bearer):
    headers = bearer("finance")
    chinese = client.get("/api/v1/departments/1/documents/targets.doc?year=2027", headers=headers)
    english = client.get(
        "/api/v1/departments/1/documents/targets.doc?year=2027",
        headers={**headers, "Accept-Language": "en"},
    )
    assert chinese.status_code == english.status_code == 404
    assert chinese.get_json()["error"] == english.get_json()["error"] == "not_found"
    assert "没有 .doc 格式，只有 pdf 和 xlsx" in chinese.get_json()["message"]
    assert english.get_json()["message"] == "There is no .doc format, only pdf and xlsx."


def test_a_refusal_page_follows_the_language_switch(client):
    client.post("/login", data={"username": "admin", "password": "demo"})
    chinese = client.get("/admin/users/99999")
    assert chinese.status_code == 404
    assert "用户 99999 不存在" in chinese.text and "no user" not in chinese.text
    client.get("/lang/en")
    english = client.get("/admin/users/99999")
    assert english.status_code == 404
    assert "There is no user 99999." in english.text and "不存在" not in english.text


def test_a_refusal_is_rendered_when_it_is_read_in_the_readers_language(app):
    refusal = NotFound(lazy_gettext("There is no user %(id)s.", id=7))
    with force_locale("en"):
        assert refusal.message == "There is no user 7."
    with force_locale("zh_Hans_CN"):
        assert refusal.message == "用户 7 不存在"
        assert str(refusal) == "用户 7 不存在"
    # Log lines use the msgid with its values, whoever reads.
    assert refusal.english == "There is no user 7."
    assert refusal.code == "not_found" and refusal.status == 404


def test_details_are_rendered_in_the_readers_language_too(app):
    refusal = ValidationFailed(
        lazy_gettext("The form has errors"),
        [{"path": "/title", "message": lazy_gettext("A display name is required.")}],
    )
    with force_locale("en"):
        assert refusal.details == [{"path": "/title", "message": "A display name is required."}]
    with force_locale("zh_Hans_CN"):
        assert refusal.details == [{"path": "/title", "message": "请填写姓名"}]


def test_a_plain_text_refusal_still_reads_as_written(app):
    assert ServiceError("原样").message == "原样"
    assert ServiceError("原样").english == "原样"


def test_what_is_kept_is_written_in_the_county_s_language_whoever_caused_it(app):
    from app.services.foundation.errors import stored_text

    with force_locale("en"):
        kept = stored_text(lazy_gettext("Imported %(name)s (%(source)s)", name="a", source="b"))
    assert kept == "导入 a（b）"


def test_a_deployment_refused_over_the_api_names_its_problems_in_the_callers_language(
    client, bearer
):
    headers = bearer("admin")
    files = {"files": (io.BytesIO(b"   "), "empty.bpmn")}
    chinese = client.post("/api/v1/deployments", data=dict(files), headers=headers)
    files = {"files": (io.BytesIO(b"   "), "empty.bpmn")}
    english = client.post(
        "/api/v1/deployments", data=dict(files), headers={**headers, "Accept-Language": "en"}
    )
    assert chinese.status_code == english.status_code == 400
    assert chinese.get_json()["error"] == english.get_json()["error"]
    assert "文件为空" in str(chinese.get_json()) and "empty" not in chinese.get_json()["message"]
    assert "The file is empty." in str(english.get_json()) and "文件为空" not in str(
        english.get_json()
    )
