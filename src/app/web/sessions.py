"""The web session's life: started at sign-in, ended by signing out, age or idleness.

The session cookie is signed, HttpOnly, SameSite=Lax and Secure outside loopback HTTP
(config.py). Through Flask-Login it carries the key of a server-side session row
(accounts.open_session), so ending a session on the server ends every copy of its
cookie. It also keeps when the session began and when it was last used, by the app's
clock, so expiry is decided by the same clock the tests move.
"""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.models import User
from app.services.accounts import credentials as accounts
from app.services.foundation.clock import now
from app.web.navigation import local_path

# Writing the session on every request would send a new cookie with every answer.
LAST_SEEN_RESOLUTION = 60  # seconds

# Where someone who must change their password may still go.
WHILE_CHANGING_PASSWORD = {
    "web.account",
    "web.change_password",
    "web.sign_out_everywhere",
    "web.logout",
    "web.set_language",
}


def start_session(user: User) -> None:
    """Sign `user` in on a fresh session with a new key (only the language choice carries
    over), so that no session id chosen before sign-in survives it; a session this
    browser had before ends on the server too."""
    if current_user.is_authenticated:
        accounts.end_session(current_user.session_key)
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    session.permanent = True  # the cookie itself ends with SESSION_HOURS too
    accounts.open_session(user)
    login_user(user)
    session["signed_in_at"] = session["last_seen"] = now().isoformat()


def end_session() -> None:
    """Sign out here: the server forgets the session, then the browser its cookie."""
    if current_user.is_authenticated:
        accounts.end_session(current_user.session_key)
    logout_user()
    session.pop("signed_in_at", None)
    session.pop("last_seen", None)


def _read(key: str) -> datetime | None:
    try:
        return datetime.fromisoformat(session.get(key, ""))
    except (TypeError, ValueError):
        return None


def check_session():
    """Before each page: end an expired session; keep someone who must change their
    password on the account page. Returns a redirect, or None to go on."""
    if not current_user.is_authenticated:
        return None
    last_seen = _read("last_seen")
    if accounts.session_expired(_read("signed_in_at"), last_seen):
        end_session()
        session.clear()
        flash(_("Your session has ended. Please sign in again."), "info")
        return redirect(url_for("web.login", next=local_path(request.full_path)))
    moment = now()
    if last_seen is None or (moment - last_seen).total_seconds() >= LAST_SEEN_RESOLUTION:
        session["last_seen"] = moment.isoformat()
    if current_user.must_change_password and request.endpoint not in WHILE_CHANGING_PASSWORD:
        flash(_("Choose a new password of your own before going on."), "info")
        return redirect(url_for("web.account"))
    return None
