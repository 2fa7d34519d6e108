"""Firing the intermediate timers a submission waits at (engine/foreign_timers.py).

A step that brings a submission to an intermediate timer catch event queues one job at
the timer's due time, counted from then in working days (calendar days if its
`dueCalendar` says so), as interrupting boundary timers are (withdrawal.py). The worker
runs it: the timer fires, the history says so, and the submission runs on to its next
wait state. A submission that left the event by then (another branch of an event-based
gateway caught first) is left alone; a suspended one waits until it is resumed.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l

from app.engine.timers import fire_timer
from app.extensions import db
from app.models import AuditEvent, Job
from app.models.instance import STATUS_RUNNING, STATUS_SUSPENDED
from app.services.foundation.clock import now
from app.services.foundation.errors import stored_text
from app.services.foundation.jobs import RunLater, job_handler
from app.services.runtime.timers import FIRE, FIRED, THE_TIMER


@job_handler(FIRE)
def fire(job: Job) -> None:
    from app.services.foundation.locking import lock_instance
    from app.services.runtime.definitions import compiled
    from app.services.runtime.projection import apply_step

    instance = lock_instance(job.instance_id)
    if instance.status == STATUS_SUSPENDED:
        raise RunLater(
            now() + timedelta(days=1),
            stored_text(_l("The submission is suspended: the timer fires once it is resumed.")),
        )
    if instance.status != STATUS_RUNNING:
        return
    event_id = job.payload.get("event_id", "")
    step = fire_timer(compiled(instance.definition), instance.engine_state, event_id)
    if step is None:
        return  # no longer waiting there
    after = job.payload.get("after", "")
    db.session.add(
        AuditEvent(
            instance_id=instance.id,
            at=now(),
            actor_id=None,  # the diagram's timer, not a person
            action=FIRED,
            activity_id=event_id,
            comment=stored_text(
                _l("The timer of %(after)s fell due; the process goes on.", after=after)
            ),
            details={"event": event_id, "after": after},
        )
    )
    apply_step(instance, step, THE_TIMER)
