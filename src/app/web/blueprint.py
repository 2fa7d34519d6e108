"""The blueprint of the pages for people, which every route module of web/ registers on.

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
