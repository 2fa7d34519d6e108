"""Deployed definitions and their compiled form, compiled once per process per version."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app import engine
from app.extensions import db
from app.models import ProcessDefinition
from app.services.errors import NotFound

_compiled: dict[tuple, engine.CompiledProcess] = {}
_lock = threading.Lock()


def compiled(definition: ProcessDefinition) -> engine.CompiledProcess:
    """The runnable process of a deployed version; definitions never change once deployed."""
    key = _content_key(definition)
    process = _compiled.get(key)
    if process is None:
        with _lock:
            process = _compiled.get(key)
            if process is None:
                process = engine.compile_process(
                    definition.bpmn_xml.encode(), definition.filename, decision_bytes(definition)
                )
                _compiled[key] = process
    return process


def decision_bytes(definition: ProcessDefinition) -> dict[str, bytes]:
    return {name: xml.encode() for name, xml in (definition.decision_files or {}).items()}


def remember_compiled(definition: ProcessDefinition, process: engine.CompiledProcess) -> None:
    _compiled[_content_key(definition)] = process


def _content_key(definition: ProcessDefinition) -> tuple:
    """Identity of a deployed version without reading its (large, deferred) XML.

    The deployment time is part of it so that a recreated database reusing an id (tests,
    a restore) can never be handed another diagram's compiled process.
    """
    return (definition.id, definition.key, definition.version, definition.deployed_at)


def latest_definitions() -> list[ProcessDefinition]:
    latest = (
        select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
        .group_by(ProcessDefinition.key)
        .subquery()
    )
    return list(
        db.session.scalars(
            select(ProcessDefinition)
            .join(
                latest,
                (ProcessDefinition.key == latest.c.key)
                & (ProcessDefinition.version == latest.c.version),
            )
            .order_by(ProcessDefinition.key)
        )
    )


def latest_definition(key: str) -> ProcessDefinition:
    definition = db.session.scalar(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )
    if definition is None:
        raise NotFound(f"流程“{key}”未部署 (no such process)")
    return definition
