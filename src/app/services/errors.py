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


class DatabaseUnavailable(ServiceError):
    """The database went away mid-request (a dropped connection, a failover, a restart).

    The transaction was rolled back, so nothing was saved; the same request may be sent
    again once the database answers.
    """

    status = 503
    code = "database_unavailable"

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or "数据库暂时不可用，本次操作未保存，请稍后重试 "
            "(the database is unavailable; nothing was saved, try again)"
        )
