"""Checks a diagram before it is deployed, naming every problem by element id.

Only the BPMN side is checked here; the deployment service adds the form files' checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from lxml import etree

from app.engine.compiler import (
    BPMN_NS,
    CompiledProcess,
    compile_process,
    is_diagram_name,
)
from app.engine.due_periods import parse_due_in
from app.engine.errors import DiagramError
from app.engine.lint_flow import gateways_covered_by_enums, lint_condition_fields, lint_flow
from app.engine.sandbox import check_syntax
from app.engine.xml import parse_xml

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    element_id: str
    code: str
    message: str
    severity: str = ERROR

    def as_dict(self) -> dict:
        return {
            "element_id": self.element_id,
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
        }


def lint_bpmn(
    content: bytes,
    filename: str,
    resolve_role: Callable[[str], str | None],
    decisions: dict[str, bytes] | None = None,
) -> tuple[CompiledProcess | None, list[Finding]]:
    """Lint a diagram; return the compiled process (None if it cannot compile) and findings.

    `resolve_role` maps a lane name (role code or display name) to a role code, or None;
    `decisions` are the DMN files deployed with the diagram.
    """
    try:
        root = parse_xml(content)
    except DiagramError as exc:
        return None, [Finding("", "xml", str(exc))]
    findings = _lint_engine_names(root) + _lint_expressions(root) + _lint_due_periods(root)
    called: list[etree._Element] = []  # the diagrams deployed with it, for call activities
    for name, raw in (decisions or {}).items():
        try:
            other = parse_xml(raw)
        except DiagramError as exc:
            what = "流程图" if is_diagram_name(name) else "决策表"
            findings.append(Finding(name, "dmn", f"{what} {name}: {exc}"))
            continue
        if is_diagram_name(name):
            called.append(other)
            findings += _lint_engine_names(other) + _lint_expressions(other)
            findings += _lint_due_periods(other)
    if findings:
        return None, findings
    try:
        process = compile_process(content, filename, decisions)
    except DiagramError as exc:
        code = "no-executable-process" if "isExecutable" in str(exc) else "parse"
        return None, [Finding(_element_id_in(str(exc)), code, str(exc))]
    findings += _lint_lanes(process, resolve_role)
    for diagram in [root, *called]:
        findings += [
            Finding(f.element_id, f.code, f.message, f.severity) for f in lint_flow(diagram)
        ]
    return process, findings


def lint_fields(content: bytes, forms: dict[str, dict], process_key: str) -> list[Finding]:
    """Conditions naming fields no form or script before their gateway sets; `forms` are
    the JSON Schemas the diagram's user tasks name (file name -> schema)."""
    try:
        root = parse_xml(content)
    except DiagramError:
        return []  # lint_bpmn has said so
    return [
        Finding(f.element_id, f.code, f.message, f.severity)
        for f in lint_condition_fields(root, forms, process_key)
    ]


def gateways_covered(content: bytes, forms: dict[str, dict]) -> set[str]:
    """Gateways whose conditions name every value of an enumerated field of `forms`."""
    try:
        return gateways_covered_by_enums(parse_xml(content), forms)
    except DiagramError:
        return set()


def _element_id_in(message: str) -> str:
    if message.startswith("[") and "]" in message:
        return message[1 : message.index("]")]
    if "[" in message and message.endswith("]"):
        return message[message.rindex("[") + 1 : -1]
    return ""


def _lint_lanes(process: CompiledProcess, resolve_role: Callable[[str], str | None]) -> list:
    findings = []
    for task in process.user_tasks.values():
        if not task.lane:
            findings.append(
                Finding(
                    task.id,
                    "lane-missing",
                    _(
                        "The user task “%(name)s” is outside any lane, with no candidate group "
                        "or assignee: draw it in a lane or choose a default role when deploying.",
                        name=task.name,
                    ),
                )
            )
        elif resolve_role(task.lane) is None:
            findings.append(
                Finding(
                    task.id,
                    "unknown-role",
                    _("The lane “%(lane)s” names no known role.", lane=task.lane),
                )
            )
        if not task.form and not task.manual:
            findings.append(
                Finding(
                    task.id,
                    "form-unnamed",
                    _("The user task “%(name)s” names no form.", name=task.name),
                    WARNING,
                )
            )
    if process.start_lane is None:
        findings.append(
            Finding(
                "",
                "start-lane",
                _(
                    "The start event is in no lane, so nobody can be said to start it: draw it "
                    "in a lane or choose a default role when deploying."
                ),
            )
        )
    elif resolve_role(process.start_lane) is None:
        findings.append(
            Finding(
                "",
                "unknown-role",
                _("The start event's lane “%(lane)s” is no known role.", lane=process.start_lane),
            )
        )
    return findings


def _lint_expressions(root: etree._Element) -> list[Finding]:
    findings = []
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
        if condition is not None and (condition.text or "").strip():
            problem = check_syntax(condition.text.strip(), "eval")
            if problem:
                unreadable = _("The condition cannot be compiled: %(problem)s", problem=problem)
                findings.append(Finding(flow.get("id", ""), "condition", unreadable))
    for script in root.iter(f"{{{BPMN_NS}}}script"):
        owner = script.getparent()
        problem = check_syntax(script.text or "", "exec")
        if problem:
            unreadable = _("The script cannot be compiled: %(problem)s", problem=problem)
            findings.append(Finding(owner.get("id", ""), "script", unreadable))
    for tag in ("preScript", "postScript"):
        for script in root.iter(f"{{{SPIFF_NS}}}{tag}"):
            owner = script.getparent().getparent()
            problem = check_syntax(script.text or "", "exec")
            if problem:
                unreadable = _(
                    "The %(tag)s cannot be compiled: %(problem)s", tag=tag, problem=problem
                )
                findings.append(Finding(owner.get("id", ""), "script", unreadable))
    return findings


def _lint_due_periods(root: etree._Element) -> list[Finding]:
    findings = []
    for prop in root.iter(f"{{{SPIFF_NS}}}property"):
        if prop.get("name") != "dueIn":
            continue
        owner = prop.getparent().getparent().getparent()
        try:
            parse_due_in(prop.get("value"))
        except ValueError as exc:
            bad = _("The due period dueIn %(problem)s", problem=exc)
            findings.append(Finding(owner.get("id", ""), "due-in", bad))
    return findings


# The names SpiffWorkflow gives the task specs it adds to every process (bpmn_process_spec,
# TaskParser; "Root" its serialiser drops, ".BoundaryEventParent" its state migration
# renames): a diagram element with one of them would silently take that spec's place,
# e.g. a user task "End" ends the process when it is completed.
ENGINE_NAMES = frozenset({"Start", "End", "Root"})
ENGINE_SUFFIXES = (
    ".EndJoin",
    ".BoundaryEventSplit",
    ".BoundaryEventJoin",
    ".BoundaryEventParent",
    " [child]",
)


def _lint_engine_names(root: etree._Element) -> list[Finding]:
    findings = []
    for element in root.iter(f"{{{BPMN_NS}}}*"):
        ident = element.get("id")
        if ident is None:
            continue
        if ident in ENGINE_NAMES or ident.endswith(ENGINE_SUFFIXES):
            findings.append(
                Finding(
                    ident,
                    "reserved-id",
                    _(
                        "The element id “%(id)s” is a name the engine uses itself: rename it.",
                        id=ident,
                    ),
                )
            )
        elif not ident.strip() or any(c.isspace() for c in ident):
            findings.append(
                Finding(ident, "bad-id", _("The element id “%(id)s” holds white space.", id=ident))
            )
    return findings
