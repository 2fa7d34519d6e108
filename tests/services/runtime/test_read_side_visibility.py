"""The read side's shortcuts say the same as the visibility rules they stand for.

Tracking counts tasks through the task's own org columns instead of joining every
submission, and the inbox leaves out halted submissions instead of joining running
ones: for every demo account the answers must equal the plain rules'.
"""

from __future__ import annotations

import pytest

from app.services.runtime import queries
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS

ACCOUNTS = ["unit", "dept", "unit2", "dept2", "finance", "expert", "gov"]


@pytest.fixture
def spread(user):
    """Open tasks in two departments' subtrees and at two steps."""
    for username in ("unit", "unit2"):
        for n in range(2):
            start_instance(user(username), "simple_approval", title=f"{username} {n}")
        _, ready = start_instance(user(username), "simple_approval", title=f"{username} 审核")
        complete_task(user(username), ready[0].id, GOOD_TARGETS)


@pytest.mark.parametrize("username", ACCOUNTS)
def test_tracking_counts_exactly_the_open_tasks_of_submissions_one_may_see(spread, user, username):
    actor = user(username)
    visible = queries.list_instances(actor, limit=1000)
    expected = sum(len(tasks) for tasks in queries.open_tasks_of([i.id for i in visible]).values())
    assert sum(row.open for row in queries.tracking_summary(actor)) == expected


@pytest.mark.parametrize("username", ACCOUNTS)
def test_the_inbox_counts_what_its_page_lists(spread, user, username):
    inbox = queries.list_inbox(user(username))
    assert inbox.roles_count == len(inbox.tasks)
    mine = queries.list_inbox(user(username), mine=True)
    assert mine.mine_count == len(mine.tasks)
