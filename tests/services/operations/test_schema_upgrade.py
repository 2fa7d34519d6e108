"""Upgrading a database that already holds submissions: 0013 backfills what tracking reads."""

from __future__ import annotations

from alembic import command
from sqlalchemy import select, text

from app.extensions import db
from app.migrations import alembic_config, upgrade_schema
from app.models import ProcessInstance, Task
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS


def marks() -> dict[str, tuple[bool, set[int]]]:
    """Per submission title: its "returned" mark and the versions on its task rows."""
    db.session.remove()
    return {
        instance.title: (
            instance.returned,
            set(db.session.scalars(select(Task.version).where(Task.instance_id == instance.id))),
        )
        for instance in db.session.scalars(select(ProcessInstance))
    }


def test_the_returned_mark_and_step_versions_are_worked_out_from_the_stored_history(user):
    _, fill = start_instance(user("unit"), "simple_approval", title="退回过")
    (review,) = complete_task(user("unit"), fill[0].id, GOOD_TARGETS)[1]
    complete_task(user("dept"), review.id, {"decision": "return", "comment": "指标不完整"})
    _, fill = start_instance(user("unit2"), "simple_approval", title="顺利")
    (review,) = complete_task(user("unit2"), fill[0].id, GOOD_TARGETS)[1]
    complete_task(user("dept2"), review.id, {"decision": "approve", "comment": "同意"})
    start_instance(user("unit"), "simple_approval", title="未动")
    live = marks()
    assert live == {"退回过": (True, {1}), "顺利": (False, {1}), "未动": (False, {1})}

    db.session.remove()
    command.downgrade(alembic_config(), "0012")
    with db.engine.connect() as conn:
        columns = conn.execute(text("SELECT * FROM process_instance")).keys()
    assert "returned" not in columns
    upgrade_schema()

    assert marks() == live
