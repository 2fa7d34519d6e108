"""Bearer-token authentication for the API."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import g, request
from flask_babel import lazy_gettext as _l

from app.models import User
from app.services.accounts.credentials import user_from_token
from app.services.foundation.errors import NotAuthenticated


def api_login_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated(_l("Send the header Authorization: Bearer <token>."))
        g.api_token = token.strip()
        g.api_user = user_from_token(g.api_token)
        return view(*args, **kwargs)

    return wrapper


def api_user() -> User:
    return g.api_user


def api_token() -> str:
    """The bearer token the request was signed with."""
    return g.api_token
