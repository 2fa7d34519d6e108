"""Pages for people: server-rendered, Chinese by default.

Every page needs a signed-in person except the login page, the language switch and
static files; the blueprint checks that once, before each request, so no route can
forget it.
"""

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.web.navigation import local_path
from app.web.sessions import check_session

web_blueprint = Blueprint("web", __name__)

# Signing out while signed out is harmless, and must not leave a "sign in" notice behind.
PUBLIC_ENDPOINTS = {"web.login", "web.logout", "web.set_language", "static"}


@web_blueprint.before_request
def require_login():
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        if request.path != "/":  # the home page needs no explanation
            flash(_("Please sign in first."), "info")
        return redirect(url_for("web.login", next=local_path(request.full_path)))
    return check_session()


# The modules register their routes, filters and context on the blueprint.
from app.web import (  # noqa: E402
    filters,
    routes_account,
    routes_admin,
    routes_auth,
    routes_batch,
    routes_calendar,
    routes_campaigns,
    routes_control_totals,
    routes_county,
    routes_department,
    routes_diagrams,
    routes_documents,
    routes_forms,
    routes_heatmap,
    routes_inbox,
    routes_indicators,
    routes_instances,
    routes_modeler,
    routes_notifications,
    routes_rectification,
    routes_registry,
    routes_tasks,
    routes_tracking,
    routes_users,
    routes_versions,
)

__all__ = [
    "filters",
    "routes_account",
    "routes_admin",
    "routes_auth",
    "routes_batch",
    "routes_calendar",
    "routes_campaigns",
    "routes_control_totals",
    "routes_county",
    "routes_department",
    "routes_diagrams",
    "routes_documents",
    "routes_forms",
    "routes_heatmap",
    "routes_inbox",
    "routes_indicators",
    "routes_instances",
    "routes_modeler",
    "routes_notifications",
    "routes_rectification",
    "routes_registry",
    "routes_tasks",
    "routes_tracking",
    "routes_versions",
    "routes_users",
    "web_blueprint",
]
