"""The daily integrity check: every submission's engine state, task rows and history agree.

Inboxes and tracking read the task rows; the engine reads its state; the history is the
audit log. Each service call writes all three in one transaction, so they agree unless
something outside the services changed the database (a hand-typed statement, a restore
of one table, a bug). This check finds such a submission before a person trips over it,
and tells finance (who follow every submission) in their notifications.

What must hold, per submission:
- it has a "started" event, and each completed task row a "completed" event;
- running or suspended: the tasks the state has waiting are exactly its open task rows,
  and the state is not finished;
- completed: the state is finished, no task row is open, it has an end time and a
  "finished" event;
- terminated (withdrawn by finance): no task row is open;
- running: something will move it — an open task, a queued job (a timer the worker
  fires, an external task's lock) or a message or timer the engine waits for; one with
  none of these would wait forever unseen (a stalled submission).

Reading every state is a batch job's cost (run it from cron, e.g. at night), never a
page's: pages keep reading indexed columns only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import engine
from app.engine.messages import awaits_event
from app.extensions import db
from app.models import AuditEvent, Job, Notification, ProcessInstance, Setting, Task, User
from app.models.instance import (
    STATUS_COMPLETED,
    STATUS_RUNNING,
    STATUS_SUSPENDED,
    STATUS_TERMINATED,
)
from app.models.job import JOB_PENDING, JOB_RUNNING
from app.models.org import RoleCode
from app.models.task import TASK_COMPLETED, TASK_READY
from app.services.foundation.clock import now
from app.services.foundation.policy import require_can_handle_incidents
from app.services.foundation.transaction import transactional
from app.services.runtime.definitions import compiled
from app.services.runtime.external_tasks import JOB_EXTERNAL

STALLED = "stalled"
LISTED = 50  # findings listed in a notification; the command prints them all


@dataclass(frozen=True)
class Finding:
    instance_id: int
    title: str
    problem: str
    # "stalled" for a submission nothing will move (tracking lists those), else "".
    kind: str = ""

    def __str__(self) -> str:
        return f"#{self.instance_id} {self.title}: {self.problem}"


@dataclass
class IntegrityReport:
    at: datetime
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def headline(self) -> str:
        if self.ok:
            return _("Integrity check: all %(checked)s submissions agree.", checked=self.checked)
        troubled = len({f.instance_id for f in self.findings})
        return _(
            "Integrity check: %(troubled)s of %(checked)s submissions disagree; "
            "please see to them.",
            troubled=troubled,
            checked=self.checked,
        )


@transactional
def check_integrity(notify: bool = True) -> IntegrityReport:
    """Check every submission; with `notify`, tell each finance user the outcome."""
    report = IntegrityReport(at=now())
    instance_ids = list(db.session.scalars(select(ProcessInstance.id).order_by(ProcessInstance.id)))
    for start in range(0, len(instance_ids), 200):
        batch = instance_ids[start : start + 200]
        for instance in db.session.scalars(
            select(ProcessInstance)
            .where(ProcessInstance.id.in_(batch))
            .options(selectinload(ProcessInstance.definition))
        ):
            report.checked += 1
            report.findings.extend(_check(instance))
        db.session.expunge_all()  # keep memory flat over a million submissions
    _remember(report)
    if notify:
        _tell_finance(report)
    return report


LAST_REPORT_KEY = "integrity_last_report"


def _remember(report: IntegrityReport) -> None:
    """Keep the run's findings for the tracking page, which never reads states itself."""
    value = {
        "at": report.at.isoformat(timespec="minutes"),
        "checked": report.checked,
        "findings": [
            {"instance_id": f.instance_id, "title": f.title, "problem": f.problem, "kind": f.kind}
            for f in report.findings[: LISTED * 20]
        ],
    }
    setting = db.session.get(Setting, LAST_REPORT_KEY)
    if setting is None:
        db.session.add(Setting(key=LAST_REPORT_KEY, value=value))
    else:
        setting.value = value


@dataclass(frozen=True)
class LastCheck:
    at: str
    checked: int
    stalled: list[Finding]


def last_stalled(actor: User) -> LastCheck | None:
    """The submissions the last integrity check found stalled (running, nothing open,
    nothing awaited), for finance's tracking page; None before any check ran."""
    require_can_handle_incidents(actor)
    setting = db.session.get(Setting, LAST_REPORT_KEY)
    if setting is None or not isinstance(setting.value, dict):
        return None
    value = setting.value
    stalled = [
        Finding(f["instance_id"], f["title"], f["problem"], STALLED)
        for f in value.get("findings", [])
        # A report kept before findings had a kind said so in its text.
        if f.get("kind") == STALLED or "(stalled:" in f.get("problem", "")
    ]
    return LastCheck(value.get("at", ""), int(value.get("checked", 0)), stalled)


def _check(instance: ProcessInstance) -> list[Finding]:
    problems: list[str] = []
    stalled = None
    rows = list(db.session.scalars(select(Task).where(Task.instance_id == instance.id)))
    events = list(
        db.session.execute(
            select(AuditEvent.action, AuditEvent.task_id).where(
                AuditEvent.instance_id == instance.id
            )
        )
    )
    actions = {action for action, _task_id in events}
    completed_events = {task_id for action, task_id in events if action == "completed"}
    open_rows = {row.engine_task_id for row in rows if row.status == TASK_READY}

    if "started" not in actions:
        problems.append(_("The history has no start."))
    for row in rows:
        if row.status == TASK_COMPLETED and row.id not in completed_events:
            problems.append(
                _("The task “%(name)s” is done but the history does not record it.", name=row.name)
            )

    if instance.status in (STATUS_RUNNING, STATUS_SUSPENDED, STATUS_COMPLETED):
        try:
            state = engine.inspect_state(compiled(instance.definition), instance.engine_state)
        except engine.EngineError as exc:
            problems.append(_("The process state cannot be read: %(reason)s", reason=str(exc)))
            state = None
        if state is not None and instance.status == STATUS_COMPLETED:
            if not state.finished:
                problems.append(_("Completed, but the process state is not finished."))
        elif state is not None:
            if state.finished:
                problems.append(_("The process state is finished, but the submission is open."))
            if (
                instance.status == STATUS_RUNNING
                and not state.finished
                and not state.ready_task_ids
                and not open_rows
                and not _awaits_anything(instance)
            ):
                stalled = _(
                    "In progress, but with no open task, no job and no awaited message "
                    "or timer: it will never move."
                )
                problems.append(stalled)
            if state.ready_task_ids != open_rows:
                missing = len(state.ready_task_ids - open_rows)
                extra = len(open_rows - state.ready_task_ids)
                problems.append(
                    _(
                        "The open tasks differ from the process state: %(missing)s missing, "
                        "%(extra)s extra.",
                        missing=missing,
                        extra=extra,
                    )
                )
    if instance.status == STATUS_COMPLETED:
        if open_rows:
            problems.append(_("Completed, but with open tasks."))
        if instance.ended_at is None or "finished" not in actions:
            problems.append(_("Completed, but with no end time or no record of finishing."))
    if instance.status == STATUS_TERMINATED and open_rows:
        problems.append(_("Withdrawn, but with open tasks."))
    return [
        Finding(instance.id, instance.title, problem, STALLED if problem is stalled else "")
        for problem in problems
    ]


# Jobs that will still run or be done for a submission (an incident is a job that gave up).
_LIVE_JOBS = (JOB_PENDING, JOB_RUNNING, JOB_EXTERNAL)


def _awaits_anything(instance: ProcessInstance) -> bool:
    """A queued job or an awaited message or timer will move the submission on."""
    queued = db.session.scalar(
        select(Job.id).where(Job.instance_id == instance.id, Job.status.in_(_LIVE_JOBS)).limit(1)
    )
    return queued is not None or awaits_event(compiled(instance.definition), instance.engine_state)


def _tell_finance(report: IntegrityReport) -> None:
    lines = [str(finding) for finding in report.findings[:LISTED]]
    if len(report.findings) > LISTED:
        more = len(report.findings) - LISTED
        lines.append(_("… %(count)s more: see the output of flask check-integrity.", count=more))
    body = "\n".join(lines) or None
    finance = db.session.scalars(
        select(User).where(User.roles.any(code=RoleCode.FINANCE_BUREAU), User.active.is_(True))
    )
    for user in finance:
        db.session.add(
            Notification(
                user_id=user.id,
                at=report.at,
                kind="integrity",
                title=report.headline,
                body=body,
                instance_id=report.findings[0].instance_id if report.findings else None,
            )
        )
