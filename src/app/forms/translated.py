"""Findings about a form schema in the reader's language (English msgids, translated in
src/app/translations): the form editor and the deployment lint show them to people.

forms/ is also used outside an app that set up Flask-Babel (a bare test, a script):
there the message is the English msgid itself, never a crash.
"""

from __future__ import annotations

from flask import has_app_context
from flask_babel import gettext


def translated(msgid: str, **values) -> str:
    """`msgid` translated for the current request (Chinese by default), values filled in."""
    if has_app_context():
        try:
            return gettext(msgid, **values)
        except KeyError:  # an app without Flask-Babel
            pass
    return msgid % values if values else msgid
