"""项目绩效目标申报审核 (project_target_review): the smallest real approval, driven as the
demo roles — unit fills, department reviews, finance reviews; either review may send it
back, finance's to the department that passed it."""

from __future__ import annotations

import pytest

from app.services.runtime.instances import start_instance
from app.services.runtime.queries import list_inbox
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS

KEY = "project_target_review"


@pytest.fixture
def review(deployed):
    deployed(KEY)


def the_task(actor, activity: str):
    (task,) = [t for t in list_inbox(actor, process=KEY).tasks if t.activity_id == activity]
    return task


def test_finance_sends_the_targets_back_to_the_department_not_to_the_end(review, user):
    unit, dept, finance = user("unit"), user("dept"), user("finance")
    instance, ready = start_instance(unit, KEY, title="校舍维修改造 目标申报")
    complete_task(unit, ready[0].id, GOOD_TARGETS)
    complete_task(dept, the_task(dept, "dept_review").id, {"decision": "approve"})

    _, ready = complete_task(
        finance,
        the_task(finance, "finance_review").id,
        {"decision": "return", "comment": "满意度指标须细化"},
    )
    assert [(t.activity_id, t.role_code) for t in ready] == [("dept_review", "budget_department")]
    assert instance.status == "running"

    complete_task(dept, the_task(dept, "dept_review").id, {"decision": "approve"})
    instance, ready = complete_task(
        finance, the_task(finance, "finance_review").id, {"decision": "approve"}
    )
    assert ready == [] and instance.status == "completed"
