"""HTTP hardening wired by create_app(): security headers with a strict Content Security
Policy (Flask-Talisman), throttled sign-in (Flask-Limiter), and the client's own address
when nginx stands in front.

The CSP lets a page run and style only what the app itself serves: no inline script, no
inline style attribute, no CDN (county intranets have none anyway). Data for scripts
travels in `<script type="application/json">` blocks, which are never executed.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request
from flask_babel import gettext
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman
from limits import parse
from werkzeug.middleware.proxy_fix import ProxyFix

from app.extensions import limiter

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # bpmn-js draws its markers and icons with data: URIs.
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def framed_by_own_pages(view: Callable) -> Callable:
    """Let the app's own pages show this view in a frame (the form editor's preview);
    every other page keeps refusing to be framed by anyone."""
    view.talisman_view_options = {  # read by Talisman for this endpoint's answers
        "frame_options": "SAMEORIGIN",
        "content_security_policy": {**CONTENT_SECURITY_POLICY, "frame-ancestors": "'self'"},
    }
    return view


def init_security(app: Flask) -> None:
    count = app.config["PROXY_COUNT"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    limiter.init_app(app)
    # Only the sign-in views are throttled, and their decorators check their own limits
    # (Flask-Limiter's wrapper runs the check in the view). The hook init_app adds would
    # resolve limits for every other request, and find none: a tenth of a millisecond a
    # request, more than a task completion's audit row costs.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    # One Talisman per app (not an unbound extension): it keeps the app it serves.
    # Cookies are set by the app's own SESSION_COOKIE_* settings, so Talisman leaves them.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=False,  # nginx redirects to HTTPS; `make run` serves loopback HTTP
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        session_cookie_secure=False,
        session_cookie_http_only=app.config["SESSION_COOKIE_HTTPONLY"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )


def _attempted_account() -> str:
    form = request.get_json(silent=True) if request.is_json else request.form
    name = form.get("username") if hasattr(form, "get") else None
    return "account:" + str(name or "").strip().lower()


def _failed(response) -> bool:
    return response.status_code == 401


def _refusal(setting: str) -> Callable[[], str]:
    """The 429's message, in the language of the request refused."""

    def message() -> str:
        limit = parse(current_app.config[setting])
        values = {"minutes": max(1, limit.get_expiry() // 60), "count": limit.amount}
        if setting == "LOGIN_LIMIT_PER_ACCOUNT":
            return gettext(
                "Too many failed sign-ins for this account (%(count)s in %(minutes)s minutes): "
                "try again in %(minutes)s minutes.",
                **values,
            )
        return gettext(
            "Too many failed sign-ins from this address (%(count)s in %(minutes)s minutes): "
            "try again in %(minutes)s minutes.",
            **values,
        )

    return message


def throttle_sign_in(view: Callable) -> Callable:
    """Refuse sign-in with 429 after too many failures for one account or from one address.

    Only failures (401) count, so people who sign in often are never slowed; the web
    login and the API token share the counts, so neither doubles an attacker's tries.
    """
    for setting, scope, key in (
        ("LOGIN_LIMIT_PER_ACCOUNT", "sign-in-account", _attempted_account),
        ("LOGIN_LIMIT_PER_ADDRESS", "sign-in-address", get_remote_address),
    ):
        view = limiter.shared_limit(
            lambda setting=setting: current_app.config[setting],
            scope=scope,
            key_func=key,
            methods=["POST"],
            deduct_when=_failed,
            error_message=_refusal(setting),
        )(view)
    return view
