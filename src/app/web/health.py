"""GET /healthz for load balancers: no login, no session, JSON, outside /api; and
GET /favicon.ico, which browsers and bookmarks ask for at the root whatever the page links.

A separate blueprint from the people's pages so that the login check never applies and
neither answer sets a cookie.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, send_from_directory

from app.services.operations.health import check_database

health_blueprint = Blueprint("health", __name__)


@health_blueprint.get("/healthz")
def healthz():
    problem = check_database()
    if problem is None:
        return jsonify(status="ok", database="ok")
    return jsonify(status="unavailable", database="error", reason=problem), 503


@health_blueprint.get("/favicon.ico")
def favicon():
    """The icon at the address browsers try first (pages link static/favicon.svg too)."""
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400
    )
