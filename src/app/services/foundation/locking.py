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


def take_lock_of_task(task_id: int) -> bool:
    """Take the lock of the submission a task belongs to, reading nothing: for a caller
    that reads the instance with more in its own statement. False when there is no such
    task."""
    return _take_lock(task_id=task_id)


def _take_lock(**key: int) -> bool:
    """Bump the version of the instance named by `key` (its `instance_id`, or the
    `task_id` of one of its tasks): the write takes the row's lock on both databases (on
    PostgreSQL the row lock, waiting for its holder; on SQLite, which has no row locks,
    the database's write lock), and as the transaction's first write it guarantees that
    every read after it is fresh (PostgreSQL reads each statement from a new snapshot)."""
    bumped = db.session.connection().execute(_version_bump("task_id" in key), key)
    return bumped.rowcount == 1


def _locked(**key: int) -> ProcessInstance | None:
    """The instance named by `key`, locked (`_take_lock`) and then read."""
    if not _take_lock(**key):
        return None
    return db.session.scalars(_read_locked("task_id" in key), key).first()


def _instance_id(by_task: bool) -> ColumnElement:
    if by_task:
        return select(Task.instance_id).where(Task.id == bindparam("task_id")).scalar_subquery()
    return bindparam("instance_id")


# Both statements are built once (per kind of lookup): a statement built anew each call
# costs its construction and its cache key every time, more than SQLite takes to run it.
@functools.cache
def _version_bump(by_task: bool) -> Update:
    table = ProcessInstance.__table__
    return (
        update(table)
        .where(table.c.id == _instance_id(by_task))
        .values(lock_version=table.c.lock_version + 1)
    )


@functools.cache
def _read_locked(by_task: bool) -> Select:
    return (
        select(ProcessInstance)
        .where(ProcessInstance.id == _instance_id(by_task))
        # Only what the caller uses: the engine's state (it runs next) and its deployed
        # version in the same round trip (never changed once deployed).
        .options(
            undefer(ProcessInstance.engine_state),
            joinedload(ProcessInstance.definition, innerjoin=True),
        )
        # The bump wrote the version (a Core UPDATE the session does not see): any copy
        # of the row in the session is replaced by what is stored now.
        .execution_options(populate_existing=True)
    )
