"""Lint rules about the shape of a diagram: what can be reached, how gateways choose, which
data their conditions read, and whether every step has a due period.

They read the XML (lxml) rather than SpiffWorkflow's spec, because they name what the
administrator drew: sequence flows and gateways by their ids, as the modeler shows them.

Condition fields: a name a condition reads must be set before the gateway. We compute,
per node, the fields set on *every* path from the start (a must-analysis) and on *some*
path (a may-analysis). A name that no path sets is an error (the gateway will fail on
every submission); a name set only on some paths is a warning (it fails only on the
others, and a return loop often sets it on the way back, so it may be deliberate). Steps
whose output we cannot know (a user task without a form, call activities, business rule
tasks, subprocesses) count as setting everything, so the rule never guesses.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from flask_babel import gettext as _
from lxml import etree

from app.engine.conditions import (
    Constraint,
    constraint_of,
    covers_every_case,
    enum_values,
    overlaps,
)
from app.engine.foreign_timers import timer_problem

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
ERROR = "error"
WARNING = "warning"

_FLOW_NODES = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "transaction",
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
    "complexGateway",
}
_CHOOSING = {"exclusiveGateway", "inclusiveGateway"}
# Names a condition may read that are not fields: the sandbox's builtins and constants.
_NOT_FIELDS = {
    "True",
    "False",
    "None",
    "len",
    "min",
    "max",
    "sum",
    "abs",
    "round",
    "int",
    "float",
    "str",
    "bool",
    "any",
    "all",
    "sorted",
    "list",
    "dict",
    "set",
    "tuple",
}
TOP = None  # "every field": a step whose output is unknown


@dataclass(frozen=True)
class FlowFinding:
    element_id: str
    code: str
    message: str
    severity: str = ERROR


@dataclass
class _Scope:
    element: etree._Element
    nodes: dict[str, etree._Element] = field(default_factory=dict)
    flows: dict[str, etree._Element] = field(default_factory=dict)
    outgoing: dict[str, list[str]] = field(default_factory=dict)
    incoming: dict[str, list[str]] = field(default_factory=dict)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _scopes(root: etree._Element) -> list[_Scope]:
    """Every process and (embedded) subprocess, each with its own nodes and flows."""
    scopes = []
    containers = [
        el
        for el in root.iter(f"{{{BPMN}}}process", f"{{{BPMN}}}subProcess", f"{{{BPMN}}}transaction")
    ]
    for container in containers:
        scope = _Scope(container)
        for child in container:
            name = _local(child)
            if name in _FLOW_NODES and child.get("id"):
                scope.nodes[child.get("id")] = child
            elif name == "sequenceFlow" and child.get("id"):
                scope.flows[child.get("id")] = child
        for node_id in scope.nodes:
            scope.outgoing[node_id] = []
            scope.incoming[node_id] = []
        for flow_id, flow in scope.flows.items():
            source, target = flow.get("sourceRef"), flow.get("targetRef")
            if source in scope.nodes and target in scope.nodes:
                scope.outgoing[source].append(flow_id)
                scope.incoming[target].append(flow_id)
        scopes.append(scope)
    return scopes


def lint_flow(root: etree._Element) -> list[FlowFinding]:
    """Unreachable nodes, gateways that cannot always choose one way, user tasks without a
    due period."""
    findings: list[FlowFinding] = []
    for scope in _scopes(root):
        findings += _unreachable(scope)
        findings += _gateways(scope)
    findings += _due_periods(root)
    findings += _waits_forever(root)
    return findings


def _entry_points(scope: _Scope) -> set[str]:
    entries = set()
    for node_id, node in scope.nodes.items():
        kind = _local(node)
        if kind == "startEvent":
            entries.add(node_id)
        elif (
            kind == "intermediateCatchEvent"
            and node.find(f"{{{BPMN}}}linkEventDefinition") is not None
        ):
            entries.add(node_id)  # a link catch is entered by its throw, not by a flow
        elif kind == "subProcess" and node.get("triggeredByEvent") == "true":
            entries.add(node_id)  # event subprocesses start on their event
        elif node.get("isForCompensation") == "true":
            entries.add(node_id)  # reached by a compensation association, not a flow
    return entries


def _successors(scope: _Scope, node_id: str) -> list[str]:
    nexts = [scope.flows[f].get("targetRef") for f in scope.outgoing.get(node_id, [])]
    # Boundary events run when their activity is reached.
    nexts += [
        bid
        for bid, b in scope.nodes.items()
        if _local(b) == "boundaryEvent" and b.get("attachedToRef") == node_id
    ]
    return nexts


def _reachable(scope: _Scope) -> set[str]:
    seen: set[str] = set()
    stack = list(_entry_points(scope))
    while stack:
        node_id = stack.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        stack.extend(_successors(scope, node_id))
    return seen


def _unreachable(scope: _Scope) -> list[FlowFinding]:
    if not _entry_points(scope):
        return []  # no start event at all: the parser reports that on its own
    reachable = _reachable(scope)
    return [
        FlowFinding(
            node_id,
            "unreachable",
            _("“%(name)s” cannot be reached from a start event.", name=node.get("name") or node_id),
        )
        for node_id, node in scope.nodes.items()
        if node_id not in reachable
    ]


def _condition(flow: etree._Element) -> str | None:
    cond = flow.find(f"{{{BPMN}}}conditionExpression")
    text = (cond.text or "").strip() if cond is not None else ""
    return text or None


def _gateways(scope: _Scope) -> list[FlowFinding]:
    findings = []
    for node_id, node in scope.nodes.items():
        kind = _local(node)
        outgoing = scope.outgoing.get(node_id, [])
        if kind not in _CHOOSING or len(outgoing) < 2:
            continue
        label = node.get("name") or node_id
        conditional = [f for f in outgoing if _condition(scope.flows[f])]
        texts = [_condition(scope.flows[f]) or "" for f in conditional]
        if conditional and not node.get("default") and not covers_every_case(texts):
            findings.append(
                FlowFinding(
                    node_id,
                    "gateway-no-default",
                    _(
                        "The gateway “%(gateway)s” has no default flow: a submission stops when "
                        "no condition holds.",
                        gateway=label,
                    ),
                )
            )
        if kind == "exclusiveGateway":
            findings += _overlapping(node_id, label, [scope.flows[f] for f in conditional])
    return findings


def gateways_covered_by_enums(root: etree._Element, forms: dict) -> set[str]:
    """Choosing gateways whose conditions name every value of an enumerated form field
    (`enum`, or `oneOf` of `const`s), so that they need no default flow."""
    enums: dict[str, set] = {}
    for schema in forms.values():
        properties = schema.get("properties") if isinstance(schema, dict) else None
        for name, prop in (properties or {}).items():
            values = enum_values(prop)
            if values:
                enums[name] = enums.get(name, set()) | values
    covered = set()
    for scope in _scopes(root):
        for node_id, node in scope.nodes.items():
            if _local(node) not in _CHOOSING or node.get("default"):
                continue
            texts = [_condition(scope.flows[f]) for f in scope.outgoing.get(node_id, [])]
            texts = [t for t in texts if t]
            if texts and covers_every_case(texts, enums):
                covered.add(node_id)
    return covered


def _overlapping(gateway_id: str, label: str, flows: list[etree._Element]) -> list[FlowFinding]:
    """Two conditions of one exclusive gateway that can hold at once: the engine then takes
    whichever comes first in the file, which the administrator did not choose."""
    findings = []
    parsed: list[tuple[etree._Element, str | None, Constraint | None]] = []
    for flow in flows:
        text = _condition(flow) or ""
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError:
            continue  # the syntax check names it
        parsed.append((flow, ast.dump(tree), constraint_of(tree.body)))
    for i, (first, first_dump, first_c) in enumerate(parsed):
        for second, second_dump, second_c in parsed[i + 1 :]:
            a, b = first.get("id"), second.get("id")
            if first_dump == second_dump:
                findings.append(
                    FlowFinding(
                        gateway_id,
                        "gateway-overlap",
                        _(
                            "The branches %(a)s and %(b)s of the gateway “%(gateway)s” have "
                            "identical conditions.",
                            gateway=label,
                            a=a,
                            b=b,
                        ),
                    )
                )
            elif first_c is not None and second_c is not None and overlaps(first_c, second_c):
                findings.append(
                    FlowFinding(
                        gateway_id,
                        "gateway-overlap",
                        _(
                            "The conditions of the branches %(a)s and %(b)s of the gateway "
                            "“%(gateway)s” can hold at once (the ranges of %(field)s overlap).",
                            gateway=label,
                            a=a,
                            b=b,
                            field=first_c.field,
                        ),
                    )
                )
    return findings


_CATCHING = ("startEvent", "intermediateCatchEvent", "receiveTask")
_THROWING = ("intermediateThrowEvent", "endEvent", "sendTask")


def _waits_forever(root: etree._Element) -> list[FlowFinding]:
    """Events a submission would wait at with nothing open and nothing to end the wait:
    a signal nothing in the diagram sends or a message without a name (POST /messages
    delivers named messages to start and catch events and receive tasks), and a
    timer start event (nothing starts a submission on its own). An intermediate timer
    with a duration is fired by the worker; one it cannot fire (a date, a cycle) is
    refused as `timer`. Boundary events and
    event subprocesses are left alone: the step they sit on goes on without them."""
    thrown = set()
    for kind in _THROWING:
        for el in root.iter(f"{{{BPMN}}}{kind}"):
            thrown.add(el.get("messageRef"))
            for definition in el:
                if _local(definition) in ("messageEventDefinition", "signalEventDefinition"):
                    thrown.add(definition.get("messageRef") or definition.get("signalRef"))
    names = {
        el.get("id"): el.get("name") or el.get("id")
        for el in root.iter(f"{{{BPMN}}}message", f"{{{BPMN}}}signal")
    }
    # A message with a name can be delivered from outside to a submission waiting for it.
    named_messages = {el.get("id") for el in root.iter(f"{{{BPMN}}}message") if el.get("name")}
    findings = []
    for kind in _CATCHING:
        for el in root.iter(f"{{{BPMN}}}{kind}"):
            parent = el.getparent()
            if parent is not None and parent.get("triggeredByEvent") == "true":
                continue
            label = el.get("name") or el.get("id")
            definitions = {_local(d): d for d in el if _local(d).endswith("EventDefinition")}
            if kind == "receiveTask":
                definitions["messageEventDefinition"] = el
            for what, definition in definitions.items():
                if what in ("messageEventDefinition", "signalEventDefinition"):
                    ref = definition.get("messageRef") or definition.get("signalRef")
                    if ref and ref in thrown:
                        continue  # thrown inside the diagram: the engine delivers it
                    if ref in named_messages:
                        continue  # POST /api/v1/messages delivers it (services/runtime/messages.py)
                    name = names.get(ref, ref or "?")
                    message = _(
                        "“%(label)s” waits for the message or signal “%(name)s”, which nothing "
                        "here sends and no interface delivers (a signal, or a message without a "
                        "name): the submission would wait forever.",
                        label=label,
                        name=name,
                    )
                elif what == "timerEventDefinition" and kind == "intermediateCatchEvent":
                    problem = timer_problem(el)  # else the worker fires it (catch_timers.py)
                    if problem:  # a sentence naming the event
                        findings.append(FlowFinding(el.get("id", ""), "timer", problem))
                    continue
                elif what == "timerEventDefinition":
                    message = _(
                        "“%(label)s” is a timer start event: nothing here starts a submission "
                        "on its own (whose would it be?). Let a person start it, or a scheduled "
                        "round; to wait within a submission use an intermediate timer event.",
                        label=label,
                    )
                elif what == "conditionalEventDefinition":
                    message = _(
                        "“%(label)s” is a conditional event, whose condition nothing checks "
                        "again: the submission would wait forever.",
                        label=label,
                    )
                else:
                    continue
                findings.append(FlowFinding(el.get("id", ""), "waits-forever", message))
    return findings


def _due_periods(root: etree._Element) -> list[FlowFinding]:
    timed = {
        b.get("attachedToRef")
        for b in root.iter(f"{{{BPMN}}}boundaryEvent")
        if b.find(f"{{{BPMN}}}timerEventDefinition") is not None
    }
    findings = []
    for task in root.iter(f"{{{BPMN}}}userTask"):
        has_due = any(
            p.get("name") == "dueIn" and (p.get("value") or "").strip()
            for p in task.iter(f"{{{SPIFF}}}property")
        )
        if not has_due and task.get("id") not in timed:
            findings.append(
                FlowFinding(
                    task.get("id", ""),
                    "due-missing",
                    _(
                        "The user task “%(name)s” has no due period (dueIn or a boundary "
                        "timer): it can never be overdue.",
                        name=task.get("name") or task.get("id"),
                    ),
                    WARNING,
                )
            )
    return findings


# ---- condition fields ------------------------------------------------------------------


def lint_condition_fields(
    root: etree._Element, forms: dict[str, dict], main_process: str | None = None
) -> list[FlowFinding]:
    """Conditions reading fields that no form or script before them sets (see the module
    docstring for every path / some path). `forms` maps form file names to JSON Schemas."""
    findings: list[FlowFinding] = []
    scopes = {id(s.element): s for s in _scopes(root)}
    for scope in scopes.values():
        if _local(scope.element) != "process":
            continue
        # A called process receives its caller's data: its start knows everything.
        start_in: frozenset | None = frozenset() if scope.element.get("id") == main_process else TOP
        findings += _check_scope(scope, scopes, forms, start_in)
    return findings


def _check_scope(scope: _Scope, scopes: dict, forms: dict, start_in) -> list[FlowFinding]:
    gen = {node_id: _gen(node, forms) for node_id, node in scope.nodes.items()}
    entries = _entry_points(scope)
    preds: dict[str, list[str]] = {n: [] for n in scope.nodes}
    for node_id in scope.nodes:
        for nxt in _successors(scope, node_id):
            if nxt in preds:
                preds[nxt].append(node_id)
    must = _fixpoint(scope, gen, preds, entries, start_in, must=True)
    may = _fixpoint(scope, gen, preds, entries, start_in, must=False)
    findings = []
    for flow_id, flow in scope.flows.items():
        text = _condition(flow)
        source = flow.get("sourceRef")
        if not text or source not in scope.nodes:
            continue
        for name in sorted(_read_names(text)):
            if may[source] is not TOP and name not in may[source]:
                findings.append(
                    FlowFinding(
                        flow_id,
                        "condition-field",
                        _(
                            "The condition reads the field “%(name)s”, which no form or script "
                            "before this gateway sets.",
                            name=name,
                        ),
                    )
                )
            elif must[source] is not TOP and name not in must[source]:
                findings.append(
                    FlowFinding(
                        flow_id,
                        "condition-field-some-paths",
                        _(
                            "The condition reads the field “%(name)s”, which only some paths "
                            "to this gateway set.",
                            name=name,
                        ),
                        WARNING,
                    )
                )
    # Embedded subprocesses start with what their owner node knows.
    for node_id, node in scope.nodes.items():
        inner = scopes.get(id(node))
        if inner is not None and node.get("triggeredByEvent") != "true":
            findings += _check_scope(
                inner, scopes, forms, _in(must, preds[node_id], entries, node_id, start_in, True)
            )
    return findings


def _in(out: dict, preds: list[str], entries: set[str], node_id: str, start_in, must: bool):
    sets = [out[p] for p in preds]
    if node_id in entries:
        sets.append(start_in)
    if not sets:
        return frozenset() if not must else TOP
    if any(s is TOP for s in sets):
        if not must:
            return TOP
        known = [s for s in sets if s is not TOP]
        return frozenset.intersection(*known) if known else TOP
    return frozenset.intersection(*sets) if must else frozenset.union(*sets)


def _fixpoint(scope, gen, preds, entries, start_in, must: bool) -> dict:
    # Must-analysis starts from "everything" and shrinks; may-analysis grows from nothing.
    out: dict = {n: (TOP if must else frozenset()) for n in scope.nodes}
    changed = True
    rounds = 0
    while changed and rounds < 10 * (len(scope.nodes) + 1):
        changed = False
        rounds += 1
        for node_id in scope.nodes:
            incoming = _in(out, preds[node_id], entries, node_id, start_in, must)
            produced = gen[node_id]
            new = TOP if incoming is TOP or produced is TOP else incoming | produced
            if new != out[node_id]:
                out[node_id] = new
                changed = True
    return out


def _gen(node: etree._Element, forms: dict) -> frozenset | None:
    """Fields a node sets, or TOP when it could set anything."""
    kind = _local(node)
    names: set[str] = set()
    for tag in ("preScript", "postScript"):
        for script in node.iter(f"{{{SPIFF}}}{tag}"):
            assigned = _assigned_names(script.text or "")
            if assigned is TOP:
                return TOP
            names |= assigned
    if kind == "userTask":
        form = next(
            (
                p.get("value")
                for p in node.iter(f"{{{SPIFF}}}property")
                if p.get("name") == "formJsonSchemaFilename"
            ),
            None,
        )
        if form:  # a task without a form sets nothing: its completion takes no fields
            schema = forms.get(form)
            properties = schema.get("properties") if isinstance(schema, dict) else None
            if not isinstance(properties, dict):
                return TOP
            names |= set(properties)
    elif kind == "scriptTask":
        script = node.find(f"{{{BPMN}}}script")
        assigned = _assigned_names(script.text if script is not None else "")
        if assigned is TOP:
            return TOP
        names |= assigned
    elif kind == "receiveTask" or (
        kind == "intermediateCatchEvent"
        and node.find(f"{{{BPMN}}}messageEventDefinition") is not None
    ):
        return TOP  # a message's data: any name its sender puts in
    elif kind in {"serviceTask", "sendTask"} and any(
        p.get("name") == "externalTopic" for p in node.iter(f"{{{SPIFF}}}property")
    ):
        return TOP  # an external worker's variables: any name it sends
    elif kind == "serviceTask":
        for operator in node.iter(f"{{{SPIFF}}}serviceTaskOperator"):
            if operator.get("resultVariable"):
                names.add(operator.get("resultVariable"))
    elif kind in {
        "businessRuleTask",
        "callActivity",
        "subProcess",
        "transaction",
    }:
        return TOP
    return frozenset(names)


def _assigned_names(script: str | None) -> frozenset | None:
    try:
        tree = ast.parse(script or "")
    except SyntaxError:
        return TOP
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return frozenset(names)


def _read_names(condition: str) -> set[str]:
    try:
        tree = ast.parse(condition, mode="eval")
    except SyntaxError:
        return set()
    called = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    bound = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    return (
        {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        - called
        - bound
        - _NOT_FIELDS
    )
