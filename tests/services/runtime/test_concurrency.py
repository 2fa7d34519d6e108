"""Concurrent completions of one task: exactly one wins, the others are told it is done."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, User
from app.models.org import ACTING
from app.services.foundation.errors import Conflict
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS


def test_eight_threads_completing_one_task_yield_exactly_one_completion(app, user):
    instance, ready = start_instance(user("unit"), "simple_approval", title="并发测试")
    task_id, instance_id = ready[0].id, instance.id
    db.session.remove()
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def attempt() -> None:
        with app.app_context():
            actor = db.session.scalar(select(User).where(User.username == "unit").options(*ACTING))
            barrier.wait()
            try:
                complete_task(actor, task_id, GOOD_TARGETS)
                outcomes.append("won")
            except Conflict:
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict"] * 7 + ["won"]
    completions = db.session.scalar(
        select(func.count()).where(
            AuditEvent.instance_id == instance_id,
            AuditEvent.action == "completed",
            AuditEvent.activity_id == "fill_targets",
        )
    )
    assert completions == 1
