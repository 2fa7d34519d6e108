"""What a diagram itself computes before a step: the results of its service tasks and the
names its scripts assign, on every path from the start to that step.

A submission moved to a newer version of its process has walked the old version's steps.
If the new version computes something before the step the submission waits at (a route
decided from the registry, say) that the old one did not, the submission never got it,
and a gateway further on would read a name that is not there. Form fields are not counted
here: what a person types is checked against the target forms separately.
"""

from __future__ import annotations

from lxml import etree

from app.engine.lint_flow import (
    BPMN,
    SPIFF,
    TOP,
    _assigned_names,
    _entry_points,
    _fixpoint,
    _in,
    _local,
    _scopes,
    _successors,
)

# Nodes whose output the analysis cannot see: they might compute anything.
_OPAQUE = {"businessRuleTask", "callActivity", "subProcess", "transaction"}


def computed_before(root: etree._Element, activity_id: str) -> frozenset[str]:
    """Names every path from the start to `activity_id` computes (empty when the step is
    not in a top-level process, or a path runs through a step the analysis cannot see)."""
    for scope in _scopes(root):
        if _local(scope.element) != "process" or activity_id not in scope.nodes:
            continue
        gen = {node_id: _computed_by(node) for node_id, node in scope.nodes.items()}
        entries = _entry_points(scope)
        preds: dict[str, list[str]] = {n: [] for n in scope.nodes}
        for node_id in scope.nodes:
            for nxt in _successors(scope, node_id):
                if nxt in preds:
                    preds[nxt].append(node_id)
        out = _fixpoint(scope, gen, preds, entries, frozenset(), must=True)
        known = _in(out, preds[activity_id], entries, activity_id, frozenset(), True)
        return frozenset() if known is TOP else known
    return frozenset()


def _computed_by(node: etree._Element) -> frozenset | None:
    kind = _local(node)
    if kind in _OPAQUE:
        return TOP
    names: set[str] = set()
    scripts = [
        s.text for tag in ("preScript", "postScript") for s in node.iter(f"{{{SPIFF}}}{tag}")
    ]
    if kind == "scriptTask":
        script = node.find(f"{{{BPMN}}}script")
        scripts.append(script.text if script is not None else "")
    for script in scripts:
        assigned = _assigned_names(script or "")
        if assigned is TOP:
            return TOP
        names |= assigned
    if kind == "serviceTask":
        for operator in node.iter(f"{{{SPIFF}}}serviceTaskOperator"):
            if operator.get("resultVariable"):
                names.add(operator.get("resultVariable"))
    return frozenset(names)
