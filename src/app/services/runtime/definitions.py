"""Deployed definitions and their compiled form, compiled once per process per version."""

from __future__ import annotations

import threading
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select

from app import engine
from app.extensions import db
from app.models import FormFile, ProcessDefinition
from app.services.foundation.errors import NotFound
from app.services.foundation.roles import resolve_role

_compiled: dict[tuple, engine.CompiledProcess] = {}
_lock = threading.Lock()
# Per deployed version, like the compiled process: its pinned forms and its lanes' roles.
_forms: dict[tuple, dict[str, Any]] = {}
_lane_roles: dict[tuple, str | None] = {}


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


def pinned_forms(definition: ProcessDefinition) -> dict[str, Any]:
    """Every form pinned to a deployed version, file name -> content, in one statement of
    their columns (the version's `forms` load by raise: nothing needs the rows themselves).
    Read afresh each call: the editor, the modeler and exports read it once a page."""
    return pinned_forms_of([definition])[definition.id]


def pinned_forms_of(definitions: list[ProcessDefinition]) -> dict[int, dict[str, Any]]:
    """`pinned_forms` of several versions in one statement, by version id."""
    forms: dict[int, dict[str, Any]] = {definition.id: {} for definition in definitions}
    for definition_id, filename, content in db.session.execute(
        select(FormFile.definition_id, FormFile.filename, FormFile.content)
        .where(FormFile.definition_id.in_(list(forms)))
        .order_by(FormFile.id)
    ):
        forms[definition_id][filename] = content
    return forms


def pinned_form(definition: ProcessDefinition, filename: str | None) -> dict | None:
    """A form pinned to a deployed version, its forms read from the database once per
    process (one statement for all of them).

    Forms are copied into the deployment and never change under it, so every completion
    need not load them again. The dict is shared: read it, never change it.
    """
    if not filename:
        return None
    key = _content_key(definition)
    forms = _forms.get(key)
    if forms is None:
        forms = _forms[key] = pinned_forms(definition)
    return forms.get(filename)


def lane_role(definition: ProcessDefinition, lane: str | None) -> str | None:
    """The role code a lane of a deployed version names (its code or its display name).

    Resolved once per version and process: deployment refused lanes naming no role, and
    role codes never change; a role renamed later keeps routing the lanes that named it.
    """
    if not lane:
        return None
    key = (_content_key(definition), lane)
    if key not in _lane_roles:
        _lane_roles[key] = resolve_role(lane)
    return _lane_roles[key]


def forget_versions() -> None:
    """Drop every per-version cache. The product never rewrites a deployed version; a test
    that does so in place (to make a field read-only mid-flight) calls this after."""
    with _lock:
        _compiled.clear()
        _forms.clear()
        _lane_roles.clear()


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


# Built once: every start asks (a statement built per call costs its construction and
# cache key each time).
_LATEST_VERSION = (
    select(ProcessDefinition)
    .where(ProcessDefinition.key == bindparam("key"))
    .order_by(ProcessDefinition.version.desc())
    .limit(1)
)


def latest_definition(key: str) -> ProcessDefinition:
    definition = db.session.scalar(_LATEST_VERSION, {"key": key})
    if definition is None:
        raise NotFound(_l("The process “%(key)s” is not deployed.", key=key))
    return definition
