"""轮次: finance launches a round of submissions and follows how far it has got."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import params
from app.services.foundation.errors import BadRequest, NotFound
from app.services.foundation.policy import may_start_on_behalf
from app.services.operations import schedules
from app.services.registry import campaigns as rounds
from app.services.registry import registry_views
from app.services.runtime import queries
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor

DEPARTMENT_SORTS = {
    "overdue": lambda d: (-d.overdue, d.department),
    "total": lambda d: (-d.total, d.department),
    "department": lambda d: d.department,
}


@bp.app_context_processor
def rounds_context() -> dict:
    return {"may_run_rounds": current_user.is_authenticated and may_start_on_behalf(current_user)}


@bp.get("/campaigns")
def campaigns():
    user = actor()
    registry_views.require_round_organiser(user)
    return _page(user, {})


@bp.post("/campaigns")
def launch_campaign():
    user = actor()
    registry_views.require_round_organiser(user)
    try:
        key, year, quarter, due_at = _launch_form()
        launch_at = _local_day_start(
            _field(params.day, "launch_on", _("Enter the launch day as YYYY-MM-DD."))
        )
        if launch_at is not None:
            schedules.schedule_campaign(user, key, year, quarter, launch_at, due_at)
        else:
            launch = rounds.launch_campaign(user, key, year, quarter, due_at)
    except (BadRequest, NotFound) as exc:  # show the refusal above the form, values kept
        return _page(user, request.form, refused=exc.message), 400
    if launch_at is not None:
        flash(_("The round will be launched on %(day)s.", day=request.form["launch_on"]), "success")
        return redirect(url_for("web.campaigns"))
    flash(
        _(
            "Started %(started)s, %(already)s already existed.",
            started=len(launch.started),
            already=launch.already,
        ),
        "success",
    )
    return redirect(url_for("web.campaign", campaign_id=launch.campaign.id))


@bp.get("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int):
    user = actor()
    registry_views.require_round_organiser(user)
    progress = rounds.campaign_progress(user, campaign_id)
    sort = params.choice("sort", DEPARTMENT_SORTS, "overdue")
    departments = sorted(progress.by_department, key=DEPARTMENT_SORTS[sort])
    submissions = registry_views.round_submissions(user, campaign_id)
    return render_template(
        "campaign.html",
        progress=progress,
        departments=departments,
        sort=sort,
        submissions=submissions,
        current=queries.open_tasks_of([i.id for i in submissions]),
        process_names=rounds.PROCESS_NAMES,
    )


def _page(user, form, refused: str | None = None):
    return render_template(
        "campaigns.html",
        rounds=rounds.list_campaigns(),
        counts=registry_views.round_counts(user),
        process_names=rounds.PROCESS_NAMES,
        form=form,
        refused=refused,
        scheduled=schedules.scheduled_campaigns(user),
    )


@bp.post("/campaigns/scheduled/<int:job_id>/cancel")
def cancel_scheduled_campaign(job_id: int):
    schedules.cancel_scheduled_campaign(actor(), job_id)
    flash(_("The scheduled round is cancelled."), "success")
    return redirect(url_for("web.campaigns"))


def _local_day_start(day: date | None) -> datetime | None:
    """A launch day means 08:00 that day in local time, when the offices open."""
    if day is None:
        return None
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    return datetime.combine(day, time(8, 0), tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def _field(parse, name: str, message: str):
    """A launch form field read by the shared parsers, refused in the form's own words."""
    try:
        return parse(name, source=request.form)
    except BadRequest:
        raise BadRequest(message) from None


def _launch_form() -> tuple[str, int, int | None, datetime | None]:
    """The launch form's values; a due date means the end of that day in local time."""
    year = _field(params.year, "fiscal_year", _("Enter the fiscal year as a number, e.g. 2027."))
    if year is None:
        raise BadRequest(_("Enter the fiscal year as a number, e.g. 2027."))
    quarter = params.integer("quarter", 1, 4, source=request.form)
    due_at = None
    day = _field(params.day, "due", _("Enter the due date as YYYY-MM-DD."))
    if day is not None:
        zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
        local = datetime.combine(day, time(23, 59), tzinfo=zone)
        due_at = local.astimezone(UTC).replace(tzinfo=None)
    return params.text("process", request.form, ""), year, quarter, due_at
