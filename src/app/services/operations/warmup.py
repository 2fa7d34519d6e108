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
from app.models import User
from app.models.org import ACTING
from app.services.accounts.credentials import user_from_token
from app.services.foundation.errors import NotAuthenticated, ServiceError
from app.services.runtime.definitions import compiled, lane_role, latest_definitions, pinned_form
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
            for definition in latest_definitions():
                process = compiled(definition)
                for task in process.user_tasks.values():
                    lane_role(definition, task.lane)
                    schema = pinned_form(definition, task.form)
                    if schema is not None:
                        form_spec(schema, pinned_form(definition, task.ui_form) or {})
                        validator_for(schema)
                count += 1
            _read_as_a_request_would()
        except Exception:
            log.exception("warming up the worker failed; its first request pays instead")
        finally:
            db.session.rollback()
            db.session.remove()
    return count


def _read_as_a_request_would() -> None:
    """Run the statements of a token check, an inbox and a completion once, for one holder
    of each set of roles: each statement's first run compiles it and readies the loading
    of its rows, which costs a first request more than the database does. Only reads are
    kept: the completion is rehearsed on an open task and rolled back (tasks.py)."""
    with suppress(NotAuthenticated):
        user_from_token("")
    seen: set[frozenset] = set()
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
            with suppress(ServiceError):
                rehearse_completion(user, inbox.tasks[0].id)
