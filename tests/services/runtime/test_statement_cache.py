"""A worker compiles a read's statements once, not once for the first person and again
for the next: the second person with the same roles reuses every compiled statement.

Two statements of one read that share a nested select (the inbox's count and its page
were built on the same arms, as were the dashboard's two step counts and the submission
list's count and page) get different cache keys for the later one depending on
whether the earlier was compiled just before, since compiling marks the shared select:
the second person then paid for compiling the page again."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from app.extensions import db
from app.services.runtime.queries import list_inbox, list_instances, tracking_summary
from app.services.tracking.dashboard import tracking_dashboard
from app.services.tracking.submissions import SubmissionFilter, search_submissions


def submission_search(actor):
    return search_submissions(actor, SubmissionFilter())


READS = [
    ("unit", "unit2", list_inbox),
    ("dept", "dept2", list_inbox),
    ("unit", "unit2", list_instances),
    ("dept", "dept2", list_instances),
    ("dept", "dept2", tracking_summary),
    ("dept", "dept2", tracking_dashboard),
    ("dept", "dept2", submission_search),
]


def cache_use(read, actor) -> list[str]:
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(context.cache_hit.name)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        read(actor)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return seen


@pytest.mark.parametrize(
    "first, second, read", READS, ids=[f"{r.__name__}-{a}" for a, _, r in READS]
)
def test_the_second_person_with_the_same_roles_compiles_nothing(app, user, first, second, read):
    assert "CACHE_MISS" in cache_use(read, user(first))
    used = cache_use(read, user(second))
    assert used and set(used) == {"CACHE_HIT"}, used
