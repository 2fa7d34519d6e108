"""Language choice: Simplified Chinese unless the person switched to English."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session


def select_locale() -> str:
    """The session's choice (set by /lang/<code>), else `?lang=`, else the default (zh_Hans_CN).

    Outside a request (the CLI, workers) there is no choice to read: the default holds.
    """
    if has_request_context():
        chosen = session.get("lang") or request.args.get("lang")
        if chosen in current_app.config["LANGUAGES"]:
            return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]
