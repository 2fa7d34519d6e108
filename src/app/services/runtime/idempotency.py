"""Replaying the first answer to an API write retried with the same Idempotency-Key."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import IdempotencyRecord, User
from app.services.foundation.clock import now
from app.services.foundation.errors import Conflict
from app.services.foundation.transaction import transactional


def replay(user: User, key: str, fingerprint: str) -> tuple[int, dict | list] | None:
    """The stored answer for this key, or None. Raises Conflict if the key was used for
    a different request."""
    record = db.session.get(IdempotencyRecord, (user.id, key))
    if record is None:
        return None
    if record.request_fingerprint != fingerprint:
        raise Conflict(_l("Key reused for a different request."))
    return record.status_code, record.body


@transactional
def remember(user: User, key: str, fingerprint: str, status: int, body: dict | list) -> None:
    db.session.add(
        IdempotencyRecord(
            user_id=user.id,
            key=key[:200],
            request_fingerprint=fingerprint[:300],
            status_code=status,
            body=body,
            created_at=now(),
        )
    )
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent retry stored it first; its answer stands
        db.session.rollback()
