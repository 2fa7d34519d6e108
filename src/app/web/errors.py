"""Error pages for people: the status code, a title in their language, what went wrong."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.services.foundation.errors import ServiceError

TITLES = {
    400: lazy_gettext("The request cannot be handled"),
    401: lazy_gettext("Please sign in"),
    403: lazy_gettext("Not allowed"),
    404: lazy_gettext("Not found"),
    405: lazy_gettext("Method not allowed"),
    409: lazy_gettext("Already handled or held by someone else"),
    413: lazy_gettext("File too large"),
    422: lazy_gettext("The form has errors"),
    429: lazy_gettext("Too many attempts"),
    503: lazy_gettext("Temporarily unavailable"),
}
MESSAGES = {
    404: lazy_gettext("The page does not exist, or you may not see it."),
    405: lazy_gettext("This address does not accept that kind of request."),
    413: lazy_gettext("The upload is larger than the server accepts."),
}
CSRF_MESSAGE = lazy_gettext(
    "The form had expired or did not come from this site. Go back, reload the page and try again."
)


def _page(status: int, message: str):
    title = TITLES.get(status, lazy_gettext("Something went wrong"))
    return render_template("errors.html", status=status, title=title, message=message), status


def html_service_error(exc: ServiceError):
    return _page(exc.status, exc.message)


def html_http_error(exc: HTTPException):
    if exc.code is None or exc.code < 400:  # a redirect raised as an exception: let it be
        return exc
    if isinstance(exc, CSRFError):
        return _page(400, str(CSRF_MESSAGE))
    message = MESSAGES.get(exc.code)
    return _page(exc.code, str(message) if message else exc.description or "")
