"""What a use case can refuse, each with the HTTP status the API answers with.

A refusal is a code (the class's `code`, what the API's `error` says) and a message to be
translated, never a fixed "中文 (English)" text. A service raises with the English msgid
and named values::

    raise NotFound(lazy_gettext("No approved project in %(year)s.", year=year))

and the text is rendered when it is shown, in the language of the request showing it:
Chinese by default, English after the switch (/lang/en) or, over the API, when the
client asks for it (web/i18n.py). The `error` code never changes with the language.
`english` gives the msgid with its values filled in, for log lines.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel.speaklater import LazyString


def render(text) -> str:
    """The text in the current request's language (a plain string stays as it is)."""
    return "" if text is None else str(text)


def english(text) -> str:
    """The untranslated msgid with its values, for logs: the same words whatever the
    reader's language."""
    if isinstance(text, LazyString) and text._func is gettext and text._args:
        msgid = text._args[0]
        return msgid % text._kwargs if text._kwargs else msgid
    return render(text)


def stored_text(text) -> str:
    """`text` (a lazy message) in the county's language, for what is kept and read later by
    anyone (a history comment, a job's reason): not in the language of whoever caused it."""
    from flask import current_app, has_app_context
    from flask_babel import force_locale

    if not has_app_context():
        return render(text)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return render(text)


def _rendered(details):
    """Details as JSON answers carry them, each message rendered now."""
    if details is None:
        return None
    out = []
    for item in details:
        if isinstance(item, dict):
            out.append(
                {key: render(v) if isinstance(v, LazyString) else v for key, v in item.items()}
            )
        else:
            out.append(render(item) if isinstance(item, LazyString) else item)
    return out


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message, details: list | None = None):
        super().__init__(message)
        self._message = message
        self._details = details

    @property
    def message(self) -> str:
        """What the person reads, in their language, rendered at the moment it is read."""
        return render(self._message)

    @property
    def details(self) -> list | None:
        return _rendered(self._details)

    @property
    def english(self) -> str:
        return english(self._message)

    def __str__(self) -> str:
        return self.message


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

    def __init__(self, message=None):
        from flask_babel import lazy_gettext

        super().__init__(
            message
            or lazy_gettext("The database is unavailable; nothing was saved. Try again shortly.")
        )
