"""The timers a step sets: opening a user task queues its escalation (督办) and its
withdrawal, if its diagram draws them on the task's edge, and bringing a submission to an
intermediate timer catch event queues the timer's firing, each as one job at its due time
counted on the county's calendar. The workers run them (escalation.py, withdrawal.py,
catch_timers.py); projection.py, which opens the tasks, only schedules them, here.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from app import engine
from app.engine.foreign_timers import CatchTimer
from app.models import ProcessInstance, Task
from app.models.org import RoleCode
from app.services.foundation.jobs import enqueue
from app.services.runtime.calendar import WorkCalendar, work_calendar

ESCALATE = "escalate_task"
WITHDRAW = "withdraw_task"
WITHDRAWN = "withdrawn"
FIRE = "fire_timer"
FIRED = "timer_fired"
# Who hears of a task still open when its boundary timer falls due, unless the timer's
# `escalateTo` property names other roles: the department above the holder, and finance.
DEFAULT_ESCALATE_TO = (RoleCode.BUDGET_DEPARTMENT, RoleCode.FINANCE_BUREAU)
# Who acts when a timer fires: nobody (the history shows no person).
THE_TIMER = SimpleNamespace(id=None)


def schedule_escalation(row: Task, spec: engine.UserTaskSpec, calendar: WorkCalendar) -> None:
    """Queue the escalation of a task just opened, if its diagram draws one (and its
    withdrawal, if an interrupting timer sits on it)."""
    schedule_withdrawal(row, spec, calendar)
    if spec.escalation is None:
        return
    enqueue(
        ESCALATE,
        run_at=calendar.due_after(row.created_at, spec.escalation.after, spec.escalation.counting),
        payload={
            "roles": [str(role) for role in spec.escalation.to or DEFAULT_ESCALATE_TO],
            "event_id": spec.escalation.event_id,
        },
        instance_id=row.instance_id,
        task=row,
    )


def schedule_withdrawal(row: Task, spec: engine.UserTaskSpec, calendar: WorkCalendar) -> None:
    """Queue the withdrawal of a task just opened, if its diagram draws one."""
    timer = spec.withdrawal
    if timer is None:
        return
    enqueue(
        WITHDRAW,
        run_at=calendar.due_after(row.created_at, timer.after, timer.counting),
        payload={"event_id": timer.event_id},
        instance_id=row.instance_id,
        task=row,
    )


def schedule_catch_timers(
    instance: ProcessInstance, timers: list[CatchTimer], at: datetime
) -> None:
    """Queue the firing of each timer the step just brought the submission to."""
    calendar = work_calendar()
    for timer in timers:
        enqueue(
            FIRE,
            run_at=calendar.due_after(at, timer.after, timer.counting),
            payload={"event_id": timer.event_id, "after": timer.after_text},
            instance_id=instance.id,
        )
