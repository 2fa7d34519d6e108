"""The compact engine state stored on the instance row, and reading it back.

The layout is SpiffWorkflow's own workflow dictionary without the spec, of a pruned
task tree (see compaction.py). The spec never travels: the compiled process already
holds it, so loading builds the workflow on that spec object instead of restoring a
serialized copy on every step, and dumping never converts it. States written by older
code, or by an older SpiffWorkflow serializer, go through the full serializer (which
migrates them) with the stored spec added back.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask

from app.engine.compaction import prune
from app.engine.serializer import _SERIALIZER, load_state

FORMAT_KEY = "compact"
FORMAT = 1
_REGISTRY = _SERIALIZER.registry


def dump_compact(workflow: BpmnWorkflow) -> str:
    """Serialize a workflow after pruning it; the workflow is not meant to run on after."""
    prune(workflow)
    dct = {
        "data": _REGISTRY.convert(_REGISTRY.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": {str(tid): _REGISTRY.convert(task) for tid, task in workflow.tasks.items()},
        "root": str(workflow.task_tree.id),
        "subprocesses": {str(k): _REGISTRY.convert(sp) for k, sp in workflow.subprocesses.items()},
        "bpmn_events": _REGISTRY.convert(workflow.bpmn_events),
        "typename": "BpmnWorkflow",
        _SERIALIZER.VERSION_KEY: _SERIALIZER.VERSION,
        FORMAT_KEY: FORMAT,
    }
    # Task data is JSON from forms; anything else a script made is kept as text.
    return json.dumps(dct, separators=(",", ":"), ensure_ascii=False, default=str)


def load_compact(
    state: str, spec: Any, subprocess_specs: dict, serialized_spec: dict, script_engine: Any
) -> BpmnWorkflow:
    """A workflow from a stored state, on the compiled process's own spec objects."""
    dct = json.loads(state)
    current = dct.get(_SERIALIZER.VERSION_KEY) == _SERIALIZER.VERSION
    if dct.get(FORMAT_KEY) != FORMAT or not current:
        return load_state(state, serialized_spec, script_engine)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine, deserializing=True)
    workflow.tasks = {
        UUID(tid): _REGISTRY.restore(task, workflow=workflow) for tid, task in dct["tasks"].items()
    }
    workflow.task_tree = workflow.tasks[UUID(dct["root"])]
    _restore_attributes(workflow, dct)
    _restore_subprocesses(dct["subprocesses"], workflow, workflow)
    workflow.bpmn_events = _REGISTRY.restore(dct.get("bpmn_events", []))
    return workflow


def _restore_attributes(workflow: Any, dct: dict) -> None:
    workflow.success = dct["success"]
    workflow.completed = dct.get("completed", False)
    workflow.correlations = dct.get("correlations", {})
    if isinstance(dct["last_task"], str):
        workflow.last_task = workflow.tasks.get(UUID(dct["last_task"]))
    workflow.data = _REGISTRY.restore(dct.get("data", {}))


def _restore_subprocesses(dct: dict, workflow: Any, top: BpmnWorkflow) -> None:
    """Parents before children: a subprocess is restored on its owner task."""
    for task in list(workflow.tasks.values()):
        if isinstance(task.task_spec, SubWorkflowTask) and str(task.id) in dct:
            subprocess = _REGISTRY.restore(dct.pop(str(task.id)), task=task, top_workflow=top)
            top.subprocesses[task.id] = subprocess
            subprocess.completed_event.connect(task.task_spec._on_subworkflow_completed, task)
            _restore_subprocesses(dct, subprocess, top)
