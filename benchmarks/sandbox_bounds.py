"""What bounding diagram code costs: per condition and per script call, and per step.

"In-process" is RestrictedPython run in the host, as the sandbox did before its bounds
moved into a worker process (without the old tracer, which made it slower still):
the same compiled code, guards, scope and write-back, with no time or memory bound that
holds for a single builtin call. "Ours" is what the engine runs now: conditions that are
only comparisons of fields inline in the host, everything else in a pooled worker process
whose deadline the host enforces and whose stored data is measured before it comes back.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from figures import timed

from app import engine
from app.engine import runtime
from app.engine.restricting import compiled
from app.engine.sandbox import SandboxedEnvironment, SandboxedScriptEngine
from app.engine.script_runner import run, scope_for, write_back

DIAGRAM = Path(__file__).parents[1] / "tests" / "fixtures" / "processes" / "simple_approval.bpmn"
ROW = {"level1": "产出指标", "name": "维修面积", "sign": "≥", "target": "3000", "unit": "平方米"}


def task_data(rows: int) -> dict:
    """A monitoring step's data: a project's fields and `rows` indicator rows."""
    return {
        "project_name": "校舍维修改造",
        "project_code": "JY-2027-001",
        "total_amount": 120.5,
        "spent": 80.25,
        "decision": "approve",
        "comment": "同意",
        "indicators": [dict(ROW, name=f"指标{i}") for i in range(rows)],
    }


class InProcess(SandboxedEnvironment):
    """The sandbox without its worker: every call runs restricted in the host."""

    def _in_worker(self, mode, source, context, external, seconds, too_long) -> Any:
        code = compiled(source, mode)
        scope = scope_for(self.functions, context, external)
        value = run(code, scope)
        if mode == "eval":
            return value
        write_back(scope, context, external or {}, self.functions)
        return context, []

    def evaluate(self, expression, context, external_context=None) -> Any:
        code = compiled(expression, "eval")
        return run(code, scope_for(self.functions, context, external_context))


@dataclass
class CallCost:
    label: str
    in_process_us: float
    ours_us: float


FUNCTIONS = {"execution_rate": lambda spent, budget: spent / budget if budget else None}
CALLS = [
    # (label, mode, source, rows of task data)
    ('condition `decision == "return"` (inline)', "eval", 'decision == "return"', 10),
    ("condition calling a function", "eval", "execution_rate(spent, total_amount) < 0.5", 10),
    ("script, 2 lines, 10 rows of data (2 KB)", "exec", "rate = spent / total_amount\nok = 1", 10),
    ("script, 2 lines, 100 rows of data (13 KB)", "exec", "rate = spent / total_amount", 100),
    ("script calling a function", "exec", "rate = execution_rate(spent, total_amount)", 10),
]


def per_call(repeat: int = 2000) -> list[CallCost]:
    """Microseconds per call (median of `repeat`), in-process and ours, interleaved."""
    inline, ours = InProcess(FUNCTIONS), SandboxedEnvironment(FUNCTIONS)
    costs = []
    for label, mode, source, rows in CALLS:
        data = task_data(rows)
        _call(ours, mode, source, data)  # a worker starts, the source compiles, untimed
        samples_in, samples_ours = [], []
        for _ in range(10):  # interleaved, so both see the same noise
            samples_in += timed(lambda: _call(inline, mode, source, data), repeat // 10)  # noqa: B023
            samples_ours += timed(lambda: _call(ours, mode, source, data), repeat // 10)  # noqa: B023
        costs.append(
            CallCost(
                label, statistics.median(samples_in) * 1000, statistics.median(samples_ours) * 1000
            )
        )
    return costs


def _call(env: SandboxedEnvironment, mode: str, source: str, data: dict) -> None:
    if mode == "eval":
        env.evaluate(source, data)
    else:
        env.execute(source, dict(data))


SCRIPT_TASK = """<bpmn:scriptTask id="rate" name="执行率">
      <bpmn:incoming>flow_to_decision</bpmn:incoming>
      <bpmn:outgoing>flow_rated</bpmn:outgoing>
      <bpmn:script>rate = total_amount / 2
checked = decision != ""</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="flow_rated" sourceRef="rate" targetRef="review_decision" />
    <bpmn:sequenceFlow id="flow_to_decision" sourceRef="dept_review" targetRef="rate" />"""


def step_with_a_script(repeat: int = 300) -> tuple[float, float]:
    """p50 ms of app.engine.complete_task of dept_review in simple_approval with a script
    task added before its gateway: in-process scripts, then ours, interleaved."""
    xml = DIAGRAM.read_text(encoding="utf-8")
    xml = xml.replace(
        '<bpmn:sequenceFlow id="flow_to_decision" sourceRef="dept_review" '
        'targetRef="review_decision" />',
        SCRIPT_TASK,
    ).replace(
        "<bpmn:incoming>flow_to_decision</bpmn:incoming>\n      <bpmn:outgoing>flow_approve",
        "<bpmn:incoming>flow_rated</bpmn:incoming>\n      <bpmn:outgoing>flow_approve",
    )
    process = engine.compile_process(xml.encode(), "simple_approval.bpmn")
    data = task_data(10)
    step = engine.start_workflow(process, {})
    step = engine.complete_task(process, step.state, step.ready[0].engine_task_id, data)
    state, task_id = step.state, step.ready[0].engine_task_id
    held = runtime.current_runtime()  # the engine's own outside an app: not changed here
    ours = held.script_engine
    in_process = SandboxedScriptEngine(environment=InProcess(runtime.registered_functions()))

    def complete() -> None:
        done = engine.complete_task(process, state, task_id, {**data, "decision": "approve"})
        assert done.ready[0].spec.id == "finance_review"

    samples_in, samples_ours = [], []
    try:
        for _ in range(10):
            held.script_engine = in_process
            samples_in += timed(complete, repeat // 10)
            held.script_engine = ours
            samples_ours += timed(complete, repeat // 10)
    finally:
        held.script_engine = ours
    return statistics.median(samples_in), statistics.median(samples_ours)
