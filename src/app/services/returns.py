"""Returns (退回): a step that sends a submission back tells whoever must redo the work,
and their inbox marks that work as returned.

A return is any completion after which a step the submission had already passed is
open again (a "return" decision, a rejection that goes back to the unit, a loop drawn
in a diagram): it is read from the task rows, whatever the diagram calls its decision.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app.extensions import db
from app.models import ProcessInstance, Task, User
from app.models.task import TASK_COMPLETED
from app.services.notify import notify
from app.services.reminders import eligible_users
from app.services.tasks import COMMENT_FIELDS, complete_task
from app.services.transaction import transactional


@transactional(keep_loaded=True)
def complete_task_telling_returns(
    actor: User, task_id: int, data: dict
) -> tuple[ProcessInstance, list[Task], list[Task]]:
    """`complete_task`, in the same transaction telling the people who may act on each
    step it sent the submission back to. Returns (instance, ready tasks, the reopened
    ones: empty unless it was a return). Raises what `complete_task` raises."""
    task = db.session.get(Task, task_id)
    passed = _passed_steps(task.instance_id) if task is not None else set()
    instance, ready = complete_task(actor, task_id, data)
    reopened = [t for t in ready if t.activity_id in passed]
    comment = _comment(data)
    for step in reopened:
        notify(
            eligible_users(step),
            kind="returned",
            title=f"退回：{instance.title} · {step.name}",
            body=comment or "请按审核意见修改后重新提交。",
            task=step,
            sender=actor,
        )
    return instance, ready, reopened


def returned_task_ids(tasks: Iterable[Task]) -> set[int]:
    """Of these open tasks, those whose step the submission had passed before: work sent
    back to be redone. One query, only for submissions that were ever returned."""
    candidates = [t for t in tasks if t.instance.returned]
    if not candidates:
        return set()
    done = set(
        db.session.execute(
            select(Task.instance_id, Task.activity_id).where(
                Task.instance_id.in_({t.instance_id for t in candidates}),
                Task.status == TASK_COMPLETED,
            )
        ).all()
    )
    return {t.id for t in candidates if (t.instance_id, t.activity_id) in done}


def _passed_steps(instance_id: int) -> set[str]:
    return set(
        db.session.scalars(
            select(Task.activity_id).where(
                Task.instance_id == instance_id, Task.status == TASK_COMPLETED
            )
        )
    )


def _comment(data: dict) -> str | None:
    """The opinion the returning step wrote, as the history reads it."""
    for name in COMMENT_FIELDS:
        for key, value in data.items():
            if (key == name or key.endswith("_" + name)) and isinstance(value, str) and value:
                return value
    return None
