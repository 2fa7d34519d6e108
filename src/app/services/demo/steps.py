"""How the demo seed drives a submission: the open task at a step, and its completion as
one of the demo accounts, through the same services a person's click goes through. A
step that is not open is a mistake in the seed, raised as such."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import ProcessInstance, Task, User
from app.models.task import TASK_READY
from app.services.runtime.tasks import complete_task


def ready_task(instance: ProcessInstance, activity: str) -> Task:
    task = db.session.scalar(
        select(Task).where(
            Task.instance_id == instance.id,
            Task.status == TASK_READY,
            Task.activity_id == activity,
        )
    )
    if task is None:  # for the developer who changed a process or the seed: a log line
        raise RuntimeError(f"演示数据：{instance.title} 不在“{activity}” (demo step missing)")
    return task


def step(actor: User, instance: ProcessInstance, activity: str, data: dict) -> None:
    complete_task(actor, ready_task(instance, activity).id, data)
