"""Idempotency-Key on API writes: a retried request gets the first answer, not a second effect."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from flask import jsonify, request

from app.api.auth import api_user
from app.services import idempotency


def idempotent(view: Callable) -> Callable:
    """Wrap a view returning (body, status). Without the header it just runs."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            body, status = view(*args, **kwargs)
            return jsonify(body), status
        fingerprint = (
            f"{request.method} {request.path} " + hashlib.sha256(request.get_data()).hexdigest()
        )
        stored = idempotency.replay(api_user(), key, fingerprint)
        if stored is not None:
            status, body = stored
            return jsonify(body), status
        body, status = view(*args, **kwargs)
        idempotency.remember(api_user(), key, fingerprint, status, body)
        return jsonify(body), status

    return wrapper
