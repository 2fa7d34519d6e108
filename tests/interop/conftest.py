"""Diagrams drawn in Camunda Modeler 7 and 8 and spiff-arena, deployed and run over real
HTTP as their authors would: the live server of the root conftest, the API's JSON client."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.conftest import ApiClient, OverHttp

FOREIGN = Path(__file__).parents[1] / "fixtures" / "foreign"


@pytest.fixture
def fixture_files():
    """fixture_files(*names) -> {name: bytes} of tests/fixtures/foreign/."""

    def read(*names: str) -> dict[str, bytes]:
        return {name: (FOREIGN / name).read_bytes() for name in names}

    return read


@pytest.fixture
def api(live_server):
    """api("unit") -> a client signed in as that demo account."""
    clients: dict[str, ApiClient] = {}

    def signed_in(username: str) -> ApiClient:
        if username not in clients:
            answer = ApiClient(OverHttp(live_server)).post(
                "/auth/token", {"username": username, "password": "demo"}
            )
            assert answer.status == 200, answer.body
            clients[username] = ApiClient(OverHttp(live_server), answer.body["token"], username)
        return clients[username]

    return signed_in


@pytest.fixture
def deploy(api):
    """deploy(files, default_role=None) -> the API's answer to POST /deployments."""

    def go(files: dict[str, bytes], default_role: str | None = None):
        fields = {"default_role": default_role} if default_role else None
        return api("admin").post_files("/deployments", files, fields)

    return go


@pytest.fixture
def run(api):
    """run(task, as_user, data) -> the tasks the completion made ready."""

    def go(task: dict, as_user: str, data: dict) -> list[dict]:
        answer = api(as_user).post(f"/tasks/{task['id']}/complete", {"data": data})
        assert answer.status == 200, answer.body
        return answer.body["tasks"]

    return go


@pytest.fixture
def client_as(app):
    """client_as("admin") -> a browser-like test client signed in as that account."""
    from conftest import RequestPerContextClient  # the root conftest's

    def signed_in(username: str):
        client = RequestPerContextClient(app, app.response_class, use_cookies=True)
        response = client.post("/login", data={"username": username, "password": "demo"})
        assert response.status_code == 302, response.text
        return client

    return signed_in
