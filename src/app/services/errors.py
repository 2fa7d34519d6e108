"""What a use case can refuse, each with the HTTP status the API answers with."""

from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: list | None = None):
        super().__init__(message)
        self.message = message
        self.details = details


class BadRequest(ServiceError):
    pass


class NotAuthenticated(ServiceError):
    status = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    """Also what someone gets for an object they may not see: its existence is not theirs."""

    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class ValidationFailed(ServiceError):
    status = 422
    code = "validation_failed"


class LintFailed(ServiceError):
    status = 400
    code = "lint_failed"
