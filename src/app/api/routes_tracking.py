"""JSON API v1 for tracking beyond the contract's summary: every number of the tracking
screen (steps with their times, the organisation league, a round's progress), incidents,
chasing and the bell — so another system (a provincial dashboard) needs no scraping."""

from __future__ import annotations

from datetime import timedelta

from flask import jsonify

from app.api.auth import api_login_required, api_user
from app.api.blueprint import api_blueprint as bp
from app.api.idempotent import idempotent
from app.api.schemas.tracking import LEAGUE_QUERY, STEPS_QUERY
from app.api.schemas.work import RemindRequest
from app.api.serializers import iso
from app.services.foundation import jobs, policy
from app.services.registry import campaigns
from app.services.tracking import dashboard, reminders


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


@bp.get("/tracking/steps")
@api_login_required
def tracking_steps():
    user = api_user()
    policy.require_can_track(user)
    asked = STEPS_QUERY.read()
    stats = dashboard.step_stats(
        user,
        asked["process"],
        asked["version"],
        asked["campaign"],
        # `since` and `until` are days, both included (steps opened in them).
        dashboard.Period.of_days(asked["since"], asked["until"]),
    )
    return jsonify(
        [
            {
                "process_key": s.process_key,
                "version": s.version,
                "activity_id": s.activity_id,
                "name": s.name,
                "role": s.role,
                "open": s.open,
                "overdue": s.overdue,
                "oldest_since": iso(s.oldest_since),
                "finished": s.finished,
                "median_seconds": _seconds(s.median),
                "p90_seconds": _seconds(s.p90),
                "bottleneck": s.bottleneck,
            }
            for s in stats
        ]
    )


@bp.get("/tracking/organisations")
@api_login_required
def tracking_organisations():
    user = api_user()
    policy.require_can_track(user)
    asked = LEAGUE_QUERY.read()
    rows = dashboard.org_league(
        user, asked["process"], asked["version"], asked["sort"], asked["campaign"]
    )
    return jsonify(
        [
            {
                "org_id": r.org_id,
                "org": r.org_name,
                "submissions": r.total,
                "open": r.open,
                "overdue": r.overdue,
                "returned": r.returned,
            }
            for r in rows
        ]
    )


@bp.get("/campaigns/<int:campaign_id>/progress")
@api_login_required
def campaign_progress(campaign_id: int):
    user = api_user()
    policy.require_can_track(user)
    progress = campaigns.campaign_progress(user, campaign_id)
    return jsonify(
        {
            "id": progress.campaign.id,
            "name": progress.campaign.name,
            "process_key": progress.campaign.process_key,
            "due_at": iso(progress.campaign.due_at),
            "submissions": progress.total,
            "submitted": progress.submitted,
            "not_yet": progress.total - progress.submitted,
            "finished": progress.finished,
            "overdue": progress.overdue,
            "waiting_at": [{"name": name, "open": count} for name, count in progress.by_step],
            "departments": [
                {
                    "department": d.department,
                    "submissions": d.total,
                    "submitted": d.submitted,
                    "not_yet": d.not_yet,
                    "finished": d.finished,
                    "overdue": d.overdue,
                }
                for d in progress.by_department
            ],
        }
    )


def _incident_json(job) -> dict:
    return {
        "id": job.id,
        "kind": job.kind,
        "instance_id": job.instance_id,
        "task_id": job.task_id,
        "attempts": job.attempts,
        "status": job.status,
        "gave_up_at": iso(job.finished_at),
        "last_error": job.last_error,
    }


@bp.get("/incidents")
@api_login_required
def list_incidents():
    return jsonify([_incident_json(job) for job in jobs.list_incidents(api_user())])


@bp.post("/incidents/<int:job_id>/retry")
@api_login_required
@idempotent
def retry_incident(job_id: int):
    return _incident_json(jobs.retry_incident(api_user(), job_id)), 200


@bp.post("/tasks/<int:task_id>/remind")
@api_login_required
@idempotent
def remind(task_id: int):
    message = RemindRequest.from_request().message
    reminded = reminders.send_reminder(api_user(), task_id, (message or "").strip() or None)
    return {"reminded": [u.username for u in reminded]}, 200


@bp.get("/notifications")
@api_login_required
def notifications():
    user = api_user()
    return jsonify(
        {
            "unread": reminders.unread_count(user),
            "items": [
                {
                    "id": n.id,
                    "at": iso(n.at),
                    "kind": n.kind,
                    "title": n.title,
                    "body": n.body,
                    "task_id": n.task_id,
                    "instance_id": n.instance_id,
                    "read": n.read_at is not None,
                }
                for n in reminders.list_notifications(user)
            ],
        }
    )
