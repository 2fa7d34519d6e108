"""Delivering a message to the submissions waiting for it, as spiff-arena and Camunda let
another system do (`POST /api/v1/messages {name, correlation, data}`).

A submission waits for a message at an intermediate message catch event or a receive
task, with no task open; a process drawn with a message start event is started by it
(a submission of the sender's organisation, if the sender's roles may start it).
The message names the BPMN message; `correlation` picks the submissions by their data
(every field given must hold the value given: an order number, a project code), and
`data` joins each one's data before it runs on to its next wait state, so a gateway
after the event reads it. Each submission is resumed under its own row lock, all in one
transaction: all of them move or none.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.engine.foreign_messages import correlation_fields
from app.engine.messages import awaited_messages, deliver_message, message_starts
from app.extensions import db
from app.models import AuditEvent, Job, ProcessDefinition, ProcessInstance, Task, User
from app.models.instance import STATUS_RUNNING
from app.models.org import ACTING
from app.performance.context import running
from app.services.foundation.clock import now
from app.services.foundation.errors import BadRequest, NotFound, stored_text
from app.services.foundation.jobs import job_handler
from app.services.foundation.locking import lock_instance
from app.services.foundation.policy import can_start, require_can_send_messages
from app.services.foundation.transaction import transactional
from app.services.runtime.definitions import compiled, latest_definitions
from app.services.runtime.instances import start_instance
from app.services.runtime.projection import THROWN_MESSAGE, apply_step

# Another system sends messages through a service account; finance, who follows every
# submission, may deliver one by hand (a receipt that came by post).
RECEIVED = "message_received"
SENT = "message_sent"


@dataclass(frozen=True)
class Delivery:
    """A submission the message resumed, and its ready tasks after it."""

    instance: ProcessInstance
    tasks: list[Task]


def _correlates(
    data: dict | None, correlation: dict, key_field: str | None = None, key=None
) -> bool:
    """Whether a submission's data matches: every `correlation` field holds its value, and
    (a Camunda 8 correlation key) the field its diagram's key names holds `key`."""
    data = data or {}
    if key is not None and (key_field is None or str(data.get(key_field)) != str(key)):
        return False
    return all(field in data and data[field] == value for field, value in correlation.items())


def _deliver(actor: User, instance: ProcessInstance, name: str, data: dict) -> list[Delivery]:
    # Operators after the event (the registry's) run for this submission, as in a step.
    with running(instance, actor):
        step = deliver_message(compiled(instance.definition), instance.engine_state, name, data)
    if step is None:
        return []  # not at the event now (before it, or past it)
    db.session.add(
        AuditEvent(
            instance_id=instance.id,
            at=now(),
            actor_id=actor.id,
            action=RECEIVED,
            comment=stored_text(_l("Message “%(name)s” received.", name=name)),
            details={"message": name, "fields": sorted(data)},
        )
    )
    return [Delivery(instance, apply_step(instance, step, actor))]


@transactional(keep_loaded=True)
def correlate_message(
    actor: User, name: str, correlation: dict, data: dict, key=None
) -> list[Delivery]:
    """Deliver the message `name` to every running submission waiting for it whose data
    matches `correlation` (and, given a Camunda 8 correlation `key`, whose field named by
    the diagram's key holds it), and start each process the message starts. Raises
    Forbidden, BadRequest (malformed), NotFound (nothing waits for it: said, rather than
    the message silently dropped)."""
    require_can_send_messages(actor)
    if not isinstance(name, str) or not name.strip():
        raise BadRequest(_l("name must be the name of the message."))
    if not isinstance(correlation, dict) or not isinstance(data, dict):
        raise BadRequest(_l("correlation and data must be objects."))
    if key is not None and (isinstance(key, bool) or not isinstance(key, str | int)):
        raise BadRequest(_l("correlationKey must be a string or an integer."))
    name = name.strip()
    delivered = deliver_to_waiting(actor, name, correlation, data, key)
    if not delivered:
        raise NotFound(
            _l(
                "No running submission matching the correlation waits for the message “%(name)s”.",
                name=name,
            )
        )
    db.session.flush()
    return delivered


def deliver_to_waiting(
    actor: User, name: str, correlation: dict, data: dict, key=None
) -> list[Delivery]:
    """The delivery itself, for whoever may send the message: every running submission
    waiting for `name` whose data matches `correlation` moves on with `data`, each under
    its own row lock; each process the message starts (and `actor` may start) starts."""
    # Which deployed versions wait for the message at all, from their compiled diagrams
    # (cached), before any submission's data is read.
    running = db.session.scalars(
        select(ProcessDefinition).where(
            ProcessDefinition.id.in_(
                select(ProcessInstance.definition_id)
                .where(ProcessInstance.status == STATUS_RUNNING)
                .distinct()
            )
        )
    ).all()
    awaiting = [d.id for d in running if name in awaited_messages(compiled(d))]
    key_fields = {  # the field each version's correlation key names (Camunda 8)
        d.id: correlation_fields(d.bpmn_xml).get(name) for d in running if key is not None
    }
    candidates = db.session.scalars(
        select(ProcessInstance)
        .where(
            ProcessInstance.status == STATUS_RUNNING,
            ProcessInstance.definition_id.in_(awaiting),
        )
        .order_by(ProcessInstance.id)
    ).all()
    delivered: list[Delivery] = []
    for candidate in candidates:
        field = key_fields.get(candidate.definition_id)
        if not _correlates(candidate.data, correlation, field, key):
            continue
        instance = lock_instance(candidate.id)
        if instance.status != STATUS_RUNNING or not _correlates(
            instance.data, correlation, field, key
        ):
            continue
        delivered.extend(_deliver(actor, instance, name, data))
    # A process whose start event waits for the message starts a submission of the
    # sender's organisation, if the sender may start it.
    for definition in latest_definitions():
        if name in message_starts(compiled(definition)) and can_start(actor, definition):
            instance, _ = start_instance(actor, definition.key, title=name)
            delivered.extend(_deliver(actor, instance, name, data))
    return delivered


def thrown_parts(name: str, message) -> tuple[dict, dict]:
    """A message a diagram throws (a message end or throw event) carries what a sender of
    `POST /api/v1/messages` sends: {"correlation": {...}, "data": {...}}, built by the
    event's spiffworkflow:messagePayload expression. Raises BadRequest naming what is
    wrong with it."""
    if not isinstance(message, dict) or not set(message) <= {"correlation", "data"}:
        raise BadRequest(
            _l(
                'The payload of the message “%(name)s” must be {"correlation": {…}, "data": {…}}.',
                name=name,
            )
        )
    correlation, data = message.get("correlation", {}), message.get("data", {})
    if not isinstance(correlation, dict) or not correlation:
        # Delivered to every submission waiting for the name, whatever its data, would
        # move another year's or another project's submissions: the diagram must say whose.
        raise BadRequest(
            _l(
                "The message “%(name)s” must give a correlation saying which submissions "
                "it is for.",
                name=name,
            )
        )
    if not isinstance(data, dict):
        raise BadRequest(_l("The data of the message “%(name)s” must be an object.", name=name))
    return correlation, data


@job_handler(THROWN_MESSAGE)
def deliver_thrown_message(job: Job) -> None:
    """After a submission's step threw a message: deliver it to the submissions waiting
    for it, in the name of whoever completed that step (their organisation for a start).
    A message no one waits for is recorded on the sender's history, not lost silently."""
    name = job.payload["name"]
    sender = db.session.get(User, job.payload["sender_id"], options=ACTING)
    correlation, data = thrown_parts(name, job.payload.get("message"))
    delivered = deliver_to_waiting(sender, name, correlation, data)
    db.session.add(
        AuditEvent(
            instance_id=job.instance_id,
            at=now(),
            actor_id=sender.id if sender else None,
            action=SENT,
            comment=stored_text(
                _l(
                    "Message “%(name)s” delivered to %(count)s submission(s).",
                    name=name,
                    count=len(delivered),
                )
            ),
            details={
                "message": name,
                "correlation": correlation,
                "delivered": [d.instance.id for d in delivered],
            },
        )
    )
    db.session.flush()
