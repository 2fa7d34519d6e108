"""A round the finance bureau launches: one submission per project, due together."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import User


class Campaign(db.Model):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    # e.g. "quarterly_monitoring-2027-Q1": launching the same round again finds this row.
    code: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    process_key: Mapped[str] = mapped_column(String(100))
    fiscal_year: Mapped[int]
    quarter: Mapped[int | None]
    launched_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    launched_at: Mapped[datetime]
    due_at: Mapped[datetime | None]

    launched_by: Mapped[User] = relationship(lazy="raise_on_sql")
