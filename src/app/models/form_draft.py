"""Forms an administrator saved in the form editor, and the record of who saved what.

A saved form is kept by file name, beside the forms/ folder and the copies pinned to
deployed versions: the next deployment of any process naming that file pins the saved
content (deployed versions never change, so running submissions keep their old form).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import User


class FormDraft(db.Model):
    """One form file (a JSON Schema or a ui schema) as last saved, whoever saved it."""

    __tablename__ = "form_draft"
    __table_args__ = (UniqueConstraint("filename", name="uq_form_draft_filename"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict] = mapped_column(JSON)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", name="fk_form_draft_updated_by_id_user")
    )
    updated_at: Mapped[datetime]

    updated_by: Mapped[User | None] = relationship(lazy="raise_on_sql")


class FormEvent(db.Model):
    """The audit of the form editor: the submission history cannot hold it (no instance)."""

    __tablename__ = "form_event"
    __table_args__ = (Index("ix_form_event_filename_at", "filename", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", name="fk_form_event_actor_id_user")
    )
    # created | saved | discarded
    action: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship(lazy="raise_on_sql")
