"""Idempotency-Key on API writes: a retried request gets the first answer, not a second effect."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable

from flask import jsonify, request

from app import params
from app.api.auth import api_user
from app.forms.documents import DocumentError, load_document
from app.services.runtime import idempotency

MAX_KEY_LENGTH = 200


def idempotent(view: Callable) -> Callable:
    """Wrap a view returning (body, status). Without the header it just runs."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            body, status = view(*args, **kwargs)
            return jsonify(body), status
        params.checked_text(key, "Idempotency-Key", max_length=MAX_KEY_LENGTH)
        fingerprint = f"{request.method} {request.path} {_request_digest()}"
        stored = idempotency.replay(api_user(), key, fingerprint)
        if stored is not None:
            status, body = stored
            return jsonify(body), status
        body, status = view(*args, **kwargs)
        idempotency.remember(api_user(), key, fingerprint, status, body)
        return jsonify(body), status

    return wrapper


def _request_digest() -> str:
    """What makes two requests "the same": their meaning, not their bytes.

    A retry may re-serialise its JSON with other key order or spacing, and a multipart
    upload is re-sent with a new random boundary; neither makes it a different request.
    """
    digest = hashlib.sha256()
    if request.mimetype == "multipart/form-data":
        # A part whose name the parser could not read comes back named None.
        fields = sorted(request.form.items(multi=True), key=lambda item: (item[0] or "", item[1]))
        for name, value in fields:
            digest.update(json.dumps(["field", name, value]).encode())
        files = sorted(
            request.files.items(multi=True),
            key=lambda item: (item[0] or "", item[1].filename or ""),
        )
        for name, storage in files:
            content = storage.read()
            storage.seek(0)
            file_hash = hashlib.sha256(content).hexdigest()
            digest.update(json.dumps(["file", name, storage.filename, file_hash]).encode())
        return digest.hexdigest()
    try:  # the view refuses a body that is not JSON; until then its bytes identify it
        body = load_document(request.get_data(cache=True)) if request.is_json else None
    except DocumentError:
        body = None
    if body is not None:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest.update(canonical.encode("utf-8", "surrogatepass"))
    else:
        digest.update(request.get_data())
    return digest.hexdigest()
