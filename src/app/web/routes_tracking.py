"""跟踪: the tracking screen, chasing (催办) and finance's interventions on a submission."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from flask import flash, redirect, render_template, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user

from app import params
from app.services.foundation import jobs, policy
from app.services.foundation.clock import now
from app.services.foundation.policy import may_start_on_behalf
from app.services.operations import integrity
from app.services.tracking import dashboard, interventions, reminders, submissions
from app.web import filters
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor, back_or

PER_PAGE = 50


@bp.app_template_filter("duration")
def duration(value: timedelta | None) -> str:
    """A time spent, in the words of the "waited" filter ("3天2小时")."""
    return "—" if value is None else filters.waited(now() - value)


@bp.app_context_processor
def tracking_context() -> dict:
    signed_in = current_user.is_authenticated
    return {
        "may_track": signed_in and policy.may_track(current_user),
        "may_intervene": signed_in and may_start_on_behalf(current_user),
    }


SORTS = (*submissions.BY_OPEN_TASK, *submissions.SUBMISSION_SORTS)
# Any count a database integer holds: more days than the calendar has match nothing.
MAX_WAITED_DAYS = 2**31 - 1


def _filters() -> submissions.SubmissionFilter:
    return submissions.SubmissionFilter(
        process=params.text("process"),
        version=params.record_id("version"),
        campaign_id=params.record_id("campaign"),
        fiscal_year=params.year("year"),
        status=params.text("status"),
        activity=params.text("activity"),
        role=params.text("role"),
        org_id=params.record_id("org"),
        assignee=params.text("assignee"),
        overdue=params.flag("overdue"),
        waited_days=params.integer("waited", 0, MAX_WAITED_DAYS),
        text=params.text("q"),
    )


@bp.get("/tracking", endpoint="tracking")
def tracking_page():
    user = actor()
    policy.require_can_track(user)  # rights before reading the filters
    chosen = _filters()
    sort = params.choice("sort", SORTS, "waiting")
    if params.choice("export", ("xlsx",)):
        everything = submissions.search_submissions(user, chosen, sort, per_page=None)
        return send_file(
            BytesIO(submissions.submissions_workbook(everything.rows)),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            as_attachment=True,
            download_name="提交跟踪.xlsx",
        )
    league_sort = params.choice("league", dashboard.LEAGUE_SORTS, "overdue")
    board = dashboard.tracking_dashboard(
        user, chosen.process, chosen.version, league_sort, chosen.campaign_id
    )
    found = submissions.search_submissions(user, chosen, sort, params.page(), PER_PAGE)
    return render_template(
        "tracking.html",
        dashboard=board,
        league_sort=league_sort,
        found=found,
        sort=sort,
        choices=submissions.filter_choices(user, chosen.process),
        roles=submissions.role_names(),
        incidents=jobs.list_incidents(user) if may_start_on_behalf(user) else [],
        last_check=integrity.last_stalled(user) if may_start_on_behalf(user) else None,
    )


@bp.post("/jobs/<int:job_id>/retry")
def retry_job(job_id: int):
    jobs.retry_incident(actor(), job_id)
    flash(_("The job is queued again; the worker will run it shortly."), "success")
    return redirect(back_or("web.tracking"))


@bp.post("/tasks/<int:task_id>/remind")
def remind_task(task_id: int):
    reminded = reminders.send_reminder(
        actor(), task_id, (params.note("message", request.form) or "").strip() or None
    )
    names = "、".join(u.display_name for u in reminded) or "—"
    flash(_("Reminder sent to %(names)s.", names=names), "success")
    return redirect(back_or("web.tracking"))


@bp.post("/campaigns/<int:campaign_id>/remind-overdue")
def remind_campaign_overdue(campaign_id: int):
    count = reminders.remind_overdue(
        actor(), campaign_id, (params.note("message", request.form) or "").strip() or None
    )
    flash(_("Reminded the holders of %(n)s overdue tasks.", n=count), "success")
    return redirect(back_or("web.campaign", campaign_id=campaign_id))


@bp.post("/tasks/<int:task_id>/reassign")
def reassign_task(task_id: int):
    task = interventions.reassign_task(
        actor(),
        task_id,
        params.text("username", request.form, ""),
        params.note("reason", request.form),
    )
    flash(
        _("“%(name)s” now lies with %(user)s.", name=task.name, user=task.assignee.display_name),
        "success",
    )
    return redirect(back_or("web.instance", instance_id=task.instance_id))


INTERVENTIONS = {
    "suspend": (interventions.suspend_instance, lazy_gettext("The submission is suspended.")),
    "resume": (interventions.resume_instance, lazy_gettext("The submission is resumed.")),
    "terminate": (interventions.terminate_instance, lazy_gettext("The submission is terminated.")),
}


@bp.post("/instances/<int:instance_id>/<any(suspend, resume, terminate):action>")
def intervene(instance_id: int, action: str):
    service, done = INTERVENTIONS[action]
    service(actor(), instance_id, params.note("reason", request.form))
    flash(str(done), "success")
    return redirect(back_or("web.instance", instance_id=instance_id))
