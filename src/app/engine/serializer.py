"""SpiffWorkflow's full serializer: the spec dicts of a deployed version, and loading
states that state.py cannot read directly (written before compaction, or by an older
serializer version, which the full serializer migrates).

The spec is the same for every instance of a version, so it is kept once per compiled
process and added back here; state.py writes and reads the compact state itself.
"""

from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
_SPEC_KEYS = ("spec", "subprocess_specs")


def spec_dicts(spec: Any, subprocess_specs: dict) -> dict:
    """The serialized form of a spec, computed once per deployed version."""
    workflow = BpmnWorkflow(spec, subprocess_specs)
    dct = _SERIALIZER.to_dict(workflow)
    return {key: dct[key] for key in _SPEC_KEYS}


def load_state(state: str, serialized_spec: dict, script_engine: Any) -> BpmnWorkflow:
    dct = json.loads(state)
    dct.update(serialized_spec)
    workflow = _SERIALIZER.from_dict(dct)
    workflow.script_engine = script_engine
    return workflow
