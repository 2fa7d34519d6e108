"""Readying a web worker at boot, so that its first request costs what a warm one does.

Left to the first request, a fresh gunicorn worker configures SQLAlchemy's mappers
(about 45 ms), opens its database connection, and compiles the diagram and forms of
whatever that request touches (tens of ms each): the first person after a deployment or a
worker recycle (`max_requests`) waits for all of it. `deploy/gunicorn.conf.py` calls
`warm_worker` once in each worker before it takes requests.
"""

from __future__ import annotations

import codecs
import logging
from contextlib import suppress

from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import configure_mappers

from app.extensions import db
from app.forms import form_spec
from app.forms.validation import validator_for
from app.models import Task, User
from app.models.org import ACTING
from app.services.accounts.credentials import user_from_token
from app.services.foundation.clock import now
from app.services.foundation.errors import NotAuthenticated, ServiceError
from app.services.runtime.calendar import work_calendar
from app.services.runtime.definitions import compiled, lane_role, latest_definitions, pinned_form
from app.services.runtime.projection import insert_rows
from app.services.runtime.queries import list_inbox
from app.services.runtime.tasks import rehearse_completion, visible_task

log = logging.getLogger(__name__)


def warm_worker(app: Flask) -> int:
    """Configure the mappers, open a connection, and compile the latest version of every
    deployed process with its lanes' roles and its forms (spec and validator).

    Returns how many processes were compiled. Never raises: a worker that could not warm
    up still serves, and its first request pays what was left.
    """
    configure_mappers()
    codecs.lookup("utf-8-sig")  # how request bodies are read (forms/documents.py)
    count = 0
    with app.app_context():
        try:
            db.session.execute(text("SELECT 1"))
            calendar = work_calendar()
            for definition in latest_definitions():
                process = compiled(definition)
                for task in process.user_tasks.values():
                    lane_role(definition, task.lane)
                    schema = pinned_form(definition, task.form)
                    if schema is not None:
                        form_spec(schema, pinned_form(definition, task.ui_form) or {})
                        validator_for(schema)
                    if task.due_in is not None:  # as a step dates the task (reads the zone)
                        with suppress(ValueError):
                            calendar.due_after(now(), task.due_in, task.due_counting)
                count += 1
            _read_as_a_request_would()
        except Exception:
            log.exception("warming up the worker failed; its first request pays instead")
        finally:
            db.session.rollback()
            db.session.remove()
    with suppress(Exception):
        _route_as_a_request_would(app)
    return count


def _route_as_a_request_would(app: Flask) -> None:
    """Ready werkzeug's routing as a first request would: the first request context
    binds the URL map to a host (loading the idna codec, a module import), sorts the
    map's rules, and matching a rule compiles the regular expression of each of its
    parts (a `<int:task_id>` one for a completion). Each rule is matched once with
    a sample URL (its arguments 1); nothing is dispatched."""
    with app.test_request_context("/"):
        adapter = app.url_map.bind("localhost")
        for rule in app.url_map.iter_rules():
            with suppress(Exception):  # NotFound, MethodNotAllowed, a redirect: all fine
                built = rule.build(dict.fromkeys(rule.arguments, 1), append_unknown=False)
                if built is not None:
                    adapter.match(built[1], method=next(iter(rule.methods or {"GET"})))


def _read_as_a_request_would() -> None:
    """Run the statements of a token check, an inbox and a completion once, for one holder
    of each set of roles: each statement's first run compiles it and readies the loading
    of its rows, which costs a first request more than the database does. Only reads are
    kept: the completion is rehearsed on an open task and rolled back (tasks.py)."""
    with suppress(NotAuthenticated):
        user_from_token("")
    seen: set[frozenset] = set()
    opened = False
    people = select(User).where(User.active.is_(True)).options(*ACTING).limit(50)
    for user in db.session.scalars(people):
        roles = frozenset(user.role_codes)
        if roles in seen:
            continue
        seen.add(roles)
        inbox = list_inbox(user)
        with suppress(ServiceError):
            visible_task(user, 0)
        if inbox.tasks:
            task_id = inbox.tasks[0].id
            with suppress(ServiceError):
                rehearse_completion(user, task_id)
            if not opened:
                with suppress(ServiceError):
                    _rehearse_opening(visible_task(user, task_id), user)
                opened = True


def _rehearse_opening(task: Task, actor: User) -> None:
    """Store copies of `task` as a step stores the rows it opens (projection.py's
    `insert_rows`: one INSERT … RETURNING, whose one-row and several-row forms compile
    apart), then roll them back. A first completion paid that compilation (about 1 ms).
    The copies name `actor` as holder and completer, so that PostgreSQL also plans the
    checks of those two foreign keys, which a completion's UPDATE of its task runs and
    the rehearsal's (values unchanged) does not. PostgreSQL hands out the rolled-back
    ids to no one (a gap in the task ids, as the rehearsal's audit row leaves one)."""
    try:
        values = {c.key: getattr(task, c.key) for c in Task.__table__.columns}
        values.update(id=None, data=None, assignee_id=actor.id, completed_by_id=actor.id)
        for count in (1, 2):
            insert_rows([Task(**values) for _ in range(count)], left_null=("data",))
    finally:
        db.session.rollback()
