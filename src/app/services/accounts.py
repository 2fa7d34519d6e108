"""Signing in and out: passwords, web sessions and API bearer tokens.

A web session keeps the user's id and session generation (`User.get_id`); raising the
generation ends every session of that user at their next request. An API token is a
random string whose SHA-256 digest is a row of `api_token`, so it can expire by the
app's clock and be revoked one by one or all at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import ApiToken, Setting, User
from app.services.clock import now
from app.services.errors import BadRequest, Forbidden, NotAuthenticated, NotFound
from app.services.passwords import password_problems
from app.services.transaction import transactional

DEMO_PASSWORD = "demo"


def demo_mode() -> bool:
    """Demo mode follows `init-db --demo` unless DEMO_MODE in the config says otherwise."""
    configured = current_app.config.get("DEMO_MODE")
    if configured is not None:
        return bool(configured)
    setting = db.session.get(Setting, "demo")
    return bool(setting and setting.value)


def authenticate(username: str, password: str) -> User:
    """The user with these credentials. Raises NotAuthenticated with one message for all
    failures, so that it never tells which usernames exist."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    refused = NotAuthenticated("用户名或密码错误 (wrong username or password)")
    if user is None or not user.active or not user.check_password(password or ""):
        raise refused
    if password == DEMO_PASSWORD and not demo_mode():
        # Not a forced change: anyone knows this password, so it opens nothing at all.
        raise NotAuthenticated(
            "演示密码只能在演示模式下使用，请管理员为该账号设置新密码 "
            "(the demo password works only in demo mode; ask an administrator for a new one)"
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
        raise NotFound(f"用户“{username}”不存在 (no such user)")
    set_password(user, password, chosen_by_user=False)
    return user


@transactional
def change_password(user: User, current: str, new: str) -> User:
    """The user replaces their own password. Raises NotAuthenticated (wrong current
    password) or BadRequest (policy, or the same password again)."""
    user = db.session.get(User, user.id)
    if not user.check_password(current or ""):
        raise NotAuthenticated("当前密码不正确 (the current password is wrong)")
    if new == current:
        raise BadRequest("新密码不能与当前密码相同 (choose a password you do not use now)")
    set_password(user, new or "", chosen_by_user=True)
    return user


def end_sessions_and_tokens(user: User) -> int:
    """Every web session of `user` ends at its next request and every API token dies.
    Returns how many tokens were revoked."""
    user.session_generation = (user.session_generation or 0) + 1
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


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: the user of a session id "<id>.<generation>", while the
    generation is current and the account active."""
    user_id, _, generation = session_id.partition(".")
    if not user_id.isdigit() or not generation.isdigit():
        return None
    user = db.session.get(User, int(user_id), options=[joinedload(User.roles)])
    if user is None or not user.active or user.session_generation != int(generation):
        return None
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
        raise Forbidden("请先在网页上修改密码，再申请令牌 (change your password on the web first)")
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


def _token_row(token: str) -> ApiToken:
    # The user and their roles in the same statement: every API call asks what the
    # caller may see.
    row = db.session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user).joinedload(User.roles))
        .where(ApiToken.digest == _digest(token))
    )
    if row is None or not row.user.active:
        raise NotAuthenticated("令牌无效 (invalid token)")
    if row.revoked_at is not None:
        raise NotAuthenticated("令牌已撤销 (token revoked)")
    if row.expires_at <= now():
        raise NotAuthenticated("令牌已过期 (token expired)")
    return row


def user_from_token(token: str) -> User:
    """The user a live bearer token belongs to. Raises NotAuthenticated."""
    return _token_row(token).user


@transactional
def revoke_presented_token(token: str) -> ApiToken:
    """Revoke the token the caller signs with (an API client signing out)."""
    row = _token_row(token)
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
        raise NotFound(f"令牌 {token_id} 不存在 (no such token)")
    if row.revoked_at is None:
        row.revoked_at = now()
    return row
