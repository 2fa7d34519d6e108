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

from app.engine.errors import DiagramError
from app.engine.foreign import ImportNotes, adopt_foreign
from app.models import ProcessDefinition, User
from app.services.deployment import deploy_definition
from app.services.diagram_views import definition_version
from app.services.errors import BadRequest
from app.services.policy import require_can_deploy
from app.services.process_audit import IMPORTED
from app.services.transaction import transactional

MANIFEST = "manifest.json"
FORMAT = "perfbudget-process/1"
FORMS_DIR = "forms/"
DECISIONS_DIR = "decisions/"
# Limits on what an uploaded zip may unpack to: a process is a few hundred kilobytes.
MAX_ENTRIES = 500
MAX_UNPACKED = 20 * 1024 * 1024
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
    forms = sorted(definition.forms, key=lambda f: f.filename)
    decisions = sorted((definition.decision_files or {}).items())
    manifest = {
        "format": FORMAT,
        "key": definition.key,
        "name": definition.name,
        "version": definition.version,
        "diagram": definition.filename,
        "forms": [f.filename for f in forms],
        "decisions": [name for name, _ in decisions],
        "deployed_at": definition.deployed_at.isoformat(),
        "comment": definition.comment,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def put(name: str, data: bytes) -> None:
            archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME), data, zipfile.ZIP_DEFLATED)

        put(MANIFEST, form_bytes(manifest))
        put(definition.filename, definition.bpmn_xml.encode("utf-8"))
        for form in forms:
            put(FORMS_DIR + form.filename, form_bytes(form.content))
        for name, xml in decisions:
            put(DECISIONS_DIR + name, xml.encode("utf-8"))
    return f"{definition.key}-v{definition.version}.zip", buffer.getvalue()


def _unzip(data: bytes) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise BadRequest(f"不是有效的 zip 文件 (not a zip file): {exc}") from exc
    entries = [info for info in archive.infolist() if not info.is_dir()]
    if len(entries) > MAX_ENTRIES or sum(i.file_size for i in entries) > MAX_UNPACKED:
        raise BadRequest("zip 文件过大 (the zip unpacks to too much)")
    files: dict[str, bytes] = {}
    for info in entries:
        # Only the file's own name counts: nothing is written to disk, and no path in
        # the archive can point anywhere.
        name = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
        if not name or name.startswith("."):
            continue
        if name in files:
            raise BadRequest(f"zip 中有重名文件“{name}” (two files of one name)")
        files[name] = archive.read(info)
    return files


def _split(uploads: list[tuple[str, bytes]]) -> tuple[str, bytes, dict[str, bytes], dict]:
    files: dict[str, bytes] = {}
    for name, data in uploads:
        base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
        if base.lower().endswith(".zip"):
            files.update(_unzip(data))
        elif base:
            files[base] = data
    manifest = {}
    if MANIFEST in files:
        try:
            manifest = json.loads(files.pop(MANIFEST))
        except ValueError as exc:
            raise BadRequest(f"manifest.json 不是 JSON (not JSON): {exc}") from exc
    diagrams = [n for n in files if n.lower().endswith((".bpmn", ".bpmn20.xml"))]
    if len(diagrams) != 1:
        raise BadRequest(
            f"须且仅须有一个 .bpmn 流程图，收到 {len(diagrams)} 个 (exactly one .bpmn diagram)"
        )
    name = diagrams[0]
    return name, files.pop(name), files, manifest if isinstance(manifest, dict) else {}


@transactional
def import_process(
    actor: User, uploads: list[tuple[str, bytes]], comment: str | None = None
) -> Imported:
    """Deploy an uploaded zip (an export) or a .bpmn with its form files as the next
    version of its process; foreign extensions are carried over or left aside.

    Raises Forbidden, BadRequest (unreadable upload), LintFailed (every finding).
    """
    require_can_deploy(actor)
    name, bpmn, others, manifest = _split(uploads)
    try:
        bpmn, notes = adopt_foreign(bpmn)
    except DiagramError as exc:
        raise BadRequest(str(exc)) from exc
    source = f"{manifest.get('key')} v{manifest.get('version')}" if manifest else notes.editor
    definition = deploy_definition(
        actor,
        bpmn,
        name,
        others,
        comment or f"导入 {name}（{source}）(imported)",
        action=IMPORTED,
        details={
            "editor": notes.editor,
            "source": manifest or None,
            "converted": notes.converted,
            "ignored": notes.ignored,
        },
    )
    return Imported(definition, notes)
