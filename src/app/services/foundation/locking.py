"""Serialising work on one process instance across threads, processes and hosts."""

from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, Update, bindparam, select, update
from sqlalchemy.orm import joinedload, undefer

from app.extensions import db
from app.models import ProcessInstance, Task
from app.services.foundation.errors import NotFound


def lock_instance(instance_id: int) -> ProcessInstance:
    """Take the instance's row lock for the rest of the transaction, then read it fresh."""
    instance = _locked(instance_id=instance_id)
    if instance is None:
        raise NotFound(_l("Submission %(instance_id)s does not exist.", instance_id=instance_id))
    return instance


def lock_instance_of_task(task_id: int) -> ProcessInstance | None:
    """`lock_instance` for the submission a task belongs to, found in the same statement.

    None when there is no such task (the caller says "not found" as for an invisible one).
    """
    return _locked(task_id=task_id)


def _locked(**key: int) -> ProcessInstance | None:
    """The instance named by `key` (its `instance_id`, or the `task_id` of one of its
    tasks), locked.

    PostgreSQL: `SELECT ... FOR UPDATE`. SQLite has no row locks: bumping the row's
    version takes the database's write lock (waiting for the current writer), and as the
    transaction's first write it also guarantees the read that follows is fresh.
    """
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    by_task = "task_id" in key
    if sqlite:
        db.session.connection().execute(_version_bump(by_task), key)
    instance = db.session.scalars(_locking_read(by_task, sqlite), key).first()
    if instance is not None and not sqlite:
        instance.lock_version += 1
    return instance


def _instance_id(by_task: bool) -> ColumnElement:
    if by_task:
        return select(Task.instance_id).where(Task.id == bindparam("task_id")).scalar_subquery()
    return bindparam("instance_id")


# Both statements are built once (per kind of lookup and database): a statement built
# anew each call costs its construction and its cache key every time, more than SQLite
# takes to run it.
@functools.cache
def _version_bump(by_task: bool) -> Update:
    table = ProcessInstance.__table__
    return (
        update(table)
        .where(table.c.id == _instance_id(by_task))
        .values(lock_version=table.c.lock_version + 1)
    )


@functools.cache
def _locking_read(by_task: bool, sqlite: bool) -> Select:
    stmt = (
        select(ProcessInstance)
        .where(ProcessInstance.id == _instance_id(by_task))
        # Only what the caller uses: the engine's state (it runs next) and its deployed
        # version in the same round trip (an inner join, which FOR UPDATE accepts, where
        # it refuses outer ones; never changed once deployed, so reading it beside the
        # lock is safe).
        .options(
            undefer(ProcessInstance.engine_state),
            joinedload(ProcessInstance.definition, innerjoin=True),
        )
        .execution_options(populate_existing=True)
    )
    return stmt if sqlite else stmt.with_for_update(of=ProcessInstance)
