"""Deploying a diagram with its forms as the next version of its process."""

from __future__ import annotations

from sqlalchemy import func, select

from app import engine
from app.engine.errors import DiagramError
from app.engine.foreign import Directory, ImportNotes, convert_diagram
from app.extensions import db
from app.forms import check_schema
from app.forms.documents import DocumentError, load_document
from app.forms.validation import text_problem, unstorable_text
from app.models import FormFile, ProcessDefinition, Task, User
from app.services.clock import now
from app.services.definitions import remember_compiled
from app.services.errors import BadRequest, LintFailed
from app.services.policy import require_can_deploy
from app.services.process_audit import DEPLOYED, record_process_event
from app.services.roles import resolve_role
from app.services.transaction import transactional


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
    # What the conversion refused, the lint would only say again in the engine's words.
    named = {f.element_id for f in findings if f.severity == engine.lint.ERROR}
    process, linted = engine.lint_bpmn(bpmn, filename, resolve_role, decisions)
    findings += [f for f in linted if not (f.element_id in named and f.code in _RESTATED)]
    forms, form_findings = _check_forms(process, form_files, available_forms or {})
    findings += form_findings
    if process is not None:
        findings += engine.lint_fields(bpmn, forms, process.key)
        # Conditions naming every value of an enumerated field need no default flow.
        covered = engine.lint.gateways_covered(bpmn, forms)
        findings = [
            f for f in findings if not (f.code == "gateway-no-default" and f.element_id in covered)
        ]
        findings += _storage_findings(process, filename, [*form_files, *forms])
    errors = [f for f in findings if f.severity == engine.lint.ERROR]
    if errors or process is None:
        raise LintFailed(
            f"部署被拒绝：{len(errors)} 个问题 (deployment refused)",
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
    return definition


_RESTATED = ("condition", "parse", "script")


def _user_roles(username: str) -> list[str] | None:
    user = db.session.scalar(select(User).where(User.username == username.strip()))
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
                f"默认角色“{default_role[:60]}”不是已知角色 (the default role names no known role)"
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
        ("", "文件名 (file name)", filename, ProcessDefinition.filename, True),
        ("", "流程 id (process id)", process.key, ProcessDefinition.key, True),
        ("", "流程名称 (process name)", process.name, ProcessDefinition.name, False),
        *((n, "表单文件名 (form file name)", n, FormFile.filename, True) for n in form_names),
    ]
    for task in process.user_tasks.values():
        limits.append((task.id, "任务 id (task id)", task.id, Task.activity_id, True))
        limits.append((task.id, "任务名称 (task name)", task.name, Task.name, False))
    findings = []
    for element, what, value, column, one_line in limits:
        length = column.type.length
        if len(value) > length:
            problem = f"超过 {length} 个字符 (longer than {length} characters)"
        else:
            problem = text_problem(value, one_line)
        if problem:
            findings.append(engine.Finding(element, "name", f"{what}“{value[:60]}”{problem}"))
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
                findings.append(
                    engine.Finding(task.id, "form-missing", f"表单文件“{filename}”未上传或不存在")
                )
                continue
            try:
                content = load_document(raw, f"表单文件“{filename}”")
            except DocumentError as exc:
                findings.append(engine.Finding(task.id, "form-invalid", str(exc)))
                continue
            if not is_ui:
                content = object_schema(content)
            problems = [f"{e.path or '/'}: {e.message}" for e in unstorable_text(content)]
            problems += (
                ([] if isinstance(content, dict) else ["ui schema 必须是 JSON 对象"])
                if is_ui
                else check_schema(content)
            )
            for problem in problems:
                findings.append(
                    engine.Finding(task.id, "form-invalid", f"表单文件“{filename}”: {problem}")
                )
            if not problems:
                forms[filename] = content
    return forms, findings
