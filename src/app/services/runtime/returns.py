"""Returns (退回): a step that sends a submission back tells whoever must redo the work,
and their inbox marks that work as returned.

A return is any completion after which a step the submission had already passed is
open again (a "return" decision, a rejection that goes back to the unit, a loop drawn
in a diagram): it is read from the task rows, whatever the diagram calls its decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import ProcessInstance, Task, User
from app.models.task import TASK_COMPLETED
from app.services.foundation.notify import notify
from app.services.foundation.policy import eligible_users
from app.services.foundation.transaction import transactional
from app.services.runtime.tasks import COMMENT_FIELDS, complete_task


class Completion(NamedTuple):
    """What a completion did: the submission, its ready tasks, the steps it sent the
    submission back to (empty unless it was a return), and who was told of each."""

    instance: ProcessInstance
    ready: list[Task]
    reopened: list[Task]
    notified: dict[int, list[User]]  # reopened task id -> the people told


@transactional(keep_loaded=True)
def complete_task_telling_returns(actor: User, task_id: int, data: dict) -> Completion:
    """`complete_task`, in the same transaction telling the people who may act on each
    step it sent the submission back to (an in-app notification each, and an e-mail as
    other notifications are sent). Raises what `complete_task` raises."""
    instance, ready = complete_task(actor, task_id, data)
    # The projection marks each row it opened for a step the submission had passed: no
    # query of its own on the hot path.
    reopened = [t for t in ready if getattr(t, "sent_back", False)]
    comment = _comment(data)
    notified: dict[int, list[User]] = {}
    for step in reopened:
        people = sorted(eligible_users(step), key=lambda u: u.username)
        notify(
            people,
            kind="returned",
            title=f"退回：{instance.title} · {step.name}",
            body=_return_body(actor, comment),
            task=step,
            sender=actor,
        )
        notified[step.id] = people
    return Completion(instance, list(ready), reopened, notified)


def _return_body(actor: User, comment: str | None) -> str:
    """The notification's and e-mail's text: who returned it and why, then what to do."""
    reason = f"退回理由：{comment}\n" if comment else ""
    return f"{actor.display_name} 退回了此项工作。\n{reason}请按审核意见修改后重新提交。"


@dataclass(frozen=True)
class ReturnNote:
    """Who sent a piece of work back, when, and why (the opinion they wrote)."""

    by: str
    reason: str | None
    at: datetime | None


def returned_tasks(tasks: Iterable[Task]) -> dict[int, ReturnNote]:
    """Of these open tasks, those whose step the submission had passed before (work sent
    back to be redone), each with who returned it and why: the step completed last before
    the task opened. One query, only for submissions that were ever returned."""
    candidates = [t for t in tasks if t.instance.returned]
    if not candidates:
        return {}
    done = db.session.scalars(
        select(Task)
        .where(
            Task.instance_id.in_({t.instance_id for t in candidates}),
            Task.status == TASK_COMPLETED,
        )
        .order_by(Task.completed_at, Task.id)
        .options(joinedload(Task.completed_by))
    ).all()
    notes: dict[int, ReturnNote] = {}
    for task in candidates:
        earlier = [d for d in done if d.instance_id == task.instance_id]
        if not any(d.activity_id == task.activity_id for d in earlier):
            continue
        before = [d for d in earlier if d.completed_at and d.completed_at <= task.created_at]
        returner = before[-1] if before else None
        who = returner.completed_by if returner is not None else None
        notes[task.id] = ReturnNote(
            who.display_name if who is not None else "",
            _comment(returner.data or {}) if returner is not None else None,
            returner.completed_at if returner is not None else None,
        )
    return notes


def returned_task_ids(tasks: Iterable[Task]) -> set[int]:
    """Of these open tasks, those sent back to be redone."""
    return set(returned_tasks(tasks))


def _comment(data: dict) -> str | None:
    """The opinion the returning step wrote, as the history reads it."""
    for name in COMMENT_FIELDS:
        for key, value in data.items():
            if (key == name or key.endswith("_" + name)) and isinstance(value, str) and value:
                return value
    return None
