"""A process administrator's unfinished diagram: one draft per process, shared by admins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import User


class ProcessDraft(db.Model):
    """Kept apart from the deployed versions, which never change: a draft is edited freely
    until it is deployed (then deleted) or discarded."""

    __tablename__ = "process_draft"
    __table_args__ = (UniqueConstraint("key", name="uq_process_draft_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime]

    updated_by: Mapped[User | None] = relationship(lazy="raise_on_sql")
