"""Relationships load by `raise`: a query that needs one asks for it (joinedload,
selectinload, contains_eager), so no page or completion pays for a join it does not use,
and none loads rows one by one without anyone noticing."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError

from app.extensions import db
from app.models import Task

RAISING = {"raise", "raise_on_sql"}


def _relationships() -> dict[str, str]:
    return {
        f"{mapper.class_.__name__}.{relationship.key}": relationship.lazy
        for mapper in db.Model.registry.mappers
        for relationship in mapper.relationships
    }


def test_every_relationship_loads_by_raise():
    loading = {name: how for name, how in _relationships().items() if how not in RAISING}
    assert loading == {}


def test_a_relationship_no_query_asked_for_raises_instead_of_loading(app, user):
    from app.services.runtime.instances import start_instance

    _, ready = start_instance(user("unit"), "simple_approval", title="校舍维修改造")
    task_id = ready[0].id
    db.session.expunge_all()
    task = db.session.scalar(select(Task).where(Task.id == task_id))
    with pytest.raises(InvalidRequestError, match="raise_on_sql"):
        _ = task.instance
