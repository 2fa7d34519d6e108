"""Every API error is JSON: {"error": code, "message", "details"?}."""

from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException

from app.services.errors import ServiceError


def _answer(status: int, code: str, message: str, details=None):
    body = {"error": code, "message": message}
    if details is not None:
        body["details"] = details
    return jsonify(body), status


def json_service_error(exc: ServiceError):
    return _answer(exc.status, exc.code, exc.message, exc.details)


def json_http_error(exc: HTTPException):
    code = (exc.name or "error").lower().replace(" ", "_")
    return _answer(exc.code or 500, code, exc.description or exc.name)
