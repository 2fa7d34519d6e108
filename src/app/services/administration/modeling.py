"""Process administration in the browser: drafts of a diagram, deploying them, versions.

A draft is the one unfinished diagram of a process (shared by the administrators, the
last save wins); deploying it goes through the same lint and deployment as an upload,
with the forms the administrator picked from: the forms saved in the form editor, then
the latest version's pinned forms, then the forms/ folder. Rolling back is deploying an
old version's diagram and pinned forms again as the newest version; running submissions
keep the version they started on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.engine.errors import DiagramError
from app.engine.xml import parse_xml
from app.extensions import db
from app.models import ProcessDefinition, ProcessDraft, ProcessInstance, Role, User
from app.models.instance import STATUS_RUNNING
from app.models.org import RoleCode
from app.services.administration.deployment import deploy_definition
from app.services.administration.diagram_views import definition_version
from app.services.administration.form_editing import saved_form_files, saved_form_names
from app.services.administration.process_audit import ROLLED_BACK
from app.services.foundation.clock import now
from app.services.foundation.errors import BadRequest, NotFound
from app.services.foundation.policy import require_can_deploy
from app.services.foundation.transaction import transactional
from app.services.runtime.definitions import latest_definitions, pinned_forms

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# A process key is the diagram's process id: an XML name, kept to what URLs carry plainly.
KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")
UI_SUFFIX = ".uischema.json"


@dataclass(frozen=True)
class VersionRow:
    version: int
    name: str
    deployed_by: str | None
    deployed_at: datetime
    comment: str | None
    running: int


@dataclass(frozen=True)
class ProcessRow:
    key: str
    name: str | None
    latest_version: int | None
    deployed_at: datetime | None
    draft_updated_at: datetime | None


@dataclass(frozen=True)
class ModelerSource:
    """What the modeler opens: the draft when there is one, else the latest version."""

    key: str
    xml: str | None  # None: nothing yet (a new process)
    draft: ProcessDraft | None
    version: int | None


def require_valid_key(key: str) -> str:
    if not KEY_PATTERN.match(key or ""):
        raise BadRequest(
            _l(
                "The process key “%(key)s” is invalid: it must begin with a letter and hold"
                " only letters, digits, _ . and -.",
                key=key,
            )
        )
    return key


@transactional
def save_draft(actor: User, key: str, xml: str | bytes) -> ProcessDraft:
    """Keep `xml` as the draft of process `key`, replacing any earlier draft.

    Raises Forbidden for anyone but a process administrator, BadRequest when the XML
    does not parse safely or holds no process with the id `key` (a draft of one process
    must never deploy as another).
    """
    require_can_deploy(actor)
    require_valid_key(key)
    raw = xml.encode("utf-8") if isinstance(xml, str) else xml
    try:
        root = parse_xml(raw)
    except DiagramError as exc:
        raise BadRequest(str(exc)) from exc
    process_ids = [p.get("id") for p in root.iter(f"{{{BPMN_NS}}}process")]
    if key not in process_ids:
        found = ", ".join(filter(None, process_ids))
        if found:
            message = _l(
                "The diagram holds no process with the key “%(key)s”; it holds %(found)s.",
                key=key,
                found=found,
            )
        else:
            message = _l("The diagram holds no process with the key “%(key)s”.", key=key)
        raise BadRequest(message)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(_l("The file is not UTF-8.")) from exc
    draft = _draft(key)
    if draft is None:
        draft = ProcessDraft(key=key, bpmn_xml=text, updated_at=now())
        db.session.add(draft)
    draft.bpmn_xml = text
    draft.updated_by_id = actor.id
    draft.updated_at = now()
    db.session.flush()
    return draft


def get_draft(actor: User, key: str) -> ProcessDraft | None:
    require_can_deploy(actor)
    return _draft(key)


@transactional
def discard_draft(actor: User, key: str) -> bool:
    """Forget the draft of `key`; True if there was one (discarding twice is harmless)."""
    require_can_deploy(actor)
    draft = _draft(key)
    if draft is None:
        return False
    db.session.delete(draft)
    db.session.flush()
    return True


def modeler_source(actor: User, key: str) -> ModelerSource:
    """The diagram the modeler opens for `key`; NotFound when neither draft nor version."""
    require_can_deploy(actor)
    require_valid_key(key)
    draft = _draft(key)
    latest = _latest(key)
    if draft is not None:
        return ModelerSource(key, draft.bpmn_xml, draft, latest.version if latest else None)
    if latest is None:
        raise NotFound(_l("The process “%(key)s” is neither deployed nor drafted.", key=key))
    return ModelerSource(key, latest.bpmn_xml, None, latest.version)


@transactional
def deploy_draft(actor: User, key: str, comment: str | None = None) -> ProcessDefinition:
    """Deploy the draft of `key` as its next version and delete the draft.

    The forms the diagram names come from the forms saved in the form editor, else the
    latest version's pinned forms, else the forms/ folder; its decision tables from the
    latest version. Raises NotFound without a draft, LintFailed (the draft kept) with
    every finding when an error blocks.
    """
    require_can_deploy(actor)
    draft = _draft(key)
    if draft is None:
        raise NotFound(_l("The process “%(key)s” has no draft to deploy.", key=key))
    latest = _latest(key)
    available = deployable_forms(latest)
    decisions = _decisions(latest) if latest is not None else {}
    definition = deploy_definition(
        actor, draft.bpmn_xml.encode("utf-8"), f"{key}.bpmn", decisions, comment, available
    )
    db.session.delete(draft)
    db.session.flush()
    return definition


@transactional
def rollback(actor: User, key: str, version: int, comment: str | None = None) -> ProcessDefinition:
    """Deploy version `version` of `key` again, with its own pinned forms, as version N+1.

    The reason is required: the process log says who rolled back and why. Raises
    BadRequest without one, NotFound for an unknown version.
    """
    require_can_deploy(actor)
    old = definition_version(key, version)
    reason = (comment or "").strip()
    if not reason:
        raise BadRequest(_l("A rollback needs a reason."))
    files = {**_decisions(old), **_pinned_forms(old)}
    return deploy_definition(
        actor,
        old.bpmn_xml.encode("utf-8"),
        old.filename,
        files,
        reason,
        action=ROLLED_BACK,
        details={"from_version": old.version, "reason": reason},
    )


def list_versions(actor: User, key: str) -> list[VersionRow]:
    """Every version of `key`, newest first, with how many submissions still run on it."""
    require_can_deploy(actor)
    running = func.count(ProcessInstance.id)
    rows = db.session.execute(
        select(
            ProcessDefinition.version,
            ProcessDefinition.name,
            User.display_name,
            ProcessDefinition.deployed_at,
            ProcessDefinition.comment,
            running,
        )
        .outerjoin(User, User.id == ProcessDefinition.deployed_by_id)
        .outerjoin(
            ProcessInstance,
            (ProcessInstance.definition_id == ProcessDefinition.id)
            & (ProcessInstance.status == STATUS_RUNNING),
        )
        .where(ProcessDefinition.key == key)
        .group_by(
            ProcessDefinition.id,
            ProcessDefinition.version,
            ProcessDefinition.name,
            User.display_name,
            ProcessDefinition.deployed_at,
            ProcessDefinition.comment,
        )
        .order_by(ProcessDefinition.version.desc())
    ).all()
    if not rows:
        raise NotFound(_l("The process “%(key)s” is not deployed.", key=key))
    return [VersionRow(*row) for row in rows]


def list_processes(actor: User) -> list[ProcessRow]:
    """Deployed processes (latest version) and drafts of processes never deployed."""
    require_can_deploy(actor)
    drafts = {d.key: d for d in db.session.scalars(select(ProcessDraft))}
    rows = []
    for definition in latest_definitions():
        draft = drafts.pop(definition.key, None)
        rows.append(
            ProcessRow(
                definition.key,
                definition.name,
                definition.version,
                definition.deployed_at,
                draft.updated_at if draft else None,
            )
        )
    for key, draft in sorted(drafts.items()):
        rows.append(ProcessRow(key, None, None, None, draft.updated_at))
    return rows


# Roles that administer the platform rather than do its work: they see no task, so a
# lane (or a default role) naming one would route steps to nobody's inbox.
ADMINISTRATIVE_ROLES = (RoleCode.PROCESS_ADMIN, RoleCode.USER_ADMIN)


def role_choices() -> list[dict]:
    """Roles a lane may name, those that hold tasks: what the modeler's lane picker offers."""
    rows = db.session.execute(
        select(Role.code, Role.name)
        .where(Role.code.not_in(ADMINISTRATIVE_ROLES))
        .order_by(Role.code)
    )
    return [{"code": code, "name": name} for code, name in rows]


def form_choices(key: str | None) -> dict[str, list[str]]:
    """Form files a user task may name when `key` is deployed from the modeler."""
    names = set(_folder_forms())
    names.update(saved_form_names())
    latest = _latest(key) if key else None
    if latest is not None:
        names.update(pinned_forms(latest))
    return {
        "schemas": sorted(n for n in names if not n.endswith(UI_SUFFIX)),
        "ui": sorted(n for n in names if n.endswith(UI_SUFFIX)),
    }


def form_titles(key: str | None) -> dict[str, str]:
    """Each form file's own title ("项目绩效目标申报表"): the form picker shows it, the
    file name beneath. A saved form's title wins over the folder's, which wins over the
    deployed version's; a file without a title is left out (the picker shows its name)."""
    documents: dict[str, object] = {}
    latest = _latest(key) if key else None
    if latest is not None:
        documents.update(pinned_forms(latest))
    for name, raw in {**_folder_forms(), **saved_form_files()}.items():
        try:
            documents[name] = json.loads(raw)
        except ValueError:  # a broken file is the form editor's to report, not the picker's
            continue
    return {
        name: document["title"].strip()
        for name, document in documents.items()
        if isinstance(document, dict)
        and isinstance(document.get("title"), str)
        and document["title"].strip()
    }


def _draft(key: str) -> ProcessDraft | None:
    return db.session.scalar(select(ProcessDraft).where(ProcessDraft.key == key))


def _latest(key: str) -> ProcessDefinition | None:
    return db.session.scalar(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )


def deployable_forms(latest: ProcessDefinition | None) -> dict[str, bytes]:
    """The form files a deployment from the modeler may pin, by file name: the forms/
    folder's, overridden by the latest version's pinned ones, overridden by what the form
    editor saved."""
    available = _folder_forms()
    if latest is not None:
        available.update(_pinned_forms(latest))
    available.update(saved_form_files())
    return available


def latest_version(key: str) -> ProcessDefinition | None:
    """The newest deployed version of `key`, if any."""
    return _latest(key)


def draft_of(key: str) -> ProcessDraft | None:
    """The draft of `key`, if one is saved."""
    return _draft(key)


def _folder_forms() -> dict[str, bytes]:
    folder = Path(current_app.config["FORMS_DIR"])
    if not folder.is_dir():
        return {}
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.json"))}


def _pinned_forms(definition: ProcessDefinition) -> dict[str, bytes]:
    return {
        filename: json.dumps(content, ensure_ascii=False).encode("utf-8")
        for filename, content in pinned_forms(definition).items()
    }


def _decisions(definition: ProcessDefinition) -> dict[str, bytes]:
    return {name: xml.encode("utf-8") for name, xml in (definition.decision_files or {}).items()}
