"""Deployed process versions and the form files pinned to each of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.extensions import db


class ProcessDefinition(db.Model):
    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_definition_key_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    # Deferred: only compiling needs it, once per process per version.
    bpmn_xml: Mapped[str] = deferred(mapped_column(Text))
    filename: Mapped[str] = mapped_column(String(200))
    # DMN decision tables the diagram's business rule tasks call: file name -> XML.
    decision_files: Mapped[dict | None] = mapped_column(JSON)
    # Role code of the start event's lane: who may start a submission.
    starter_role: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    deployed_at: Mapped[datetime]

    # Lint warnings of the deployment that just created this version (not stored: the
    # process log keeps them); what the page shows after a successful deploy.
    warnings = ()

    # Never loaded: a deployment adds the rows, and readers ask for the contents by file
    # name (services.runtime.definitions.pinned_forms; pinned_form caches them per version).
    forms: Mapped[list[FormFile]] = relationship(
        back_populates="definition", cascade="all, delete-orphan", lazy="raise_on_sql"
    )


class FormFile(db.Model):
    """A JSON Schema or ui schema, copied into the deployment so it never changes under it."""

    __tablename__ = "form_file"
    __table_args__ = (UniqueConstraint("definition_id", "filename", name="uq_form_file"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(
        ForeignKey("process_definition.id", ondelete="CASCADE")
    )
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict] = mapped_column(JSON)

    definition: Mapped[ProcessDefinition] = relationship(
        back_populates="forms", lazy="raise_on_sql"
    )
