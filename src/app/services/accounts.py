"""Signing in, by password (web) or by bearer token (API)."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Setting, User
from app.services.errors import NotAuthenticated

DEMO_PASSWORD = "demo"
TOKEN_SALT = "api-token"


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
        raise NotAuthenticated(
            "演示密码只能在演示模式下使用 (the demo password works only in demo mode)"
        )
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def issue_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id, "pw": user.password_hash[-12:]})


def user_from_token(token: str) -> User:
    """The user a bearer token names; a token dies with a password change or its age."""
    try:
        payload = _serializer().loads(token, max_age=current_app.config["API_TOKEN_MAX_AGE"])
    except SignatureExpired as exc:
        raise NotAuthenticated("令牌已过期 (token expired)") from exc
    except BadSignature as exc:
        raise NotAuthenticated("令牌无效 (invalid token)") from exc
    # Roles in the same statement: every API call asks what the caller may see.
    user = db.session.get(User, payload.get("uid"), options=[joinedload(User.roles)])
    if user is None or not user.active or user.password_hash[-12:] != payload.get("pw"):
        raise NotAuthenticated("令牌无效 (invalid token)")
    return user


def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id), options=[joinedload(User.roles)])
