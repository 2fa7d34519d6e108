"""The bell: in-app notifications (reminders, digests) and their unread count."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.services.tracking import reminders
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor


@bp.app_context_processor
def notifications_context() -> dict:
    if not current_user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": reminders.unread_count(current_user)}


@bp.get("/notifications")
def notifications():
    return render_template("notifications.html", notes=reminders.list_notifications(actor()))


@bp.post("/notifications/read")
def mark_notifications_read():
    reminders.mark_read(actor())
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("web.notifications"))
