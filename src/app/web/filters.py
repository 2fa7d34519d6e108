"""Jinja filters and page context: times in Asia/Shanghai, waits in words, labels.

Times are stored as naive UTC; Flask-Babel converts them to the configured zone.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, request, url_for
from flask_babel import format_datetime, get_locale, lazy_gettext, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from app.services.clock import now
from app.services.errors import Forbidden
from app.services.policy import has_global_scope, require_can_deploy
from app.services.tracking import role_names as role_display_names
from app.web import web_blueprint as bp

ACTIONS = {
    "started": lazy_gettext("Started"),
    "claimed": lazy_gettext("Claimed"),
    "unclaimed": lazy_gettext("Released"),
    "completed": lazy_gettext("Submitted"),
    "finished": lazy_gettext("Finished"),
    "reminded": lazy_gettext("Reminded"),
    "reassigned": lazy_gettext("Reassigned"),
    "suspended": lazy_gettext("Suspended"),
    "resumed": lazy_gettext("Resumed"),
    "terminated": lazy_gettext("Terminated"),
    "escalated": lazy_gettext("Escalated"),
    "migrated": lazy_gettext("Moved to a newer process version"),
    "incident": lazy_gettext("Failed, can be retried"),
}
# The decision codes the shipped forms use, for where no form names them (an older
# version's form, a decision sent through the API): one list, never the code on screen.
DECISIONS = {
    "approve": lazy_gettext("Approved"),
    "pass": lazy_gettext("Approved"),
    "return": lazy_gettext("Returned for changes"),
    "reject": lazy_gettext("Not approved"),
    "yes": lazy_gettext("Yes"),
    "no": lazy_gettext("No"),
    "expert": lazy_gettext("Sent to expert review"),
    "agency": lazy_gettext("Sent to a third-party agency"),
}
# What the versions page's log says was done to a process ("Deployed" alone is the
# column heading 部署时间 elsewhere: one message, one meaning).
PROCESS_ACTIONS = {
    "deployed": lazy_gettext("Deployed a new version"),
    "rolled_back": lazy_gettext("Rolled back"),
    "imported": lazy_gettext("Imported"),
    "migrated": lazy_gettext("Migrated submissions"),
}
JOB_KINDS = {
    "escalate_task": lazy_gettext("Escalation"),
    "send_email": lazy_gettext("E-mail sending"),
    "send_digests": lazy_gettext("Daily digest"),
    "launch_campaign": lazy_gettext("Scheduled round"),
}
STATUSES = {
    "running": lazy_gettext("In progress"),
    "completed": lazy_gettext("Completed"),
    "ready": lazy_gettext("To do"),
    "cancelled": lazy_gettext("Cancelled"),
    "suspended": lazy_gettext("Suspended"),
    "terminated": lazy_gettext("Terminated"),
}


@bp.app_template_filter("dt")
def format_time(value: datetime | None, with_time: bool = True) -> str:
    if value is None:
        return "—"
    return format_datetime(value, "yyyy-MM-dd HH:mm" if with_time else "yyyy-MM-dd")


@bp.app_template_filter("waited")
def waited(since: datetime | None) -> str:
    """How long since `since`, in the largest two units: "3天2小时" / "3 days 2 hours"."""
    if since is None:
        return "—"
    minutes = max(int((now() - since).total_seconds() // 60), 0)
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    parts = []
    if days:
        parts.append(ngettext("%(num)d day", "%(num)d days", days))
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    if not days and (mins or not hours):
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", mins))
    if len(parts) == 1:
        return parts[0]
    return _("%(first)s %(second)s", first=parts[0], second=parts[1])


@bp.app_template_test("overdue")
def is_overdue(due_at: datetime | None) -> bool:
    return due_at is not None and due_at < now()


@bp.app_template_filter("action_label")
def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


@bp.app_template_filter("decision_word")
def decision_word(decision) -> str:
    return str(DECISIONS.get(decision, decision)) if isinstance(decision, str) else str(decision)


@bp.app_template_filter("process_action")
def process_action(action: str) -> str:
    return str(PROCESS_ACTIONS.get(action, action))


@bp.app_template_filter("job_kind")
def job_kind(kind: str) -> str:
    return str(JOB_KINDS.get(kind, kind))


@bp.app_template_filter("status_label")
def status_label(status: str) -> str:
    return str(STATUSES.get(status, status))


@bp.app_template_global("role_names")
def role_names() -> dict[str, str]:
    """Role code -> display name: diagrams label their lanes with the name."""
    return role_display_names()


@bp.app_template_global("url_with")
def url_with(**changes) -> str:
    """The current page's URL with some query arguments changed (None drops one)."""
    args = request.args.to_dict()
    args.update(changes)
    args = {k: v for k, v in args.items() if v not in (None, "")}
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def _may_deploy(user) -> bool:
    try:
        require_can_deploy(user)
    except Forbidden:
        return False
    return True


@bp.app_context_processor
def page_context() -> dict:
    """What the layout needs on every page: the person, the nav, the languages."""
    context = {
        "languages": current_app.config["LANGUAGES"],
        "current_locale": str(get_locale() or ""),
        "may_deploy": False,
        "sees_all": False,
    }
    if current_user.is_authenticated:
        context["may_deploy"] = _may_deploy(current_user)
        context["sees_all"] = has_global_scope(current_user)
    return context
