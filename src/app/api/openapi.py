"""The OpenAPI 3.1 description of JSON API v1, served at /api/v1/openapi.json.

Made, not written: the shapes are the pydantic models of api/schemas/ (the same ones the
handlers read their bodies with), the operations the route table of api/operations.py.
This module adds what surrounds them: the title and description, the bearer scheme, the
Idempotency-Key header and the answers several operations share. tests/api checks that
every route of the blueprint has its row and that real answers fit the document.
"""

from __future__ import annotations

from typing import Any

from app.api.operations import OPERATIONS
from app.api.schemas.operation import document, error

_BINARY = {"schema": {"type": "string", "format": "binary"}}
_PDF_OR_XLSX = {
    "application/pdf": _BINARY,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _BINARY,
}

FRAME: dict[str, Any] = {
    "openapi": "3.1.0",
    "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
    "info": {
        "title": "Performance budgeting approvals — JSON API",
        "version": "1.0.0",
        "description": "Start submissions, work the inbox, track where every submission "
        "waits, and deploy process versions. Objects the caller may not see answer 404. "
        "Errors are JSON {error, message, details?}.",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from POST /auth/token; it expires after "
                "API_TOKEN_HOURS (12 by default), and dies when revoked (DELETE /auth/token, "
                "DELETE /auth/tokens, the account page), when the password changes, or when "
                "the account is deactivated.",
            }
        },
        "parameters": {
            "IdempotencyKey": {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Any unique string per intended write. A retry with the same "
                "key and body gets the first answer again without a second effect; the "
                "same key with another body answers 409.",
                "schema": {"type": "string", "maxLength": 200},
            }
        },
        "responses": {
            "Unauthorized": error("Missing, invalid or expired bearer token"),
            "IdempotencyConflict": error("The Idempotency-Key was used for a different request"),
            "Document": {
                "description": "The document as an A4 PDF (its CJK font embedded) or as an "
                "Excel workbook holding the same, sent as an attachment named after it",
                "content": _PDF_OR_XLSX,
            },
            "DepartmentDocument": {
                "description": "The form as an A4 PDF (CJK font embedded) or an Excel workbook",
                "content": _PDF_OR_XLSX,
            },
        },
    },
}

OPENAPI: dict[str, Any] = document(OPERATIONS, FRAME)
