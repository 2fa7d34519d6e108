"""The one place that commits.

Every public service function is wrapped in `@transactional`: it runs, then commits; on
any exception it rolls back, so a refused request changes nothing. A database that went
away (OperationalError: dropped connection, restart) is reported as DatabaseUnavailable
(503), since the rollback left nothing half-written and a retry may succeed. Services calling
services join the outer transaction instead of committing half-way.

Two hooks run outside the transaction: `after_commit` (e-mail, once the change is
durable) and `after_rollback` (recording that something failed — an incident — in a
transaction of its own, since the failed one leaves no trace by design).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.services.foundation.errors import DatabaseUnavailable

P = ParamSpec("P")
R = TypeVar("R")

_depth: ContextVar[int] = ContextVar("transaction_depth", default=0)
_after_commit: ContextVar[list | None] = ContextVar("after_commit", default=None)
_after_rollback: ContextVar[list | None] = ContextVar("after_rollback", default=None)
log = logging.getLogger(__name__)


def transactional(fn: Callable[P, R] | None = None, *, keep_loaded: bool = False):
    """Run `fn` as one transaction: commit when it returns, roll back when it raises.

    `keep_loaded=True` leaves the objects it returns loaded after the commit instead of
    expired, for answers built from exactly what was just written (a completion's
    instance and next tasks): reading them back would cost a round trip each and could
    only return the same values, since the caller's transaction wrote them.
    """
    if fn is None:
        return functools.partial(transactional, keep_loaded=keep_loaded)

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        depth = _depth.get()
        token = _depth.set(depth + 1)
        if depth == 0:
            callbacks: list = []
            on_rollback: list = []
            after_token = _after_commit.set(callbacks)
            rollback_token = _after_rollback.set(on_rollback)
        failed = False
        try:
            result = fn(*args, **kwargs)
            if depth == 0:
                _commit(keep_loaded)
        except OperationalError as exc:
            if depth == 0:
                db.session.rollback()  # on a lost connection: discards it, keeps nothing
                raise DatabaseUnavailable() from exc
            raise
        except BaseException:
            failed = True
            if depth == 0:
                db.session.rollback()
            raise
        finally:
            _depth.reset(token)
            if depth == 0:
                _after_commit.reset(after_token)
                _after_rollback.reset(rollback_token)
                if failed:
                    _run_quietly(on_rollback)
        if depth == 0:
            for callback in callbacks:
                callback()
        return result

    return wrapper


def _run_quietly(callbacks: list) -> None:
    """Rollback hooks must not hide the error that caused the rollback."""
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("an after-rollback hook failed")
            db.session.rollback()


def _commit(keep_loaded: bool) -> None:
    session = db.session()
    expiring = session.expire_on_commit
    session.expire_on_commit = expiring and not keep_loaded
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the current transaction has committed (e-mail, notifications)."""
    callbacks = _after_commit.get()
    if callbacks is None:
        callback()
    else:
        callbacks.append(callback)


def after_rollback(callback: Callable[[], None]) -> None:
    """Run `callback` (typically a @transactional service) if the current transaction
    rolls back. Outside a transaction it is not called: there is nothing to roll back."""
    callbacks = _after_rollback.get()
    if callbacks is not None:
        callbacks.append(callback)
