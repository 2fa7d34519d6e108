"""Deploying a diagram with its forms as the next version of its process."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import engine
from app.engine.compiler import BPMN_NS as BPMN
from app.engine.compiler import executable_process_ids, is_diagram_name
from app.engine.errors import DiagramError
from app.engine.foreign import Directory, ImportNotes, convert_diagram
from app.engine.foreign_forms import convert_ui_schema, with_date_formats
from app.engine.xml import parse_xml
from app.extensions import db
from app.forms import check_schema
from app.forms.documents import DocumentError, load_document
from app.forms.validation import text_problem, unstorable_text
from app.models import FormFile, ProcessDefinition, Task, User
from app.services.administration.process_audit import DEPLOYED, record_process_event
from app.services.foundation.clock import now
from app.services.foundation.errors import BadRequest, LintFailed, render
from app.services.foundation.policy import require_can_deploy
from app.services.foundation.roles import resolve_role
from app.services.foundation.transaction import transactional
from app.services.runtime.definitions import pinned_forms, remember_compiled


@transactional
def deploy_definition(
    actor: User | None,
    bpmn: bytes,
    filename: str,
    form_files: dict[str, bytes],
    comment: str | None = None,
    available_forms: dict[str, bytes] | None = None,
    action: str = DEPLOYED,
    details: dict | None = None,
    default_role: str | None = None,
) -> ProcessDefinition:
    """Convert, lint the diagram and its forms; deploy them as version N+1, forms pinned.

    Every deployment runs the one conversion of diagrams drawn in Camunda Modeler or
    spiff-arena (engine.foreign.convert_diagram): the stored diagram is the converted one,
    and what was carried over is on `definition.import_notes`. `default_role` (a role
    code or display name) does the user tasks and the start that no lane, candidate
    group or assignee routes; each one it applies to is a warning.

    `form_files` are the uploaded files (JSON Schemas, ui schemas and .dmn decision
    tables); `available_forms` may supply forms the diagram names that were not uploaded
    (the forms/ folder when deploying from the command line). Raises LintFailed listing
    every error finding; warnings do not block and are returned on `definition.warnings`
    (and kept in the process log with who deployed and why, under `action`).
    """
    decisions = {name: raw for name, raw in form_files.items() if name.lower().endswith(".dmn")}
    if actor is not None:  # None: the command line, run by whoever runs the server
        require_can_deploy(actor)
    bpmn, notes, findings = convert_upload(bpmn, default_role)
    available = dict(available_forms or {})
    for name, raw in form_files.items():  # the diagrams its call activities call
        if is_diagram_name(name):
            decisions[name], called_notes, called_findings = convert_upload(raw, default_role)
            notes.converted += [f"{name}: {note}" for note in called_notes.converted]
            findings += called_findings
    findings += _add_deployed_callees(bpmn, decisions, available)
    # What the conversion refused, the lint would only say again in the engine's words.
    named = {f.element_id for f in findings if f.severity == engine.lint.ERROR}
    process, linted = engine.lint_bpmn(bpmn, filename, resolve_role, decisions)
    findings += [f for f in linted if not (f.element_id in named and f.code in _RESTATED)]
    forms, form_findings = _check_forms(process, form_files, available)
    findings += form_findings
    if process is not None:
        diagrams = [bpmn, *(raw for name, raw in decisions.items() if is_diagram_name(name))]
        for diagram in diagrams:
            findings += engine.lint_fields(diagram, forms, process.key)
            # Conditions naming every value of an enumerated field need no default flow.
            covered = engine.lint.gateways_covered(diagram, forms)
            findings = [
                f
                for f in findings
                if not (f.code == "gateway-no-default" and f.element_id in covered)
            ]
        findings += _storage_findings(process, filename, [*form_files, *forms])
    errors = [f for f in findings if f.severity == engine.lint.ERROR]
    if errors or process is None:
        raise LintFailed(
            _l("Deployment refused: %(count)s problem(s).", count=len(errors)),
            details=[f.as_dict() for f in findings],
        )
    version = (
        db.session.scalar(
            select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == process.key)
        )
        or 0
    ) + 1
    definition = ProcessDefinition(
        key=process.key,
        version=version,
        name=process.name,
        bpmn_xml=bpmn.decode("utf-8"),
        filename=filename,
        decision_files={name: raw.decode("utf-8") for name, raw in decisions.items()},
        starter_role=resolve_role(process.start_lane),
        comment=comment,
        deployed_by_id=actor.id if actor else None,
        deployed_at=now(),
        forms=[FormFile(filename=name, content=content) for name, content in forms.items()],
    )
    db.session.add(definition)
    db.session.flush()
    remember_compiled(definition, process)
    warnings = [f.as_dict() for f in findings if f.severity != engine.lint.ERROR]
    record_process_event(
        actor,
        definition.key,
        definition.version,
        action,
        comment,
        {
            "editor": notes.editor,
            "converted": notes.converted,
            "ignored": notes.ignored,
            **(details or {}),
            "filename": filename,
            "warnings": warnings,
        },
    )
    definition.warnings = warnings
    definition.import_notes = notes
    definition.processes = [process.key] + [
        pid
        for name, raw in decisions.items()
        if is_diagram_name(name)
        for pid in executable_process_ids(parse_xml(raw))
        if pid != process.key
    ]
    return definition


def split_diagrams(diagrams: list[tuple[str, bytes]]) -> tuple[str, bytes, dict[str, bytes]]:
    """Of the .bpmn files of one deployment, the one whose process no other calls (the
    process deployed, started by people) and the others, by name (called by its call
    activities). Raises BadRequest unless exactly one is called by none of the others."""
    if len(diagrams) == 1:
        return diagrams[0][0], diagrams[0][1], {}
    if not diagrams:
        raise BadRequest(_l("Upload at least one .bpmn diagram."))
    defined: dict[str, set[str]] = {}
    called: dict[str, set[str]] = {}
    for name, raw in diagrams:
        try:
            root = parse_xml(raw)
        except DiagramError as exc:
            raise BadRequest(f"{name}: {exc}") from exc
        defined[name] = set(executable_process_ids(root))
        called[name] = {el.get("calledElement") for el in root.iter(f"{{{BPMN}}}callActivity")}
    mains = [
        name
        for name, _ in diagrams
        if defined[name]
        and not defined[name]
        <= {pid for other, ids in called.items() if other != name for pid in ids}
    ]
    if len(mains) != 1:
        raise BadRequest(
            _l(
                "Exactly one of the .bpmn diagrams must be called by none of the others; "
                "found %(mains)s.",
                mains=", ".join(mains) or "—",
            )
        )
    main = mains[0]
    others = {name: raw for name, raw in diagrams if name != main}
    return main, dict(diagrams)[main], others


def _add_deployed_callees(
    bpmn: bytes, decisions: dict[str, bytes], available: dict[str, bytes]
) -> list[engine.Finding]:
    """A call activity may name a process already deployed: its latest version's diagram
    (with the diagrams it calls itself, and its pinned forms) is deployed with this one,
    so the version keeps calling what it was deployed with. One naming no process of this
    deployment nor a deployed one is a finding."""
    findings: list[engine.Finding] = []
    unknown: set[str] = set()
    while True:
        try:
            roots = [parse_xml(bpmn)]
            roots += [parse_xml(raw) for name, raw in decisions.items() if is_diagram_name(name)]
        except DiagramError:
            return findings  # the lint names the file that does not parse
        present = {p.get("id") for root in roots for p in root.iter(f"{{{BPMN}}}process")}
        calls = {
            el.get("calledElement"): el.get("id") or ""
            for root in roots
            for el in root.iter(f"{{{BPMN}}}callActivity")
            if el.get("calledElement") not in present | unknown | {None, ""}
        }
        if not calls:
            return findings
        for key, activity in calls.items():
            deployed = db.session.scalar(
                select(ProcessDefinition)
                .where(ProcessDefinition.key == key)
                .order_by(ProcessDefinition.version.desc())
                .limit(1)
            )
            if deployed is None:
                unknown.add(key)
                findings.append(
                    engine.Finding(
                        activity,
                        "call-unknown",
                        str(
                            _l(
                                "The call activity calls the process “%(key)s”, which is "
                                "neither in this deployment nor deployed.",
                                key=key,
                            )
                        ),
                    )
                )
                continue
            decisions[f"{key}.bpmn"] = deployed.bpmn_xml.encode("utf-8")
            for name, xml in (deployed.decision_files or {}).items():
                decisions.setdefault(name, xml.encode("utf-8"))
            for filename, form in pinned_forms(deployed).items():
                content = json.dumps(form, ensure_ascii=False).encode("utf-8")
                available.setdefault(filename, content)


_RESTATED = ("condition", "parse", "script")


def _user_roles(username: str) -> list[str] | None:
    user = db.session.scalar(
        select(User).where(User.username == username.strip()).options(selectinload(User.roles))
    )
    return sorted(user.role_codes) if user is not None and user.active else None


DIRECTORY = Directory(role=resolve_role, user_roles=_user_roles)


def convert_upload(
    bpmn: bytes, default_role: str | None = None
) -> tuple[bytes, ImportNotes, list[engine.Finding]]:
    """The diagram as it will be stored (foreign extensions carried over), what was done,
    and the conversion's findings. Raises BadRequest for an unknown default role."""
    code = None
    if default_role and default_role.strip():
        code = resolve_role(default_role)
        if code is None:
            raise BadRequest(
                _l(
                    "The default role “%(default_role)s” names no known role.",
                    default_role=default_role[:60],
                )
            )
    try:
        converted, notes = convert_diagram(bpmn, DIRECTORY, code)
    except DiagramError:
        return bpmn, ImportNotes(), []  # the lint reports the XML itself
    findings = [engine.Finding(f.element_id, f.code, f.message, f.severity) for f in notes.findings]
    return converted, notes, findings


def object_schema(content):
    """spiff-arena writes a form's JSON Schema without a root `"type": "object"` when its
    `properties` make it one: such a schema is kept with the type said out loud."""
    if (
        isinstance(content, dict)
        and "type" not in content
        and isinstance(content.get("properties"), dict)
    ):
        return {"type": "object", **content}
    return content


def _storage_findings(
    process: engine.CompiledProcess, filename: str, form_names: list[str]
) -> list[engine.Finding]:
    """Names the database could not hold, found now rather than as a failed insert:
    longer than their columns, or holding control characters (a file name ends up in a
    Content-Disposition header, a step name in an e-mail subject)."""
    # (element, what, value, its column, one line?): a label drawn on two lines is fine.
    limits = [
        ("", _l("The file name"), filename, ProcessDefinition.filename, True),
        ("", _l("The process id"), process.key, ProcessDefinition.key, True),
        ("", _l("The process name"), process.name, ProcessDefinition.name, False),
        *((n, _l("The form file name"), n, FormFile.filename, True) for n in form_names),
    ]
    for task in process.user_tasks.values():
        limits.append((task.id, _l("The task id"), task.id, Task.activity_id, True))
        limits.append((task.id, _l("The task name"), task.name, Task.name, False))
    findings = []
    for element, what, value, column, one_line in limits:
        length = column.type.length
        if len(value) > length:
            problem = _l("is longer than %(length)s characters", length=length)
        else:
            problem = text_problem(value, one_line)
        if problem:
            message = _l(
                "%(what)s “%(value)s” %(problem)s", what=what, value=value[:60], problem=problem
            )
            findings.append(engine.Finding(element, "name", str(message)))
    return findings


def _check_forms(
    process: engine.CompiledProcess | None,
    uploaded: dict[str, bytes],
    available: dict[str, bytes],
) -> tuple[dict[str, dict], list[engine.Finding]]:
    """Every form a user task names must be present and a valid JSON Schema."""
    if process is None:
        return {}, []
    forms: dict[str, dict] = {}
    findings: list[engine.Finding] = []
    for task in process.user_tasks.values():
        for filename, is_ui in ((task.form, False), (task.ui_form, True)):
            if not filename or filename in forms:
                continue
            raw = uploaded.get(filename, available.get(filename))
            if raw is None:
                missing = _l(
                    "The form file “%(filename)s” was neither uploaded nor found.",
                    filename=filename,
                )
                findings.append(engine.Finding(task.id, "form-missing", render(missing)))
                continue
            try:
                content = load_document(raw, _l("The form file “%(filename)s”", filename=filename))
            except DocumentError as exc:
                findings.append(engine.Finding(task.id, "form-invalid", str(exc)))
                continue
            # spiff-arena's forms: a schema without a root type, rjsf's ui conventions.
            content = convert_ui_schema(content) if is_ui else object_schema(content)
            problems = [f"{e.path or '/'}: {e.message}" for e in unstorable_text(content)]
            problems += (
                (
                    []
                    if isinstance(content, dict)
                    else [render(_l("The layout (ui schema) must be a JSON object."))]
                )
                if is_ui
                else check_schema(content)
            )
            for problem in problems:
                invalid = _l(
                    "The form file “%(filename)s”: %(problem)s", filename=filename, problem=problem
                )
                findings.append(engine.Finding(task.id, "form-invalid", render(invalid)))
            if not problems:
                forms[filename] = content
    for task in process.user_tasks.values():  # a ui schema's date widgets: date inputs
        if task.form in forms and task.ui_form in forms:
            forms[task.form] = with_date_formats(forms[task.form], forms[task.ui_form])
    return forms, findings
