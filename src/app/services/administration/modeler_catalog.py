"""What the modeler's properties panel offers to pick from, and its checks before deploying.

The panel must let an administrator set every property the engine reads without typing
XML, so the choices come from the same places the engine and the forms module use: the
operators registered for service tasks (described from their own signatures and
docstrings, so a new operator shows up without touching the page), the fields of each
form a user task may name, and the sandbox's compiler for scripts and conditions.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import engine
from app.engine.errors import DiagramError
from app.engine.lint import WARNING
from app.engine.sandbox import check_syntax
from app.engine.xml import parse_xml
from app.extensions import db
from app.models import ProcessDefinition, Role, User
from app.models.org import role_label
from app.performance.operators import OPERATORS
from app.performance.registry_operators import REGISTRY_OPERATORS, WRITING_OPERATORS
from app.services.administration.deployment import convert_upload
from app.services.foundation.errors import BadRequest
from app.services.foundation.policy import require_can_deploy
from app.services.foundation.roles import resolve_role
from app.services.runtime.definitions import pinned_forms

UI_SUFFIX = ".uischema.json"
MAX_SCRIPT_LENGTH = 20_000


def operator_catalog() -> list[dict]:
    """Every operator a service task may call: name, what it does, its parameters.

    Computations (`performance/operators.py`) come first, then the registry operators
    (`performance/registry.py`), which read or write 项目库 inside the step.
    """
    rows = [_describe(name, func, "compute") for name, func in OPERATORS.items()]
    rows += [
        _describe(name, func, "registry-write" if name in WRITING_OPERATORS else "registry-read")
        for name, func in REGISTRY_OPERATORS.items()
    ]
    return rows


def _describe(name: str, func: Callable[..., Any], kind: str) -> dict:
    doc = inspect.getdoc(func) or ""
    parameters = []
    for parameter in inspect.signature(func).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        required = parameter.default is inspect.Parameter.empty
        parameters.append(
            {
                "name": parameter.name,
                "required": required,
                "default": None if required else _default_text(parameter.default),
                "type": _annotation_text(parameter.annotation),
            }
        )
    return {
        "name": name,
        "kind": kind,
        "description": _in_reader_language(" ".join(doc.split("\n\n")[0].split())),
        "parameters": parameters,
    }


def _in_reader_language(summary: str) -> str:
    """An operator's summary says it in Chinese, then after " / " or " · " in English
    (performance/operators.py, performance/registry.py): the half the reader reads."""
    for separator in (" / ", " · "):
        chinese, found, english = summary.partition(separator)
        if found:
            return english if str(get_locale()).startswith("en") else chinese
    return summary


def _default_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _annotation_text(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty:
        return ""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return str(text or annotation).replace("typing.", "")


def available_forms(key: str | None) -> dict[str, dict]:
    """The form files a diagram of `key` may name, parsed: the forms/ folder, then the
    latest deployed version's pinned copies (which win, as they do when deploying)."""
    forms: dict[str, dict] = {}
    folder = Path(current_app.config["FORMS_DIR"])
    if folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            try:
                content = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # a broken file is deployment's to report, by name
            if isinstance(content, dict):
                forms[path.name] = content
    if key:
        latest = db.session.scalar(
            select(ProcessDefinition)
            .where(ProcessDefinition.key == key)
            .order_by(ProcessDefinition.version.desc())
            .limit(1)
        )
        if latest is not None:
            forms.update(pinned_forms(latest))
    return forms


def form_fields(key: str | None) -> dict[str, list[dict]]:
    """Per JSON Schema file, its top-level fields: what conditions and `assigneeFrom` can
    name. Each field: name, title, type and, for a choice, its options."""
    return {
        name: schema_fields(content)
        for name, content in available_forms(key).items()
        if not name.endswith(UI_SUFFIX)
    }


def schema_fields(schema: dict) -> list[dict]:
    fields = []
    properties = schema.get("properties")
    for name, prop in (properties if isinstance(properties, dict) else {}).items():
        if not isinstance(prop, dict):
            continue
        kind = prop.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "string")
        field: dict[str, Any] = {"name": name, "title": prop.get("title") or name}
        field["type"] = kind or ("string" if "oneOf" in prop or "enum" in prop else "object")
        options = _options(prop)
        if options:
            field["options"] = options
        fields.append(field)
    return fields


def _options(prop: dict) -> list[dict]:
    if isinstance(prop.get("enum"), list):
        return [{"value": value, "label": str(value)} for value in prop["enum"]]
    choices = prop.get("oneOf") or prop.get("anyOf")
    if isinstance(choices, list) and all(isinstance(c, dict) and "const" in c for c in choices):
        return [{"value": c["const"], "label": str(c.get("title") or c["const"])} for c in choices]
    return []


def check_script(actor: User, text: Any, mode: str = "exec") -> list[dict]:
    """Why the sandbox would refuse a script (`exec`) or condition (`eval`): a list of
    findings {line, message}, empty when it compiles. Raises BadRequest for a mode other
    than exec/eval or text that is not a string."""
    require_can_deploy(actor)
    if mode not in ("exec", "eval"):
        raise BadRequest(_l("The mode must be exec or eval, not %(mode)r.", mode=mode))
    if not isinstance(text, str):
        raise BadRequest(_l("The script must be text."))
    if len(text) > MAX_SCRIPT_LENGTH:
        raise BadRequest(
            _l("The script is longer than %(length)s characters.", length=MAX_SCRIPT_LENGTH)
        )
    problem = check_syntax(text, mode)  # type: ignore[arg-type]
    if not problem:
        return []
    return [_finding(part.strip()) for part in problem.split("; ") if part.strip()]


_LINE = re.compile(r"^Line (\d+): ")


def _finding(message: str) -> dict:
    match = _LINE.match(message)
    if match is None:
        return {"line": None, "message": message}
    return {"line": int(match.group(1)), "message": message[match.end() :]}


def check_diagram(actor: User, key: str, xml: bytes) -> list[dict]:
    """Lint the diagram the modeler holds without deploying it, after the conversion a
    deployment runs (candidate groups, JUEL and FEEL conditions…): the conversion's and
    the engine's findings plus form files named but not available, each with the element
    id to mark."""
    require_can_deploy(actor)
    decisions = latest_decisions(key)
    converted, _notes, conversion = convert_upload(xml)
    process, findings = engine.lint_bpmn(converted, f"{key}.bpmn", resolve_role, decisions)
    found = [f.as_dict() for f in [*conversion, *findings]]
    if process is not None:
        forms = available_forms(key)
        for task in process.user_tasks.values():
            for filename in (task.form, task.ui_form):
                if filename and filename not in forms:
                    found.append(
                        engine.Finding(
                            task.id,
                            "form-missing",
                            _(
                                "The form file “%(filename)s” was neither uploaded nor found.",
                                filename=filename,
                            ),
                        ).as_dict()
                    )
    found.extend(duplicate_lane_findings(converted))
    return found


BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def duplicate_lane_findings(xml: bytes) -> list[dict]:
    """A warning on each lane of a process that names a role an earlier lane of the same
    process already names: two lanes of one role read as two desks, yet their steps reach
    the same inboxes. Lanes are compared by the role they resolve to (code or name)."""
    try:
        root = parse_xml(xml)
    except DiagramError:  # the lint has said what is wrong with the file
        return []
    names = dict(db.session.execute(select(Role.code, Role.name)).all())
    found = []
    for process in root.iter(f"{{{BPMN_NS}}}process"):
        first: dict[str, str] = {}
        for lane in process.iter(f"{{{BPMN_NS}}}lane"):
            label = (lane.get("name") or "").strip()
            role = resolve_role(label) if label else None
            if role is None:
                continue
            if role in first:
                found.append(
                    engine.Finding(
                        lane.get("id") or "",
                        "duplicate-lane-role",
                        _(
                            "This lane is the same role (%(role)s) as the lane “%(lane)s”:"
                            " put the steps of one role in one lane.",
                            role=role_label(role, names.get(role)),
                            lane=first[role],
                        ),
                        WARNING,
                    ).as_dict()
                )
            else:
                # A lane naming a role by its code reads as the role's label; by a name, as written.
                first[role] = role_label(label, names[label]) if label in names else label
    return found


def latest_decisions(key: str | None) -> dict[str, bytes]:
    """The decision tables (DMN) of the latest version: a draft is run and linted with them."""
    if not key:
        return {}
    latest = db.session.scalar(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )
    if latest is None:
        return {}
    return {name: xml.encode("utf-8") for name, xml in (latest.decision_files or {}).items()}
