"""Every API error is JSON: {"error": code, "message", "details"?}."""

from __future__ import annotations

from flask import current_app, jsonify
from flask_babel import gettext
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.services.foundation.errors import DatabaseUnavailable, ServiceError


def _answer(status: int, code: str, message: str, details=None):
    body = {"error": code, "message": message}
    if details is not None:
        body["details"] = details
    return jsonify(body), status


def json_service_error(exc: ServiceError):
    return _answer(exc.status, exc.code, exc.message, exc.details)


def json_http_error(exc: HTTPException):
    code = (exc.name or "error").lower().replace(" ", "_")
    if exc.code == 413:  # werkzeug's wording does not say what the limit is
        limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        message = gettext("The request is larger than the limit of %(limit)s MB.", limit=limit)
        return _answer(413, code, message)
    return _answer(exc.code or 500, code, exc.description or exc.name)


def json_any_error(exc: Exception):
    """The API blueprint's handler: a client of a JSON API never gets an HTML page.

    Registered on the blueprint for Exception, it is found before the app's handlers,
    so it answers service and HTTP errors the same way they do.
    """
    if isinstance(exc, ServiceError):
        return json_service_error(exc)
    if isinstance(exc, HTTPException):
        return json_http_error(exc)
    if isinstance(exc, OperationalError):  # a read outside any transaction lost the database
        current_app.logger.warning("database unavailable: %s", exc)
        return json_service_error(DatabaseUnavailable())
    current_app.logger.exception("unexpected error in the API")
    return _answer(500, "internal_error", gettext("Internal server error."))
