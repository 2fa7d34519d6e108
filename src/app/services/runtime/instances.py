"""Starting a submission."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert
from sqlalchemy.orm.attributes import set_committed_value

from app import engine
from app.engine.start_forms import start_forms
from app.extensions import db
from app.forms import form_spec
from app.forms.ownership import owned_data
from app.forms.refs import pointer
from app.forms.validation import text_problem, unstorable_text
from app.models import AuditEvent, Org, ProcessDefinition, ProcessInstance, Task, User
from app.models.instance import STATUS_RUNNING
from app.performance.context import running
from app.services.foundation.clock import now
from app.services.foundation.errors import BadRequest, Forbidden, NotFound, ValidationFailed
from app.services.foundation.policy import can_start, may_start_on_behalf
from app.services.foundation.transaction import transactional
from app.services.runtime.definitions import (
    compiled,
    latest_definition,
    latest_definitions,
    pinned_form,
)
from app.services.runtime.projection import apply_step, insert_rows
from app.services.runtime.tasks import refused_input


def startable_processes(actor: User) -> list[ProcessDefinition]:
    """The processes `actor` may start: by the start lane's role, or on behalf (finance)."""
    on_behalf = may_start_on_behalf(actor)
    return [d for d in latest_definitions() if can_start(actor, d, on_behalf)]


@transactional(keep_loaded=True)
def start_instance(
    actor: User,
    process_key: str,
    title: str | None = None,
    org_id: int | None = None,
    data: dict | None = None,
    prefill: dict | None = None,
) -> tuple[ProcessInstance, list[Task]]:
    """Start the latest version of a process on behalf of `actor`'s org.

    Holders of the start lane's role may start it for their own org; the finance bureau
    may start any process on behalf of an org it names. `data` is what the caller fills
    in: only the start form's writable fields (see `start_forms`). `prefill` is what the
    product itself knows of the submission (a round's project from the registry), set
    by the service that builds it, never by a request.

    Raises NotFound, Forbidden, ValidationFailed (start data outside the start form),
    BadRequest (engine refused to start).

    The instance and tasks returned stay loaded after the commit: the answer is built
    from what was just written, without reading it back.
    """
    definition = latest_definition(process_key)
    on_behalf = org_id is not None and org_id != actor.org_id
    if on_behalf and not may_start_on_behalf(actor):
        raise Forbidden(
            _l("Only the finance bureau may start a submission for another organisation.")
        )
    if not can_start(actor, definition, on_behalf):
        raise Forbidden(_l("Your roles may not start “%(name)s”.", name=definition.name))
    org = actor.org
    if on_behalf:
        org = db.session.get(Org, org_id)
        if org is None:
            raise NotFound(_l("There is no organisation %(org_id)s.", org_id=org_id))
    if data is not None and not isinstance(data, dict):
        raise BadRequest(_l("data must be a JSON object."))
    _check_title(title)
    unstorable = list(unstorable_text({"title": title or "", "data": data or {}}))
    if unstorable:
        raise BadRequest(
            _l("The data holds characters that cannot be stored."),
            details=[{"path": e.path, "message": e.message} for e in unstorable],
        )
    start_data = {**(prefill or {}), **_own_start_data(definition, data or {})}
    at = now()
    instance = ProcessInstance(
        id=None,
        definition_id=definition.id,
        process_key=definition.key,
        version=definition.version,
        title=(title or "").strip() or f"{definition.name} · {org.name}",
        org_id=org.id,
        org_path=org.path,
        started_by_id=actor.id,
        status=STATUS_RUNNING,
        started_at=at,
        ended_at=None,
        data=start_data,
        project_id=None,
        campaign_id=None,
        round_item=None,
        returned=False,
        engine_state="",  # written with the first step's rows, below
        lock_version=0,
    )
    # Stored now, whole (its id is what the step's rows and the operators name).
    insert_rows([instance])
    set_committed_value(instance, "definition", definition)
    set_committed_value(instance, "org", org)
    try:
        with running(instance, actor) as run:
            step = engine.start_workflow(compiled(definition), dict(instance.data))
    except engine.EngineError as exc:
        if run.refusals:
            raise refused_input(run) from exc
        raise BadRequest(_l("The process could not start: %(reason)s", reason=str(exc))) from exc
    started = {"instance_id": instance.id, "at": at, "actor_id": actor.id, "action": "started"}
    db.session.connection().execute(insert(AuditEvent.__table__), started)
    ready = apply_step(instance, step, actor, new_instance=True)
    db.session.flush()
    return instance, ready


TITLE_LENGTH = ProcessInstance.title.type.length


def _check_title(title: object) -> None:
    """A title is one line of text a person could have typed, as long as the column holds;
    it ends up in lists, e-mail subjects and file names. Raises BadRequest naming it."""
    if title is None:
        return
    if not isinstance(title, str):
        message = _l("The title must be text.")
    elif len(title) > TITLE_LENGTH:
        message = _l("The title has at most %(length)s characters.", length=TITLE_LENGTH)
    else:
        problem = text_problem(title)
        message = _l("The title %(problem)s", problem=problem) if problem else None
    if message:
        raise BadRequest(message, details=[{"path": "/title", "message": message}])


def _own_start_data(definition: ProcessDefinition, data: dict) -> dict:
    """`data` if every field is one the start form lets its filler write; else refused
    with each field named (a clerk cannot plant an expert's score or an approved
    amount by starting with it)."""
    if not data:
        return {}
    specs = [
        form_spec(pinned_form(definition, schema) or {}, pinned_form(definition, ui) or {})
        for schema, ui in start_forms(compiled(definition))
    ]
    owned = [owned_data(spec.fields, data, {}, spec.readonly) for spec in specs]
    if owned:  # refused when no start form takes it
        refused = set.intersection(*(set(item.ignored) for item in owned))
    else:
        refused = {pointer([name]) for name in data}
    if refused:
        raise ValidationFailed(
            _l("Start data may only hold the start form's fields."),
            details=[
                {
                    "path": path,
                    "message": _l(
                        "Not a field of the start form: it cannot be filled in at start."
                    ),
                }
                for path in sorted(refused)
            ],
        )
    merged: dict = {}
    for item in owned:
        merged.update(item.data)
    return merged
