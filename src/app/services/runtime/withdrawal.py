"""Withdrawing a task when its interrupting boundary timer falls due.

A diagram may draw an interrupting timer on a user task's edge (Camunda's default): when
it falls due, counted in working days like a due period, the worker withdraws the task
(its history says so) and the submission follows the timer's flow. Opening the task
queues one job at that time; a task finished by then is left alone, a suspended
submission's timer waits until it is resumed.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l

from app.engine.timers import fire_timer
from app.extensions import db
from app.models import AuditEvent, Job, Task
from app.models.instance import STATUS_RUNNING, STATUS_SUSPENDED
from app.models.task import TASK_READY
from app.services.foundation.clock import now
from app.services.foundation.errors import stored_text
from app.services.foundation.jobs import RunLater, job_handler
from app.services.runtime.timers import THE_TIMER, WITHDRAW, WITHDRAWN


@job_handler(WITHDRAW)
def withdraw(job: Job) -> None:
    from app.services.foundation.locking import lock_instance
    from app.services.runtime.definitions import compiled
    from app.services.runtime.projection import apply_step

    task = db.session.get(Task, job.task_id) if job.task_id is not None else None
    if task is None or task.status != TASK_READY:
        return  # done in time, or withdrawn already
    instance = lock_instance(task.instance_id)
    db.session.refresh(task)
    if task.status != TASK_READY:
        return
    if instance.status == STATUS_SUSPENDED:
        raise RunLater(
            now() + timedelta(days=1),
            stored_text(
                _l("The submission is suspended: the withdrawal happens once it is resumed.")
            ),
        )
    if instance.status != STATUS_RUNNING:
        return
    event_id = job.payload.get("event_id", "")
    step = fire_timer(compiled(instance.definition), instance.engine_state, event_id)
    if step is None:
        return
    at = now()
    db.session.add(
        AuditEvent(
            instance_id=task.instance_id,
            task_id=task.id,
            at=at,
            actor_id=None,  # the diagram's timer, not a person
            action=WITHDRAWN,
            activity_id=task.activity_id,
            activity_name=task.name,
            comment=stored_text(
                _l(
                    "“%(name)s” was not done in time and was withdrawn by the diagram's timer.",
                    name=task.name,
                )
            ),
            details={"event": event_id},
        )
    )
    apply_step(instance, step, THE_TIMER)
