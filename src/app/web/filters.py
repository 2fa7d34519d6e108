"""Jinja filters and page context: how people write numbers, times and labels.

Times are stored as naive UTC; Flask-Babel converts them to the county's zone
(BABEL_DEFAULT_TIMEZONE, Asia/Shanghai by default). Rates are shown as percentages
with one decimal, amounts in 万元 with two decimals and thousands separators, periods
in words ("10个工作日"), never as the ratio, float or ISO duration they are stored as.
Rates and amounts are written by services/foundation/document_format.py, as documents and
e-mails write them, so a figure reads the same on the page and on paper.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app, g, request, url_for
from flask_babel import format_datetime, get_locale, lazy_gettext, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from app.models.task import status_label as model_status_label
from app.services.foundation import document_format as fmt
from app.services.foundation.clock import now
from app.services.foundation.errors import Forbidden
from app.services.foundation.policy import has_global_scope, org_of, require_can_deploy, roles_of
from app.services.runtime.instances import startable_processes
from app.services.tracking.submissions import role_names as role_display_names
from app.web.blueprint import web_blueprint as bp

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
    "withdrawn": lazy_gettext("Withdrawn by its timer"),
    "timer_fired": lazy_gettext("Timer"),
    "message_received": lazy_gettext("Message received"),
    "message_sent": lazy_gettext("Message sent"),
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
    "withdraw_task": lazy_gettext("Timer withdrawal"),
    "fire_timer": lazy_gettext("Timer"),
    "external_task": lazy_gettext("External task"),
}


@bp.app_template_filter("dt")
def format_time(value: datetime | str | None, with_time: bool = True) -> str:
    """A stored time (naive UTC, or its ISO text as settings keep it) in the county's zone."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value or "—"
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


@bp.app_template_filter("period")
def period(value: timedelta | None) -> str:
    """A due period in words ("10个工作日"): days count working days."""
    if value is None:
        return "—"
    days, seconds = value.days, value.seconds
    parts = []
    if days:
        parts.append(ngettext("%(num)d working day", "%(num)d working days", days))
    if seconds // 3600:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", seconds // 3600))
    if not parts:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", seconds // 60))
    if len(parts) == 1:
        return parts[0]
    return _("%(first)s %(second)s", first=parts[0], second=parts[1])


# The ISO 8601 durations diagrams carry (dueIn "P10D", a timer "PT4H"); years and
# months have no fixed length and are left as written.
ISO_PERIOD = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")


@bp.app_template_filter("iso_period")
def iso_period(text: str | None) -> str:
    """ "P10D" in words ("10个工作日"), as the steps table says it."""
    if not text:
        return "—"
    match = ISO_PERIOD.match(text.strip())
    if match is None or not any(match.groups()):
        return text
    weeks, days, hours, minutes = (int(part or 0) for part in match.groups())
    return period(timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes))


def _number(value) -> float | None:
    """The value as a finite number, else None (text, booleans, nothing)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):  # WTForms' number fields hold Decimals
        value = float(value)
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return value


@bp.app_template_filter("percent")
def percent(value) -> str:
    """A ratio as people write a rate: 0.02667 -> "2.7%"."""
    number = _number(value)
    return "—" if number is None else fmt.percent(number)


@bp.app_template_filter("amount")
def amount(value) -> str:
    """An amount in 万元 as a ledger writes it: 1234.5 -> "1,234.50"."""
    number = _number(value)
    return "—" if number is None else fmt.amount(number)


@bp.app_template_filter("figure")
def figure(value) -> str:
    """Any other number with at most two decimals and no trailing zeros: 10.6667 -> "10.67"."""
    number = _number(value)
    if number is None:
        return "—" if value is None else str(value)
    if isinstance(number, int) or float(number).is_integer():
        return str(int(number))
    return f"{number:.2f}".rstrip("0").rstrip(".")


# A form field holds a rate when its key or title says so (the shipped forms store
# 预算执行率 and 序时进度 as ratios), an amount when its title is in 万元; a title in
# "%" holds a percentage already and is written as any other number.
RATE_KEY = re.compile(r"(?:^|_)(?:rate|ratio|progress)$")
RATE_TITLE = re.compile(r"率|序时进度")


def _measure(key: str, title: str) -> str | None:
    """ "rate", "amount" or None (any other number), from the field's key and title."""
    title = title or ""
    if "%" in title or "％" in title:
        return None
    if RATE_KEY.search(key or "") or RATE_TITLE.search(title):
        return "rate"
    return "amount" if "万元" in title else None


def field_figure(key: str, title: str, value) -> str | None:
    """How a form's number reads: a rate as a percentage, an amount in 万元, any other
    with at most two decimals. None when the value is not a number (text is left as it is,
    even text of digits: a code "001" is not a number)."""
    if isinstance(value, str) or _number(value) is None:
        return None
    measure = _measure(key, title)
    if measure == "rate":
        return percent(value)
    return amount(value) if measure == "amount" else figure(value)


# A warning light's colour from its code ("red") or the title a form gives it ("红灯").
LIGHT_WORDS = fmt.LIGHT_WORDS


@bp.app_template_filter("light_colour")
def light_colour(value) -> str | None:
    """The colour class of a warning light, so that it shows as a coloured badge."""
    if not isinstance(value, str):
        return None
    if value in LIGHT_WORDS:
        return value
    return next((code for code, word in LIGHT_WORDS.items() if value.startswith(word)), None)


@bp.app_template_global("readonly_text")
def readonly_text(node, value) -> str:
    """A value a step may not change, as text: option titles for codes, numbers as
    people write them (a greyed-out input reads as broken, and hides long text)."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):  # as forms/display.py says it, in the reader's language
        if node.choices:
            return node.choice_title(value)
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return _(", ").join(node.choice_title(v) if node.choices else str(v) for v in value)
    if node.choices:
        return node.choice_title(value)
    return field_figure(node.key, node.title, value) or str(value)


# How forms/display.py writes a stored number ("0.02666666666666667", "120.5").
NUMBER_TEXT = re.compile(r"^-?\d+(?:\.\d+)?(?:e-?\d+)?$")


@bp.app_template_filter("shown")
def shown(item) -> str:
    """A submitted value's text (forms/display.py) with its number written as people do.
    Text that merely looks like a whole number ("001", a year) stays as written unless
    the field is a rate or an amount."""
    text = item.text
    if not NUMBER_TEXT.match(text or ""):
        return text
    number = float(text)
    if _measure(item.key, item.title) is None and number.is_integer():
        return text
    return field_figure(item.key, item.title, number) or text


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
    return model_status_label(status)


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
        "may_start": lambda: False,
    }
    if current_user.is_authenticated:
        context["may_deploy"] = _may_deploy(current_user)
        context["sees_all"] = has_global_scope(current_user)
        context["may_start"] = _may_start
        # The header names the person's org and roles (read here, before the page's own
        # queries may have read their row again without them).
        context["acting_org"] = org_of(current_user)
        context["acting_roles"] = roles_of(current_user)
    return context


def _may_start() -> bool:
    """Whether the person may start any process: else no 发起 is offered (gov, congress,
    experts and administrators start nothing). Asked once per request, where shown."""
    if "may_start" not in g:
        g.may_start = bool(startable_processes(current_user))
    return g.may_start
