"""The app served over real HTTP on a free local port, and a small JSON client for it.

Tests talk to the API as an outside client does (sockets, headers, JSON bodies), so
what they assert is what an API user sees. The client uses only the standard library.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from factories import GOOD_TARGETS


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def error(self) -> str | None:
        return self.body.get("error") if isinstance(self.body, dict) else None


class ApiClient:
    """JSON over HTTP with an optional bearer token."""

    def __init__(self, base_url: str, token: str | None = None, username: str | None = None):
        self.base_url = base_url
        self.token = token
        self.username = username

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        content_type: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> Answer:
        url = self.base_url + path
        if params:
            url += "?" + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        sent = dict(headers or {})
        if self.token and "Authorization" not in sent:
            sent["Authorization"] = f"Bearer {self.token}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            content_type = "application/json"
        if content_type:
            sent["Content-Type"] = content_type
        req = urllib.request.Request(url, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                return _answer(response.status, response.read(), response.headers)
        except urllib.error.HTTPError as refused:
            return _answer(refused.code, refused.read(), refused.headers)

    def get(self, path: str, **params: Any) -> Answer:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Answer:
        return self.request("POST", path, body=body, headers=headers)

    def post_files(
        self,
        path: str,
        files: dict[str, bytes],
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """multipart/form-data, each file in its own part named "files"."""
        boundary = uuid.uuid4().hex
        parts: list[bytes] = []
        for name, value in (fields or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                + value.encode()
                + b"\r\n"
            )
        for filename, content in files.items():
            parts.append(
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                    f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                ).encode()
                + content
                + b"\r\n"
            )
        raw = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(
            "POST",
            path,
            raw=raw,
            headers=headers,
            content_type=f"multipart/form-data; boundary={boundary}",
        )


def _answer(status: int, content: bytes, headers) -> Answer:
    text = content.decode("utf-8", errors="replace")
    try:
        body: Any = json.loads(text) if text else None
    except ValueError:
        body = text
    return Answer(status, body, dict(headers.items()))


@pytest.fixture
def server(live_server):
    """The base URL of the app served over real HTTP (the root conftest's live server)."""
    return live_server


@pytest.fixture
def anonymous(server) -> ApiClient:
    return ApiClient(server + "/api/v1")


@pytest.fixture
def api(server):
    """api("unit") -> a client signed in as that account (password "demo" by default)."""
    clients: dict[tuple[str, str], ApiClient] = {}

    def signed_in(username: str, password: str = "demo") -> ApiClient:
        if (username, password) not in clients:
            answer = ApiClient(server + "/api/v1").post(
                "/auth/token", {"username": username, "password": password}
            )
            assert answer.status == 200, answer.body
            clients[username, password] = ApiClient(
                server + "/api/v1", answer.body["token"], username
            )
        return clients[username, password]

    return signed_in


@pytest.fixture
def targets() -> dict:
    """A valid submission of the fill_targets form."""
    return json.loads(json.dumps(GOOD_TARGETS))


@pytest.fixture
def start(api):
    """start(title) -> the new submission's id and its fill_targets task, started by unit."""

    def go(title: str = "校舍维修改造 申报", as_user: str = "unit", **extra) -> tuple[int, dict]:
        answer = api(as_user).post(
            "/processes/simple_approval/instances", {"title": title, **extra}
        )
        assert answer.status == 201, answer.body
        return answer.body["id"], answer.body["tasks"][0]

    return go


@pytest.fixture
def to_review(api, start, targets):
    """to_review(title) -> the submission's id and its dept_review task (unit filled it in)."""

    def go(title: str = "校舍维修改造 申报") -> tuple[int, dict]:
        instance_id, task = start(title)
        answer = api("unit").post(f"/tasks/{task['id']}/complete", {"data": targets})
        assert answer.status == 200, answer.body
        (review,) = answer.body["tasks"]
        assert review["activity_id"] == "dept_review"
        return instance_id, review

    return go


@pytest.fixture
def conforms():
    """conforms("/tasks/{task_id}", "get", answer): the answer matches the OpenAPI document.

    So the published document and the real answers cannot drift apart.
    """
    from jsonschema import Draft202012Validator

    from app.api.openapi import OPENAPI

    def check(path: str, method: str, answer: Answer) -> None:
        responses = OPENAPI["paths"][path][method]["responses"]
        assert str(answer.status) in responses, (
            f"{method.upper()} {path} answered {answer.status}, which the document omits"
        )
        response = responses[str(answer.status)]
        if "$ref" in response:
            response = OPENAPI["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
        schema = response["content"]["application/json"]["schema"]
        validator = Draft202012Validator({**schema, "components": OPENAPI["components"]})
        problems = [
            f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(answer.body)
        ]
        assert not problems, f"{method.upper()} {path} {answer.status}: {problems}"

    return check
