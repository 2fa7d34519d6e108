"""Answers already given to API writes, so a retried request with the same key is harmless."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class IdempotencyRecord(db.Model):
    __tablename__ = "idempotency_record"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_fingerprint: Mapped[str] = mapped_column(String(300))
    status_code: Mapped[int]
    body: Mapped[dict | list] = mapped_column(JSON)
    created_at: Mapped[datetime]
