"""Compact engine state: the workflow without its spec and without finished tasks' data.

The spec is the same for every instance of a version, so it is stored once (with the
definition) and put back on load. Completed tasks' data is dropped because every step
hands the engine the instance's full data again (see runtime.complete_task); what was
submitted lives in the task rows.
"""

from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
_FINISHED = {TaskState.COMPLETED, TaskState.CANCELLED}
_SPEC_KEYS = ("spec", "subprocess_specs")


def spec_dicts(spec: Any, subprocess_specs: dict) -> dict:
    """The serialized form of a spec, computed once per deployed version."""
    workflow = BpmnWorkflow(spec, subprocess_specs)
    dct = _SERIALIZER.to_dict(workflow)
    return {key: dct[key] for key in _SPEC_KEYS}


def dump_state(workflow: BpmnWorkflow) -> str:
    dct = _SERIALIZER.to_dict(workflow)
    for key in _SPEC_KEYS:
        dct.pop(key, None)
    for task in dct["tasks"].values():
        if task["state"] in _FINISHED:
            task["data"] = {}
    for sub in dct.get("subprocesses", {}).values():
        for task in sub["tasks"].values():
            if task["state"] in _FINISHED:
                task["data"] = {}
    dct["serializer_version"] = _SERIALIZER.VERSION
    # Task data is JSON from forms; anything else a script made is kept as text.
    return json.dumps(dct, separators=(",", ":"), ensure_ascii=False, default=str)


def load_state(state: str, serialized_spec: dict, script_engine: Any) -> BpmnWorkflow:
    dct = json.loads(state)
    dct.update(serialized_spec)
    workflow = _SERIALIZER.from_dict(dct)
    workflow.script_engine = script_engine
    return workflow
