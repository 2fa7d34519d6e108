"""GET /healthz for load balancers: no login, no session, JSON, outside /api.

A separate blueprint from the people's pages so that the login check never applies and
the probe never sets a cookie.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.services.health import check_database

health_blueprint = Blueprint("health", __name__)


@health_blueprint.get("/healthz")
def healthz():
    problem = check_database()
    if problem is None:
        return jsonify(status="ok", database="ok")
    return jsonify(status="unavailable", database="error", reason=problem), 503
