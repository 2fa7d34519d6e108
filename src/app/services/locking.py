"""Serialising work on one process instance across threads, processes and hosts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, undefer

from app.extensions import db
from app.models import ProcessInstance, Task
from app.services.errors import NotFound


def lock_instance(instance_id: int) -> ProcessInstance:
    """Take the instance's row lock for the rest of the transaction, then read it fresh."""
    instance = _locked(instance_id)
    if instance is None:
        raise NotFound(_l("Submission %(instance_id)s does not exist.", instance_id=instance_id))
    return instance


def lock_instance_of_task(task_id: int) -> ProcessInstance | None:
    """`lock_instance` for the submission a task belongs to, found in the same statement.

    None when there is no such task (the caller says "not found" as for an invisible one).
    """
    return _locked(select(Task.instance_id).where(Task.id == task_id).scalar_subquery())


def _locked(instance_id) -> ProcessInstance | None:
    """The instance whose id is `instance_id` (a value or a scalar subquery), locked.

    PostgreSQL: `SELECT ... FOR UPDATE`. SQLite has no row locks: bumping the row's
    version takes the database's write lock (waiting for the current writer), and as the
    transaction's first write it also guarantees the read that follows is fresh.
    """
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    table = ProcessInstance.__table__
    stmt = (
        select(ProcessInstance)
        .where(ProcessInstance.id == instance_id)
        # Only what the caller uses: the engine's state (it runs next) and its deployed
        # version in the same round trip (an inner join, which FOR UPDATE accepts, where
        # it refuses outer ones; never changed once deployed, so reading it beside the
        # lock is safe).
        .options(
            undefer(ProcessInstance.engine_state),
            joinedload(ProcessInstance.definition, innerjoin=True),
        )
    )
    if sqlite:
        # A plain statement: the ORM's bulk UPDATE would cost more than the write.
        db.session.connection().execute(
            update(table)
            .where(table.c.id == instance_id)
            .values(lock_version=table.c.lock_version + 1)
        )
    else:
        stmt = stmt.with_for_update(of=ProcessInstance)
    instance = db.session.scalars(stmt.execution_options(populate_existing=True)).first()
    if instance is not None and not sqlite:
        instance.lock_version += 1
    return instance
