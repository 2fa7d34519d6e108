"""Signing in and out: passwords, web sessions and API bearer tokens.

Both kinds of credential are a random key the client holds and whose SHA-256 digest is
a row here: `web_session` for the signed session cookie, `api_token` for a bearer
token. A row can be ended on its own (signing out, revoking a token) or with all of its
user's (a new password, deactivation, "sign out everywhere"), and the check costs no
extra statement: the row is read in one statement with its user, org and roles.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import ApiToken, Setting, User, WebSession
from app.models.org import ACTING, password_hash_method
from app.services.accounts.acting import acting_user, with_caller
from app.services.accounts.passwords import password_problems
from app.services.foundation.clock import now
from app.services.foundation.errors import BadRequest, Forbidden, NotAuthenticated, NotFound
from app.services.foundation.transaction import transactional

DEMO_PASSWORD = "demo"


def demo_mode() -> bool:
    """Demo mode follows `init-db --demo` unless DEMO_MODE in the config says otherwise."""
    configured = current_app.config.get("DEMO_MODE")
    if configured is not None:
        return bool(configured)
    setting = db.session.get(Setting, "demo")
    return bool(setting and setting.value)


@cache
def _stand_in_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def authenticate(username: str, password: str) -> User:
    """The user with these credentials. Raises NotAuthenticated with one message for all
    failures, so that it never tells which usernames exist.

    Neither does the time it takes: an unknown username's password is checked against a
    stand-in hash of the same method, and an inactive account's against its own, so
    every sign-in costs one password hash (scrypt's tens of milliseconds would otherwise
    tell an unknown name from a known one).
    """
    name = (username or "").strip()
    # A NUL names nobody, and PostgreSQL refuses it in a query.
    user = (
        None
        if "\x00" in name
        else db.session.scalar(select(User).where(User.username == name).options(*ACTING))
    )
    stored = user.password_hash if user is not None else _stand_in_hash(password_hash_method())
    matches = check_password_hash(stored, password or "")
    if user is None or not user.active or not matches:
        raise NotAuthenticated(_("Wrong username or password."))
    if password == DEMO_PASSWORD and not demo_mode():
        # Not a forced change: anyone knows this password, so it opens nothing at all.
        raise NotAuthenticated(
            _(
                "The demo password works only in demo mode; "
                "ask an administrator to set a new password for this account."
            )
        )
    return user


@transactional
def sign_in(username: str, password: str) -> User:
    """`authenticate`, then flag a password that falls short of today's policy for change
    (the demo accounts' password in demo mode excepted). Raises NotAuthenticated."""
    user = authenticate(username, password)
    exempt = password == DEMO_PASSWORD and demo_mode()
    if not user.must_change_password and not exempt and password_problems(password, user.username):
        user.must_change_password = True
    return user


def set_password(user: User, password: str, chosen_by_user: bool) -> None:
    """Give `user` a new password under the policy; ends their sessions and tokens.

    A password someone else chose must be changed by its owner at next sign-in.
    Raises BadRequest naming every rule the password breaks.
    """
    problems = password_problems(password, user.username)
    if problems:
        raise BadRequest("；".join(problems), details=problems)
    user.set_password(password)
    user.must_change_password = not chosen_by_user
    user.password_changed_at = now()
    if user.id is not None:  # a new account has neither sessions nor tokens yet
        end_sessions_and_tokens(user)


@transactional
def assign_password(username: str, password: str) -> User:
    """Set an account's password from the server's command line (`flask set-password`),
    e.g. to open the demo accounts outside demo mode; the owner must change it at next
    sign-in. Raises NotFound, BadRequest (policy)."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        raise NotFound(_("There is no user “%(name)s”.", name=username))
    set_password(user, password, chosen_by_user=False)
    return user


@transactional
def change_password(user: User, current: str, new: str) -> User:
    """The user replaces their own password. Raises NotAuthenticated (wrong current
    password) or BadRequest (policy, or the same password again)."""
    user = db.session.get(User, user.id)
    if not user.check_password(current or ""):
        raise NotAuthenticated(_("The current password is wrong."))
    if new == current:
        raise BadRequest(_("Choose a password you do not use now."))
    set_password(user, new or "", chosen_by_user=True)
    return user


def end_sessions_and_tokens(user: User) -> int:
    """Every web session of `user` ends at its next request and every API token dies.
    Returns how many tokens were revoked."""
    db.session.execute(
        delete(WebSession)
        .where(WebSession.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


@transactional
def sign_out_everywhere(user: User) -> int:
    """End all of the user's sessions (this one too) and revoke all their API tokens.
    Returns how many tokens were revoked."""
    return end_sessions_and_tokens(db.session.get(User, user.id))


@transactional
def open_session(user: User) -> str:
    """A new web session for `user` (signing in); returns its key, which only the signed
    cookie carries. The user's sessions that have outlived SESSION_MAX_AGE go, so the
    table holds about one row per signed-in browser."""
    moment = now()
    db.session.execute(
        delete(WebSession)
        .where(WebSession.user_id == user.id, WebSession.expires_at <= moment)
        .execution_options(synchronize_session=False)
    )
    key = secrets.token_urlsafe(32)
    db.session.add(
        WebSession(
            user_id=user.id,
            digest=_digest(key),
            created_at=moment,
            expires_at=moment + timedelta(seconds=current_app.config["SESSION_MAX_AGE"]),
        )
    )
    user.session_key = key
    return key


@transactional
def end_session(key: str | None) -> None:
    """Sign out: the session's row goes, so no copy of its cookie opens anything."""
    if key:
        db.session.execute(
            delete(WebSession)
            .where(WebSession.digest == _digest(key))
            .execution_options(synchronize_session=False)
        )


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: the user of a cookie's "<user id>.<session key>", while the
    session's row exists and the account is active. One statement reads the session, the
    user, their org and roles (every page asks what the person may see)."""
    user_id, _, key = str(session_id).partition(".")
    if not key:
        return None
    rows = db.session.execute(_SESSION_WITH_CALLER, {"digest": _digest(key)}).all()
    user = acting_user(rows)
    if user is None or str(user.id) != user_id or not user.active:
        return None
    user.session_key = key
    return user


def session_expired(signed_in_at: datetime | None, last_seen: datetime | None) -> bool:
    """Whether a web session is over: too long since sign-in, or idle too long."""
    if signed_in_at is None or last_seen is None:
        return True
    config, moment = current_app.config, now()
    return moment - signed_in_at > timedelta(seconds=config["SESSION_MAX_AGE"]) or (
        moment - last_seen > timedelta(seconds=config["SESSION_IDLE_MAX"])
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transactional
def issue_token(user: User) -> tuple[str, ApiToken]:
    """A new bearer token for `user` (the string is shown once; only its digest is kept).

    Raises Forbidden while the user must still choose their own password.
    """
    if user.must_change_password:
        raise Forbidden(_("Change your password on the web first, then ask for a token."))
    moment = now()
    # The user's dead tokens go as new ones come, so the table stays small.
    db.session.execute(
        delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at < moment)
    )
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        digest=_digest(token),
        created_at=moment,
        expires_at=moment + timedelta(seconds=current_app.config["API_TOKEN_MAX_AGE"]),
    )
    db.session.add(row)
    db.session.flush()
    return token, row


def user_from_token(token: str) -> User:
    """The user a live bearer token belongs to. Raises NotAuthenticated.

    One statement reads the token with its user, their org and roles: every API call
    asks what the caller may see."""
    rows = db.session.execute(_TOKEN_WITH_CALLER, {"digest": _digest(token)}).all()
    user = acting_user(rows)
    if user is None or not user.active:
        raise NotAuthenticated(_("Invalid token."))
    revoked_at, expires_at = rows[0][:2]
    if revoked_at is not None:
        raise NotAuthenticated(_("The token was revoked."))
    if expires_at <= now():
        raise NotAuthenticated(_("The token has expired."))
    return user


_TOKEN_WITH_CALLER = with_caller(ApiToken, ApiToken.revoked_at, ApiToken.expires_at)
_SESSION_WITH_CALLER = with_caller(WebSession)


@transactional
def revoke_presented_token(token: str) -> ApiToken:
    """Revoke the token the caller signs with (an API client signing out)."""
    user_from_token(token)  # refused as any call with it would be
    row = db.session.scalar(select(ApiToken).where(ApiToken.digest == _digest(token)))
    row.revoked_at = now()
    return row


def live_tokens(user: User) -> list[ApiToken]:
    """The user's tokens that still open the API, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > now(),
            )
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


@transactional
def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens. Raises NotFound for anyone else's."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(_("There is no token %(id)s.", id=token_id))
    if row.revoked_at is None:
        row.revoked_at = now()
    return row
