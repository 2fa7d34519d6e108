"""What the worker runs on a calendar: the daily digest, and rounds finance scheduled.

Every worker calls `schedule_recurring_jobs` each round (create_app registers it with the
job queue); the job's dedupe key (one per day) makes however many workers there are queue
one digest a day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.extensions import db
from app.models import Job, User
from app.models.job import JOB_CANCELLED, JOB_PENDING
from app.models.org import ACTING
from app.services.foundation.clock import now
from app.services.foundation.errors import BadRequest, NotFound
from app.services.foundation.jobs import enqueue, job_handler
from app.services.foundation.policy import may_start_on_behalf
from app.services.foundation.transaction import transactional
from app.services.registry.registry_views import require_round_organiser

DIGEST = "send_digests"
LAUNCH = "launch_campaign"


def next_digest_at(at: datetime) -> datetime:
    """Today's digest time if it is still ahead, else tomorrow's (DIGEST_HOUR_UTC; the
    default 0 is 08:00 in China)."""
    hour = int(current_app.config.get("DIGEST_HOUR_UTC", 0))
    today = at.replace(hour=hour, minute=0, second=0, microsecond=0)
    return today if today >= at else today + timedelta(days=1)


@transactional
def schedule_recurring_jobs() -> None:
    run_at = next_digest_at(now())
    enqueue(DIGEST, run_at=run_at, dedupe_key=f"digest:{run_at:%Y-%m-%d}")


@job_handler(DIGEST)
def _send_digests(job: Job) -> None:
    from app.services.tracking.reminders import send_overdue_digests

    send_overdue_digests()


@transactional
def schedule_campaign(
    actor: User,
    process_key: str,
    fiscal_year: int,
    quarter: int | None,
    launch_at: datetime,
    due_at: datetime | None = None,
) -> Job:
    """Finance sets a round to launch by itself at `launch_at` (e.g. the first working day
    of a quarter); the worker launches it then, as `actor`."""
    from app.services.registry.campaigns import campaign_code

    require_round_organiser(actor)
    if launch_at <= now():
        raise BadRequest(_l("The launch time must be in the future."))
    if due_at is not None and due_at <= launch_at:
        raise BadRequest(_l("The due date must follow the launch."))
    code = campaign_code(process_key, fiscal_year, quarter)
    job = enqueue(
        LAUNCH,
        run_at=launch_at,
        payload={
            "actor_id": actor.id,
            "process_key": process_key,
            "fiscal_year": fiscal_year,
            "quarter": quarter,
            "due_at": due_at.isoformat() if due_at else None,
        },
        dedupe_key=f"launch:{code}:{launch_at:%Y-%m-%dT%H:%M}",
    )
    if job is None:
        raise BadRequest(_l("This round is already scheduled for that time."))
    return job


def scheduled_campaigns(actor: User) -> list[Job]:
    if not may_start_on_behalf(actor):  # the rounds page lists them to finance only
        return []
    return list(
        db.session.scalars(
            select(Job).where(Job.kind == LAUNCH, Job.status == JOB_PENDING).order_by(Job.run_at)
        )
    )


@transactional
def cancel_scheduled_campaign(actor: User, job_id: int) -> None:
    require_round_organiser(actor)
    cancelled = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.kind == LAUNCH, Job.status == JOB_PENDING)
        .values(status=JOB_CANCELLED, finished_at=now())
    ).rowcount
    if not cancelled:
        raise NotFound(_l("There is no such round waiting to be launched."))


@job_handler(LAUNCH)
def _launch_scheduled_campaign(job: Job) -> None:
    from app.services.registry.campaigns import launch_campaign

    payload = job.payload
    actor = db.session.get(User, payload["actor_id"], options=ACTING)
    due = payload.get("due_at")
    launch_campaign(
        actor,
        payload["process_key"],
        payload["fiscal_year"],
        payload.get("quarter"),
        datetime.fromisoformat(due) if due else None,
    )
