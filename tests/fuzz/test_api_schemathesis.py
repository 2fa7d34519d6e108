"""Property-based fuzzing of the JSON API against its own OpenAPI document.

Schemathesis generates requests from /api/v1/openapi.json (valid and invalid bodies,
query parameters, ids) and checks every answer: never a 500, and status code, content
type and body as the document promises. Path ids are drawn half from real objects (so
claims, completions and reads reach the code behind the 404) and half from the
generator; each operation is called as the account it is meant for (deployments as the
process administrator, tasks as the unit that fills them). The run is bounded — a fixed
number of examples per operation, derandomized so CI sees the same inputs each time —
and takes well under a minute.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.services.runtime.instances import start_instance

EXAMPLES_PER_OPERATION = 40
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


def _bearer(app, username: str) -> dict[str, str]:
    answer = app.test_client().post(
        "/api/v1/auth/token", json={"username": username, "password": "demo"}
    )
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}


def _account(operation) -> str:
    if operation.path.startswith("/auth/token") and operation.method.upper() == "DELETE":
        return "gov"  # revoking tokens: an account whose token nothing else needs
    if operation.path.startswith("/deployments"):
        return "admin"
    if operation.path.startswith(("/tasks", "/processes")):
        return "unit"
    return "finance"


def test_the_api_keeps_the_promises_of_its_openapi_document(app, user):
    instances, tasks = [], []
    for n in range(3):
        instance, ready = start_instance(user("unit"), "simple_approval", title=f"模糊测试{n}")
        instances.append(instance.id)
        tasks.append(ready[0].id)
    real = {"task_id": tasks, "instance_id": instances, "key": ["simple_approval"]}
    tokens = {name: _bearer(app, name) for name in ("admin", "unit", "finance", "gov")}
    api_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 12  # every operation of the contract is fuzzed
    answered: dict[str, set[int]] = {}

    for operation in operations:
        _fuzz(operation, tokens[_account(operation)], real, answered)

    # The generator reached past the doors: real objects were read and worked on.
    assert 200 in answered["GET /tasks/{task_id}"], answered
    assert 200 in answered["GET /instances/{instance_id}"], answered
    assert answered["POST /tasks/{task_id}/complete"] & {200, 409, 422}, answered


def _fuzz(operation, headers: dict, real: dict, answered: dict) -> None:
    """Run one operation's examples; bound in a function so each keeps its own values."""

    @given(case=operation.as_strategy(), data=st.data())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case, data):
        for name, value in (case.path_parameters or {}).items():
            if name in real and data.draw(st.booleans()):
                case.path_parameters[name] = data.draw(st.sampled_from(real[name]))
            elif name in real and value is None:
                case.path_parameters[name] = real[name][0]
        response = case.call(headers=headers)
        answered.setdefault(operation.label, set()).add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    answers_as_documented()
