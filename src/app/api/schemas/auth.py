"""Signing in and out: a bearer token for a username and password, and its revocation."""

from __future__ import annotations

from pydantic import Field

from app.api.schemas.base import Answer, RequestBody


class TokenRequest(RequestBody):
    username: str
    password: str


class Token(Answer):
    token: str = Field(description="Send as `Authorization: Bearer <token>`.")
    username: str
    token_id: int = Field(description="Names the token on the account page.")
    expires_at: str = Field(
        json_schema_extra={"format": "date-time"},
        description="UTC; after it the token answers 401 (API_TOKEN_HOURS, 12 by default).",
    )


class Revoked(Answer):
    revoked: int = Field(description="How many tokens died.")
