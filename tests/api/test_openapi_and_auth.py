"""The published OpenAPI document and signing in with a bearer token."""

from __future__ import annotations

import json
import re

from app.api.openapi import OPENAPI


def _documented_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.removeprefix("/api/v1"))


def test_openapi_document_is_served_as_openapi_3_1_without_a_token(anonymous):
    answer = anonymous.get("/openapi.json")
    assert answer.status == 200
    assert answer.body["openapi"] == "3.1.0"
    assert answer.body == json.loads(json.dumps(OPENAPI))
    assert answer.body["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_every_api_route_is_described_in_the_openapi_document(app):
    described = OPENAPI["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = _documented_path(rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method.lower() not in described.get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == []
    registered = {
        _documented_path(r.rule) for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")
    }
    assert set(described) == registered, "the document describes routes that do not exist"


def test_openapi_document_path_parameters_and_references_are_complete():
    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(OPENAPI):
        target = OPENAPI
        for part in ref.removeprefix("#/").split("/"):
            assert part in target, f"dangling $ref {ref}"
            target = target[part]
    parameters = OPENAPI["components"]["parameters"]
    for path, operations in OPENAPI["paths"].items():
        for method, operation in operations.items():
            declared = {
                p["name"]
                for p in (
                    parameters[x["$ref"].rsplit("/", 1)[-1]] if "$ref" in x else x
                    for x in operation.get("parameters", [])
                )
                if p["in"] == "path"
            }
            assert declared == set(re.findall(r"{(\w+)}", path)), f"{method} {path}"
            if method == "post" and path not in ("/auth/token",):
                assert {"$ref": "#/components/parameters/IdempotencyKey"} in operation.get(
                    "parameters", []
                ), f"POST {path} does not document Idempotency-Key"
            if operation.get("security") != []:
                assert "401" in operation["responses"], f"{method} {path}"
            for response in operation["responses"].values():
                if "$ref" not in response:
                    assert "application/json" in response["content"]


def test_the_right_password_gets_a_token_that_opens_the_api(anonymous, conforms):
    answer = anonymous.post("/auth/token", {"username": "unit", "password": "demo"})
    assert answer.status == 200
    conforms("/auth/token", "post", answer)
    token = answer.body["token"]
    assert isinstance(token, str) and token
    listed = anonymous.request("GET", "/processes", headers={"Authorization": f"Bearer {token}"})
    assert listed.status == 200


def test_a_wrong_password_or_unknown_user_is_refused_with_a_json_401(anonymous, conforms):
    for username, password in (("unit", "wrong"), ("nobody", "demo"), ("", "")):
        answer = anonymous.post("/auth/token", {"username": username, "password": password})
        assert answer.status == 401, username
        assert answer.error == "unauthorized"
        assert answer.body["message"]
        conforms("/auth/token", "post", answer)


def test_a_missing_or_invalid_bearer_token_is_refused_with_a_json_401(anonymous, api):
    assert anonymous.get("/tasks").status == 401
    assert anonymous.get("/tasks").error == "unauthorized"
    good = api("unit").token
    for header in (
        "Bearer not-a-token",
        f"Bearer {good[:-3]}xyz",
        f"Basic {good}",
        "Bearer ",
    ):
        answer = anonymous.request("GET", "/tasks", headers={"Authorization": header})
        assert answer.status == 401, header
        assert answer.error == "unauthorized" and answer.body["message"], header


def test_a_non_json_body_and_an_unknown_api_path_answer_json_errors(api):
    unit = api("unit")
    answer = unit.request(
        "POST", "/processes/simple_approval/instances", raw=b"{not json", content_type="text/plain"
    )
    assert answer.status == 400 and answer.error == "bad_request"
    missing = unit.get("/no/such/endpoint")
    assert missing.status == 404 and missing.error == "not_found"
    wrong_method = unit.request("DELETE", "/tasks")
    assert wrong_method.status == 405 and wrong_method.error == "method_not_allowed"


def test_an_unexpected_failure_still_answers_a_json_error(api, monkeypatch):
    from app.api import routes

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(routes.queries, "list_inbox", broken)
    answer = api("unit").get("/tasks")
    assert answer.status == 500
    assert answer.error == "internal_error" and "boom" not in answer.body["message"]


def test_an_overlong_idempotency_key_is_refused(api):
    answer = api("unit").post(
        "/processes/simple_approval/instances", {}, headers={"Idempotency-Key": "k" * 201}
    )
    assert answer.status == 400 and answer.error == "bad_request"
    assert api("unit").get("/instances").body == []
