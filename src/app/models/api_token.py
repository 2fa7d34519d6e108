"""Bearer tokens of the JSON API: stored as a digest, each with its end and its revocation.

A row per token (rather than a self-contained signed token) is what lets a token be
revoked one by one, all at once ("sign out everywhere"), or with its user's deactivation,
and lets it expire by the app's clock.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import User


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the token: a copy of the table does not hand out working tokens.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="raise_on_sql")
