"""Small request helpers shared by the page modules: who acts, where to go back to."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import request, url_for
from flask_login import current_user

from app.models import User


def actor() -> User:
    """The signed-in person as the model object the services expect."""
    return current_user._get_current_object()


def local_path(target: str | None) -> str | None:
    """`target` when it stays on this site (a path), else None: no open redirects.

    Browsers read a backslash as "/" and drop tabs and line breaks, so "/\\evil" and
    "/\\t/evil" lead to "//evil", another site; a line break would also end the Location
    header. So: one "/" and then no "/" or backslash, no whitespace or control character
    anywhere, and none of these percent-encoded in the path either.
    """
    if not target or not target.startswith("/"):
        return None
    if _leaves_site(target) or _leaves_site(unquote(urlsplit(target).path)):
        return None
    return target.rstrip("?") or "/"


def _leaves_site(text: str) -> bool:
    return (
        text[1:2] == "/"
        or "\\" in text
        or any(char.isspace() or not char.isprintable() for char in text)
    )


def back_or(endpoint: str, **values) -> str:
    """The local `next` of the post (or the referring page), else `endpoint`'s URL."""
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url):
        referrer = "/" + referrer[len(request.host_url) :]
    return (
        local_path(request.form.get("next"))
        or local_path(request.args.get("next"))
        or local_path(referrer)
        or url_for(endpoint, **values)
    )
