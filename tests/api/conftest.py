"""A small JSON client for the API, and the fixtures that sign it in.

Tests talk to the API as an outside client does (paths, headers, JSON bodies, status
codes), so what they assert is what an API user sees. The client sends through Flask's
test client, each request in its own app context and database session as in production
(`RequestPerContextClient`); that skips only the sockets. The few tests that prove what
only a real server shows (simultaneous requests on threads of their own, say) are marked
`live_http`, and the same client then speaks HTTP, with the standard library, to the app
served on a loopback port (the root conftest's `live_server`).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

import pytest

from conftest import RequestPerContextClient
from factories import GOOD_TARGETS

API = "/api/v1"


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""  # the body as sent, for the documents that are not JSON

    @property
    def error(self) -> str | None:
        return self.body.get("error") if isinstance(self.body, dict) else None


class Transport(Protocol):
    def __call__(
        self, method: str, path: str, headers: dict[str, str], data: bytes | None
    ) -> Answer:
        """Send one request for `path` (under /api/v1, query string included)."""


class OverTestClient:
    """Through the app's WSGI interface in this thread: no socket, no server thread."""

    def __init__(self, app):
        self.client = RequestPerContextClient(app, app.response_class, use_cookies=False)

    def __call__(self, method, path, headers, data):
        response = self.client.open(API + path, method=method, headers=headers, data=data)
        return _answer(response.status_code, response.get_data(), response.headers)


class OverHttp:
    """Over a socket to a real server, as an outside client."""

    def __init__(self, base_url: str):
        self.base_url = base_url + API

    def __call__(self, method, path, headers, data):
        req = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                return _answer(response.status, response.read(), response.headers)
        except urllib.error.HTTPError as refused:
            return _answer(refused.code, refused.read(), refused.headers)


class ApiClient:
    """JSON to the API with an optional bearer token."""

    def __init__(self, transport: Transport, token: str | None = None, username: str | None = None):
        self.transport = transport
        self.token = token
        self.username = username

    def signing_with(self, token: str) -> ApiClient:
        """A client over the same transport, signing its requests with `token`."""
        return ApiClient(self.transport, token)

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
        if params:
            path += "?" + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        sent = dict(headers or {})
        if self.token and "Authorization" not in sent:
            sent["Authorization"] = f"Bearer {self.token}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            content_type = "application/json"
        if content_type:
            sent["Content-Type"] = content_type
        return self.transport(method, path, sent, data)

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
    return Answer(status, body, dict(headers.items()), content)


@pytest.fixture
def transport(request, app) -> Transport:
    """The test client, or real HTTP to the live server for a test marked `live_http`."""
    if request.node.get_closest_marker("live_http"):
        return OverHttp(request.getfixturevalue("live_server"))
    return OverTestClient(app)


@pytest.fixture
def anonymous(transport) -> ApiClient:
    return ApiClient(transport)


@pytest.fixture
def api(transport):
    """api("unit") -> a client signed in as that account (password "demo" by default)."""
    clients: dict[tuple[str, str], ApiClient] = {}

    def signed_in(username: str, password: str = "demo") -> ApiClient:
        if (username, password) not in clients:
            answer = ApiClient(transport).post(
                "/auth/token", {"username": username, "password": password}
            )
            assert answer.status == 200, answer.body
            clients[username, password] = ApiClient(transport, answer.body["token"], username)
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
