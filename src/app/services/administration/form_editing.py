"""The form editor: forms saved by process administrators, and the preview of a form.

A form is a JSON Schema file with its layout (ui schema) file beside it, named by
convention ``<name>.schema.json`` / ``<name>.uischema.json``. Saved forms are kept by
file name and take precedence over the deployed copies and the forms/ folder when the
modeler deploys a process (``modeling.deploy_draft``): that is how an edited form
reaches a deployment. A saved form stays saved after a deployment, so the next
deployment of another process naming the same file gets it too; deployed versions
keep the copy pinned to them, so running submissions never see a form change.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.forms import FormSchemaError, FormSpec, form_spec
from app.forms.documents import DocumentError, load_document
from app.models import FormDraft, FormEvent, User
from app.services.foundation.clock import now
from app.services.foundation.errors import BadRequest, Conflict, NotFound
from app.services.foundation.policy import require_can_deploy
from app.services.foundation.transaction import transactional
from app.services.runtime.definitions import latest_definitions, pinned_forms_of

UI_SUFFIX = ".uischema.json"
SCHEMA_SUFFIX = ".schema.json"
# File names travel in URLs and land in deployments: plain ASCII, no paths.
FILENAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,150}\.json$")
EMPTY_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {},
}

ORIGIN_DRAFT = "draft"
ORIGIN_DEPLOYED = "deployed"
ORIGIN_FOLDER = "folder"


class ProcessRef(NamedTuple):
    """A process a form is pinned to: its key for links, its name for people."""

    key: str
    name: str


@dataclass(frozen=True)
class FormSource:
    """What the editor opens for a form: the saved copy, else the newest deployed one,
    else the forms/ folder's."""

    filename: str
    ui_filename: str
    schema: dict
    ui: dict
    origin: str  # draft | deployed | folder
    draft: FormDraft | None
    used_by: tuple[ProcessRef, ...]  # processes whose latest version pins this form
    ui_used_by: tuple[ProcessRef, ...]  # ... and those that pin its layout file too

    @property
    def layout_unused_by(self) -> tuple[ProcessRef, ...]:
        """Processes showing this form without its layout: widgets chosen here (long text,
        buttons) do not apply there until a step names the layout file."""
        return tuple(process for process in self.used_by if process not in self.ui_used_by)


@dataclass(frozen=True)
class FormRow:
    filename: str
    title: str
    origin: str
    saved_at: datetime | None
    saved_by: str | None
    used_by: tuple[ProcessRef, ...]


def ui_filename_for(filename: str) -> str:
    """The layout file beside a schema file: a.schema.json -> a.uischema.json."""
    stem = filename[: -len(SCHEMA_SUFFIX)] if filename.endswith(SCHEMA_SUFFIX) else filename[:-5]
    return stem + UI_SUFFIX


def require_form_filename(filename: str) -> str:
    """The name of a form (schema) file, or BadRequest saying what a name must be."""
    if not FILENAME_PATTERN.match(filename or "") or filename.endswith(UI_SUFFIX):
        raise BadRequest(
            _l(
                "The form file name “%(filename)s” is invalid: it must begin with a letter or"
                " a digit, hold only letters, digits, _ . and -, and not end in %(ui_suffix)s;"
                " ending in %(schema_suffix)s is best.",
                filename=filename,
                ui_suffix=UI_SUFFIX,
                schema_suffix=SCHEMA_SUFFIX,
            )
        )
    return filename


def list_forms(actor: User) -> list[FormRow]:
    """Every form file the editor knows (saved, deployed or in the folder), by name."""
    require_can_deploy(actor)
    drafts = _drafts()
    deployed = _deployed_forms()
    folder = _folder_forms()
    names = {n for n in (*drafts, *deployed, *folder) if not n.endswith(UI_SUFFIX)}
    rows = []
    for name in sorted(names):
        draft = drafts.get(name)
        if draft is not None:
            content, origin = draft.content, ORIGIN_DRAFT
        elif name in deployed:
            content, origin = deployed[name][0], ORIGIN_DEPLOYED
        else:
            content, origin = _load_json(folder[name]), ORIGIN_FOLDER
        title = content.get("title") if isinstance(content, dict) else None
        rows.append(
            FormRow(
                name,
                str(title or ""),
                origin,
                draft.updated_at if draft else None,
                draft.updated_by.display_name if draft and draft.updated_by else None,
                deployed.get(name, (None, ()))[1],
            )
        )
    return rows


def form_source(actor: User, filename: str) -> FormSource:
    """The form `filename` as the editor opens it; NotFound when no such form exists."""
    require_can_deploy(actor)
    require_form_filename(filename)
    ui_name = ui_filename_for(filename)
    drafts = _drafts()
    deployed = _deployed_forms()
    folder = _folder_forms()

    def content(name: str) -> tuple[Any, str] | None:
        if name in drafts:
            return drafts[name].content, ORIGIN_DRAFT
        if name in deployed:
            return deployed[name][0], ORIGIN_DEPLOYED
        if name in folder:
            return _load_json(folder[name]), ORIGIN_FOLDER
        return None

    found = content(filename)
    if found is None:
        raise NotFound(_l("There is no form “%(filename)s”.", filename=filename))
    ui_found = content(ui_name)
    ui = ui_found[0] if ui_found and isinstance(ui_found[0], dict) else {}
    schema = found[0] if isinstance(found[0], dict) else copy.deepcopy(EMPTY_FORM)
    used_by = deployed.get(filename, (None, ()))[1]
    ui_used_by = deployed.get(ui_name, (None, ()))[1]
    return FormSource(
        filename, ui_name, schema, ui, found[1], drafts.get(filename), used_by, ui_used_by
    )


def form_exists(filename: str) -> bool:
    return filename in _drafts() or filename in _deployed_forms() or filename in _folder_forms()


def check_form(schema: Any, ui: Any) -> FormSpec:
    """The form the product's renderer makes of `schema` and `ui`, the same one a task
    page shows. Raises BadRequest listing every problem (``details``) when it cannot."""
    problems: list = []
    if not isinstance(ui, dict):
        problems.append(_l("The layout (ui schema) must be a JSON object."))
        ui = {}
    try:
        spec = form_spec(schema, ui)
    except FormSchemaError as exc:
        problems = exc.problems + problems
        spec = None
    if problems or spec is None:
        raise BadRequest(
            _l("The form has %(count)s problem(s); it was not saved.", count=len(problems)),
            details=problems,
        )
    return spec


@transactional
def save_form(actor: User, filename: str, schema: Any, ui: Any) -> FormDraft:
    """Keep `schema` (and its layout `ui`) as the saved form `filename`, with an audit
    record. Raises BadRequest, saving nothing, when the form is invalid."""
    require_can_deploy(actor)
    require_form_filename(filename)
    check_form(schema, ui)
    return _save(actor, filename, schema, ui, "saved")


@transactional
def create_form(actor: User, filename: str, copy_of: str | None = None) -> FormDraft:
    """A new saved form `filename`: empty, or a copy of the form `copy_of` (its layout
    too). Raises Conflict when a form of that name exists, NotFound for a bad `copy_of`."""
    require_can_deploy(actor)
    require_form_filename(filename)
    if form_exists(filename):
        raise Conflict(
            _l("A form “%(filename)s” exists already: choose another file name.", filename=filename)
        )
    if copy_of:
        source = form_source(actor, copy_of)
        schema, ui = copy.deepcopy(source.schema), copy.deepcopy(source.ui)
    else:
        schema, ui = copy.deepcopy(EMPTY_FORM), {}
    check_form(schema, ui)
    return _save(actor, filename, schema, ui, "created", {"copy_of": copy_of} if copy_of else {})


@transactional
def discard_form_draft(actor: User, filename: str) -> bool:
    """Forget the saved copy of `filename` and its layout (the deployed or folder copy
    shows again); True if there was one."""
    require_can_deploy(actor)
    require_form_filename(filename)
    names = (filename, ui_filename_for(filename))
    rows = list(db.session.scalars(select(FormDraft).where(FormDraft.filename.in_(names))))
    if not any(row.filename == filename for row in rows):
        return False
    for row in rows:
        db.session.delete(row)
    _audit(actor, filename, "discarded", {})
    db.session.flush()
    return True


def form_history(actor: User, filename: str, limit: int = 20) -> list[FormEvent]:
    """Who created, saved or discarded the form `filename`, newest first."""
    require_can_deploy(actor)
    return list(
        db.session.scalars(
            select(FormEvent)
            .options(joinedload(FormEvent.actor))  # the history names who did it
            .where(FormEvent.filename == filename)
            .order_by(FormEvent.at.desc(), FormEvent.id.desc())
            .limit(limit)
        )
    )


def preview_form(actor: User, schema_text: str, ui_text: str) -> FormSpec:
    """The renderer's form for posted JSON texts; changes nothing. BadRequest (with the
    problems as ``details``) for text that is not JSON or a schema that cannot render."""
    require_can_deploy(actor)
    return check_form(
        _parse(schema_text, _l("The JSON Schema")),
        _parse(ui_text or "{}", _l("The layout (ui schema)")),
    )


def saved_form_files() -> dict[str, bytes]:
    """Every saved form file as deployment reads files: name -> UTF-8 JSON."""
    return {
        name: json.dumps(draft.content, ensure_ascii=False).encode("utf-8")
        for name, draft in _drafts().items()
    }


def saved_form_names() -> list[str]:
    return sorted(_drafts())


def _parse(text: str, what: Any) -> Any:
    try:
        # Strictly: no NaN, no nesting past what anything reads.
        return load_document(text, what)
    except DocumentError as exc:
        raise BadRequest(
            _l("%(what)s is not valid JSON.", what=what), details=[exc.reason]
        ) from exc


def _save(
    actor: User, filename: str, schema: Any, ui: Any, action: str, extra: dict | None = None
) -> FormDraft:
    ui_name = ui_filename_for(filename)
    saved = None
    for name, content in ((filename, schema), (ui_name, ui)):
        draft = db.session.scalar(select(FormDraft).where(FormDraft.filename == name))
        if draft is None:
            draft = FormDraft(filename=name, content=content, updated_at=now())
            db.session.add(draft)
        draft.content = content
        draft.updated_by_id = actor.id
        draft.updated_at = now()
        saved = saved or draft
    properties = schema.get("properties") if isinstance(schema, dict) else None
    details = {
        "ui_filename": ui_name,
        "fields": list(properties) if isinstance(properties, dict) else [],
        **(extra or {}),
    }
    _audit(actor, filename, action, details)
    db.session.flush()
    assert saved is not None
    return saved


def _audit(actor: User, filename: str, action: str, details: dict) -> None:
    db.session.add(
        FormEvent(filename=filename, at=now(), actor_id=actor.id, action=action, details=details)
    )


def _drafts() -> dict[str, FormDraft]:
    # The editor's lists name who saved each copy.
    query = select(FormDraft).options(joinedload(FormDraft.updated_by))
    return {d.filename: d for d in db.session.scalars(query)}


def _deployed_forms() -> dict[str, tuple[Any, tuple[ProcessRef, ...]]]:
    """Forms pinned to the latest versions: name -> (newest deployed content, the
    processes pinning it, by key)."""
    found: dict[str, tuple[Any, datetime, list[ProcessRef]]] = {}
    definitions = latest_definitions()
    pinned = pinned_forms_of(definitions)  # one statement, not one per version
    for definition in definitions:
        for filename, content in pinned[definition.id].items():
            seen = found.get(filename)
            if seen is None or definition.deployed_at > seen[1]:
                processes = seen[2] if seen else []
                found[filename] = (content, definition.deployed_at, processes)
            found[filename][2].append(ProcessRef(definition.key, definition.name))
    return {
        name: (content, tuple(sorted(processes))) for name, (content, _, processes) in found.items()
    }


def _folder_forms() -> dict[str, bytes]:
    folder = Path(current_app.config["FORMS_DIR"])
    if not folder.is_dir():
        return {}
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.json"))}


def _load_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return {}
