"""Language choice: Simplified Chinese unless the person switched to English."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session

# Programs, not browsers, call these: they say their language in Accept-Language.
# (A browser sends its own language with every page, so pages do not read the header:
# they stay Chinese until the person switches.)
API_PREFIXES = ("/api/", "/engine-rest/")


def select_locale() -> str:
    """The session's choice (set by /lang/<code>), else `?lang=`, else, for an API call,
    the best match of its Accept-Language, else the default (zh_Hans_CN).

    Outside a request (the CLI, workers) there is no choice to read: the default holds.
    """
    if has_request_context():
        languages = current_app.config["LANGUAGES"]
        chosen = session.get("lang") or request.args.get("lang")
        if chosen in languages:
            return chosen
        if request.path.startswith(API_PREFIXES) and request.accept_languages:
            asked = request.accept_languages.best_match(
                [code.replace("_", "-") for code in languages]
                + ["zh", "zh-CN", "zh-Hans", "en-US", "en-GB"]
            )
            if asked:
                return "en" if asked.lower().startswith("en") else "zh_Hans_CN"
    return current_app.config["BABEL_DEFAULT_LOCALE"]
