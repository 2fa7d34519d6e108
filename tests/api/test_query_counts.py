"""No N+1: what a person waits for costs the same number of SQL statements for 3 rows as
for 15, and stays under a ceiling (the numbers measured when this was written)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db
from factories import GOOD_TARGETS


@contextmanager
def counted(app):
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def http(api):
    """api("unit"): each request gets its own app context and session, as in production."""
    return api


def start(http, count: int) -> list[int]:
    ids = []
    for n in range(count):
        answer = http("unit").post("/processes/simple_approval/instances", {"title": f"申报 {n}"})
        ids.append(answer.body["tasks"][0]["id"])
    return ids


def cost(app, http, username: str, method: str, path: str, body=None) -> int:
    client = http(username)
    with counted(app) as statements:
        answer = client.get(path) if method == "get" else client.post(path, body)
    assert answer.status < 400, answer.body
    return len(statements)


@pytest.mark.parametrize(
    ("path", "ceiling"),
    [("/tasks", 3), ("/instances", 3), ("/tracking/summary", 2)],
)
def test_lists_cost_the_same_for_few_and_many_rows(app, http, path, ceiling):
    start(http, 3)
    few = cost(app, http, "finance" if "tracking" in path else "unit", "get", path)
    start(http, 12)
    many = cost(app, http, "finance" if "tracking" in path else "unit", "get", path)
    assert few == many
    assert many <= ceiling


def test_a_task_page_and_a_completion_have_a_fixed_cost(app, http):
    warm_up, first, second = start(http, 3)
    # The first completion of a version compiles the diagram once per process.
    http("unit").post(f"/tasks/{warm_up}/complete", {"data": GOOD_TARGETS})
    assert cost(app, http, "unit", "get", f"/tasks/{first}") <= 4
    completing = cost(app, http, "unit", "post", f"/tasks/{first}/complete", {"data": GOOD_TARGETS})
    # Caller with roles; the lock (the instance's version bumped); the task with its
    # instance, definition, the calendar and the instance's open rows; the task, the audit
    # row, the new row, the instance written. Forms and lane roles come from the
    # per-version cache, the answer from memory.
    assert completing <= 7
    again = cost(app, http, "unit", "post", f"/tasks/{second}/complete", {"data": GOOD_TARGETS})
    assert again == completing


def test_starting_a_submission_has_a_fixed_cost(app, http):
    start(http, 2)  # the first start of a version compiles the diagram once per process
    path = "/processes/simple_approval/instances"
    starting = cost(app, http, "unit", "post", path, {"title": "申报"})
    # Caller with roles, latest version, the instance, its audit row, the calendar, its
    # first task, its state; the answer is built from what was just written.
    assert starting <= 7
    assert cost(app, http, "unit", "post", path, {"title": "申报"}) == starting
