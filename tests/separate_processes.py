"""Running service calls in real, separate OS processes, each with its own app and engine.

Threads share one interpreter and one connection pool; deployments run many gunicorn
workers on many hosts, which share nothing but the database. These helpers fork one
process per call, build a fresh app (and so a fresh SQLAlchemy engine and connections)
in each, line them up on a barrier and report each outcome back.
"""

from __future__ import annotations

import multiprocessing
import traceback

from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import User
from app.models.org import ACTING
from app.services.foundation.errors import ServiceError
from app.services.runtime.tasks import complete_task
from conftest import make_config

CONTEXT = multiprocessing.get_context("fork")  # cheap children; each builds its own app


def complete_at_once(database_url: str, attempts: list[tuple[str, int, dict]]) -> list[dict]:
    """Each (username, task_id, data) completed by its own process, all released together.

    Returns one {"username", "task_id", "outcome", "status", "message"} per attempt, where
    outcome is "completed", "refused" (a ServiceError, with its HTTP status) or "crashed".
    """
    db.session.remove()
    db.engine.dispose()  # no pooled connection may be shared with the children
    barrier = CONTEXT.Barrier(len(attempts))
    results = CONTEXT.Queue()
    children = [
        CONTEXT.Process(target=_complete, args=(database_url, *attempt, barrier, results))
        for attempt in attempts
    ]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=300) for _ in children]
    for child in children:
        child.join(timeout=60)
    return outcomes


def _complete(database_url, username, task_id, data, barrier, results) -> None:
    outcome = {"username": username, "task_id": task_id, "status": 200, "message": ""}
    try:
        app = create_app(make_config(database_url))
        with app.app_context():
            actor = db.session.scalar(
                select(User).where(User.username == username).options(*ACTING)
            )
            db.session.connection()  # connected before the start, so all start together
            barrier.wait(timeout=240)
            try:
                complete_task(actor, task_id, data)
                outcome["outcome"] = "completed"
            except ServiceError as exc:
                outcome.update(outcome="refused", status=exc.status, message=exc.message)
            finally:
                db.session.remove()
                db.engine.dispose()
    except Exception:
        outcome.update(outcome="crashed", status=500, message=traceback.format_exc())
    results.put(outcome)
