"""Whether this host can serve: what a load balancer asks before sending it people."""

from __future__ import annotations

from sqlalchemy import text

from app.extensions import db


def check_database() -> str | None:
    """None when the database answers a trivial query, else the reason it did not.

    Read-only and outside `@transactional`: a probe must not take locks or commit, and a
    failed probe rolls its own session back so the next request starts clean.
    """
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
        return None
    except Exception as exc:  # any driver or pool failure means "not ready"
        db.session.rollback()
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
