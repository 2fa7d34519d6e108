"""Upgrading to 0021 and back: an item the department closed itself stays closed, open
ones stay open, and each gets the deadline finance gave it where its submission says."""

from __future__ import annotations

from datetime import date, datetime

from alembic import command
from sqlalchemy import inspect, select, text

from app.extensions import db
from app.migrations import alembic_config, upgrade_schema
from app.models import RectificationItem
from app.services.runtime.instances import start_instance
from factories import approved_project


def test_items_closed_before_stay_closed_and_get_their_deadline(user):
    project = approved_project("JY-2026-009", 2026, [])
    instance, _ = start_instance(user("unit"), "simple_approval", title="校舍维修改造")
    instance.data = {
        "rectification": [
            {"description": "完善项目资金台账", "deadline": "2027-06-30"},
            {"description": "规范随访记录", "deadline": "not a date"},
        ]
    }
    db.session.commit()
    ids = {"project": project.id, "instance": instance.id}
    db.session.remove()  # an open read would hold the lock ALTER TABLE waits for

    command.downgrade(alembic_config(), "0020")
    db.session.remove()
    assert "rectification_verification" not in inspect(db.engine).get_table_names()
    with db.engine.begin() as conn:
        for description, status in (
            ("完善项目资金台账", "done"),
            ("规范随访记录", "open"),
            ("加快支出进度", "open"),
        ):
            conn.execute(
                text(
                    "INSERT INTO rectification_item "
                    "(project_id, instance_id, description, status, created_at, closed_at) "
                    "VALUES (:project, :instance, :description, :status, :at, :closed)"
                ),
                {
                    **ids,
                    "description": description,
                    "status": status,
                    "at": datetime(2027, 1, 5),
                    "closed": datetime(2027, 3, 1) if status == "done" else None,
                },
            )

    upgrade_schema()
    db.session.remove()
    items = {
        item.description: (item.status, item.due_date, item.failures, item.source)
        for item in db.session.scalars(select(RectificationItem))
    }
    assert items == {
        "完善项目资金台账": ("closed", date(2027, 6, 30), 0, "evaluation"),
        "规范随访记录": ("open", None, 0, "evaluation"),  # its deadline is no date
        "加快支出进度": ("open", None, 0, "evaluation"),  # not in the submission
    }
    closed = db.session.scalar(
        select(RectificationItem).where(RectificationItem.status == "closed")
    )
    assert closed.verified_by_id is None and closed.closed_at == datetime(2027, 3, 1)
    db.session.remove()

    command.downgrade(alembic_config(), "0020")
    db.session.remove()
    with db.engine.connect() as conn:
        statuses = conn.execute(
            text("SELECT description, status FROM rectification_item ORDER BY id")
        ).all()
    assert [tuple(row) for row in statuses] == [
        ("完善项目资金台账", "done"),
        ("规范随访记录", "open"),
        ("加快支出进度", "open"),
    ]
    upgrade_schema()
