"""Moving processes between installations: export a version as a zip, import a zip (ours)
or a diagram drawn elsewhere (Camunda Modeler, spiff-arena) with its forms.

The zip holds the diagram exactly as deployed, the forms pinned to that version and its
decision tables, and a small manifest. Forms are written as indented UTF-8 JSON in their
stored key order, so exporting what was imported gives the same bytes back.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from werkzeug.utils import secure_filename

from app.engine.compiler import is_diagram_name
from app.engine.errors import DiagramError
from app.engine.foreign import ImportNotes, diagram_editor
from app.engine.xml import parse_xml
from app.models import ProcessDefinition, User
from app.services.administration.deployment import deploy_definition, split_diagrams
from app.services.administration.diagram_views import definition_version
from app.services.administration.process_audit import IMPORTED
from app.services.foundation.errors import BadRequest, stored_text
from app.services.foundation.policy import require_can_deploy
from app.services.foundation.transaction import transactional
from app.services.foundation.uploads import UnpackBudget, import_zip_limits, open_zip, read_members
from app.services.runtime.definitions import pinned_forms

MANIFEST = "manifest.json"
FORMAT = "perfbudget-process/1"
FORMS_DIR = "forms/"
DECISIONS_DIR = "decisions/"
# A fixed timestamp on every entry: the same version always exports to the same zip.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


@dataclass
class Imported:
    definition: ProcessDefinition
    notes: ImportNotes


def form_bytes(content: dict) -> bytes:
    return (json.dumps(content, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def export_version(actor: User, key: str, version: int | None = None) -> tuple[str, bytes]:
    """(file name, zip bytes) of version `version` (default: latest) of `key`.

    Raises Forbidden for non-administrators, NotFound for an unknown version.
    """
    require_can_deploy(actor)
    definition = definition_version(key, version)
    forms = sorted(pinned_forms(definition).items())
    decisions = sorted((definition.decision_files or {}).items())
    manifest = {
        "format": FORMAT,
        "key": definition.key,
        "name": definition.name,
        "version": definition.version,
        "diagram": flat_name(definition.filename),
        "forms": [flat_name(filename) for filename, _ in forms],
        "decisions": [flat_name(name) for name, _ in decisions],
        "deployed_at": definition.deployed_at.isoformat(),
        "comment": definition.comment,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def put(folder: str, name: str, data: bytes) -> None:
            member = zipfile.ZipInfo(folder + flat_name(name), _ZIP_TIME)
            archive.writestr(member, data, zipfile.ZIP_DEFLATED)

        put("", MANIFEST, form_bytes(manifest))
        put("", definition.filename, definition.bpmn_xml.encode("utf-8"))
        for filename, content in forms:
            put(FORMS_DIR, filename, form_bytes(content))
        for name, xml in decisions:
            put(DECISIONS_DIR, name, xml.encode("utf-8"))
    return f"{definition.key}-v{definition.version}.zip", buffer.getvalue()


def flat_name(name: str) -> str:
    """A stored file name as one harmless zip member name: its last path part, without
    control characters or leading dots, so that unpacking the export anywhere writes
    only inside the folder it is unpacked in (the format's own `forms/` and
    `decisions/` are the only folders)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ord(ch) >= 32 and ord(ch) != 127).strip()
    base = base.lstrip(".").strip()
    return base or secure_filename(name or "") or "file"


def _unzip(data: bytes, budget: UnpackBudget) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    with open_zip(data, budget) as archive:
        members = read_members(archive)
    for path, content in members:
        # Only the file's own name counts: nothing is written to disk, and no path in
        # the archive can point anywhere (open_zip has refused `..` and absolute ones).
        name = path.replace("\\", "/").rsplit("/", 1)[-1]
        if not name or name.startswith("."):
            continue
        if name in files:
            raise BadRequest(_l("The zip holds two files named “%(name)s”.", name=name))
        files[name] = content
    return files


def _split(uploads: list[tuple[str, bytes]]) -> tuple[str, bytes, dict[str, bytes], dict]:
    """The diagram, the other files and the manifest of one request's uploads. Every file
    of the request, zipped or not, counts against one budget (`IMPORT_ZIP_MAX_*`)."""
    budget = UnpackBudget(import_zip_limits())
    files: dict[str, bytes] = {}
    for name, data in uploads:
        base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
        if base.lower().endswith(".zip"):
            files.update(_unzip(data, budget))
        elif base:
            budget.take(base, len(data))
            files[base] = data
    manifest = {}
    if MANIFEST in files:
        try:
            manifest = json.loads(files.pop(MANIFEST))
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
            raise BadRequest(_l("manifest.json is not JSON: %(reason)s", reason=str(exc))) from exc
    diagrams = [(n, raw) for n, raw in files.items() if is_diagram_name(n)]
    name, main, _ = split_diagrams(diagrams)  # the others go with it: call activities call them
    files.pop(name)
    return name, main, files, manifest if isinstance(manifest, dict) else {}


@transactional
def import_process(
    actor: User,
    uploads: list[tuple[str, bytes]],
    comment: str | None = None,
    default_role: str | None = None,
) -> Imported:
    """Deploy an uploaded zip (an export) or a .bpmn with its form files as the next
    version of its process; foreign extensions are carried over or left aside by the
    deployment's own conversion, the same the API runs. `default_role` does the steps
    nothing in the diagram routes.

    Raises Forbidden, BadRequest (unreadable upload), LintFailed (every finding).
    """
    require_can_deploy(actor)
    name, bpmn, others, manifest = _split(uploads)
    try:
        parse_xml(bpmn)  # an unreadable upload is refused as such, before any lint
    except DiagramError as exc:
        raise BadRequest(str(exc)) from exc
    source = (
        f"{manifest.get('key')} v{manifest.get('version')}" if manifest else diagram_editor(bpmn)
    )
    definition = deploy_definition(
        actor,
        bpmn,
        name,
        others,
        comment or stored_text(_l("Imported %(name)s (%(source)s)", name=name, source=source)),
        action=IMPORTED,
        details={"source": manifest or None},
        default_role=default_role,
    )
    return Imported(definition, definition.import_notes)
