"""The time services see. Tests move it instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, has_app_context


def now() -> datetime:
    """Naive UTC now; `app.config["CLOCK"]`, when set, is a callable that decides it."""
    if has_app_context():
        clock = current_app.config.get("CLOCK")
        if clock is not None:
            return clock()
    return datetime.now(UTC).replace(tzinfo=None)
