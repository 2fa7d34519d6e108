"""Property tests of the JSON API's doors, beyond what its OpenAPI document promises:
values the document does not allow (schemathesis generates only those it does).

- Any text in any query parameter of any GET operation is answered without a 5xx, with a
  status the document lists for that operation.
- Any JSON-ish body posted to start a submission or complete a task, including NaN,
  Infinity, numbers past a double, deep nesting, NUL and lone surrogates, is answered
  without a 5xx; when refused, nothing was started or completed.

Derandomized and bounded, like tests/fuzz/test_api_schemathesis.py.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.api.openapi import OPENAPI
from app.extensions import db
from app.models import ProcessInstance, Task
from app.services.runtime.instances import start_instance

EXAMPLES = 60
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# Text a query string can carry: anything, and the shapes that break integer and date
# parsers (digits other than ASCII, numbers past every integer type, dates off the calendar).
QUERY_VALUES = st.one_of(
    st.text(max_size=40),
    st.integers().map(str),
    st.integers(min_value=2**31 - 2, max_value=2**70).map(str),
    st.sampled_from(["1e400", "NaN", "-Infinity", "²", "١٢", "1_0", " 7 ", "0x10", "+1", "-0"]),
    st.dates().map(str),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
    st.sampled_from(["on", "off", "TRUE", "yes", "maybe", "waiting", "-due", "all"]),
)


def _get_operations() -> list[tuple[str, list[str], set[int]]]:
    """(path, query parameter names, documented statuses) of each GET without path ids."""
    found = []
    for path, operations in OPENAPI["paths"].items():
        get = operations.get("get")
        if not get or "{" in path:
            continue
        names = [p["name"] for p in get.get("parameters", []) if p.get("in") == "query"]
        if names:
            found.append((path, names, {int(code) for code in get["responses"]}))
    return found


def _bearer(client, username: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}


def test_any_query_parameter_value_is_answered_as_documented_without_a_server_error(app):
    client = app.test_client()
    headers = _bearer(client, "finance")
    operations = _get_operations()
    assert {path for path, _, _ in operations} >= {"/tasks", "/instances", "/tracking/steps"}

    @given(choice=st.sampled_from(operations), data=st.data())
    @SETTINGS
    def answered(choice, data):
        path, names, documented = choice
        query = {
            name: data.draw(QUERY_VALUES)
            for name in data.draw(st.sets(st.sampled_from(names), min_size=1))
        }
        answer = client.get("/api/v1" + path, query_string=query, headers=headers)
        assert answer.status_code < 500, (path, query, answer.get_json())
        assert answer.status_code in documented, (path, query, answer.status_code)
        assert answer.is_json

    answered()


# JSON documents with what JSON does not have: NaN, Infinity, numbers past a double, text
# no database stores; nested to any depth by the raw texts below.
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["\x00", "\ud800", "a\r\nb", "1e400"]),
)
DOCUMENTS = st.recursive(
    LEAVES,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
RAW_BODIES = st.one_of(
    DOCUMENTS.map(lambda d: json.dumps({"data": d, "title": "模糊"}, allow_nan=True)),
    DOCUMENTS.map(lambda d: json.dumps(d, allow_nan=True)),
    st.integers(min_value=60, max_value=3000).map(
        lambda n: '{"data": {"a": ' + "[" * n + "]" * n + "}}"
    ),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
)


def test_any_body_to_start_or_complete_gets_no_server_error_and_a_refusal_changes_nothing(
    app, user
):
    client = app.test_client()
    headers = _bearer(client, "unit")
    _, ready = start_instance(user("unit"), "simple_approval", title="模糊测试")
    task_id = ready[0].id
    db.session.remove()

    def count(model) -> int:
        db.session.rollback()
        return db.session.scalar(select(func.count()).select_from(model))

    @given(body=RAW_BODIES, to_task=st.booleans())
    @SETTINGS
    def answered(body, to_task):
        instances, tasks = count(ProcessInstance), count(Task)
        path = (
            f"/api/v1/tasks/{task_id}/complete"
            if to_task
            else "/api/v1/processes/simple_approval/instances"
        )
        raw = body.encode("utf-8", "surrogatepass")
        answer = client.post(path, data=raw, content_type="application/json", headers=headers)
        assert answer.status_code < 500, (body[:200], answer.get_json())
        if answer.status_code >= 400:
            assert (count(ProcessInstance), count(Task)) == (instances, tasks), body[:200]
            db.session.rollback()
            assert db.session.get(Task, task_id).status == "ready"

    answered()
