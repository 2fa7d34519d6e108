"""One step of simple_approval, and return loops, on bare SpiffWorkflow and on our door.

Bare means what an application gets from SpiffWorkflow as documented: the full
serializer (spec included) around `task.run()` and `do_engine_steps()`, with its own
script engine. Ours is `app.engine.complete_task` on the compact state.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from figures import timed
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from app import engine

DIAGRAM = Path(__file__).parents[1] / "tests" / "fixtures" / "processes" / "simple_approval.bpmn"
SUBMISSION = {"project_name": "校舍维修改造", "total_amount": 120.5, "annual_goal": "完成维修"}
RETURN = {"decision": "return", "comment": "细化指标"}


class Bare:
    """SpiffWorkflow with nothing of ours: parse, serialize_json, deserialize_json."""

    def __init__(self) -> None:
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(DIAGRAM))
        self.spec = parser.get_spec("simple_approval")
        self.subprocess_specs = parser.get_subprocess_specs("simple_approval")
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

    def start(self) -> tuple[str, str]:
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs)
        workflow.do_engine_steps()
        return self.serializer.serialize_json(workflow), self.ready(workflow)

    def step(self, state: str, task_id: str, data: dict) -> tuple[str, str | None]:
        workflow = self.serializer.deserialize_json(state)
        task = workflow.get_task_from_id(UUID(task_id))
        task.data.update(data)
        task.run()
        workflow.do_engine_steps()
        return self.serializer.serialize_json(workflow), self.ready(workflow)

    @staticmethod
    def ready(workflow: BpmnWorkflow) -> str | None:
        tasks = workflow.get_tasks(state=TaskState.READY, manual=True)
        return str(tasks[0].id) if tasks else None


class Ours:
    def __init__(self) -> None:
        self.process = engine.compile_process(DIAGRAM.read_bytes(), DIAGRAM.name)

    def start(self) -> tuple[str, str]:
        step = engine.start_workflow(self.process, {})
        return step.state, step.ready[0].engine_task_id

    def step(self, state: str, task_id: str, data: dict) -> tuple[str, str | None]:
        step = engine.complete_task(self.process, state, task_id, data)
        return step.state, step.ready[0].engine_task_id if step.ready else None


@dataclass
class LoopCost:
    first_ms: float
    hundredth_ms: float
    first_size: int
    hundredth_size: int

    @property
    def ratio(self) -> float:
        return self.hundredth_ms / self.first_ms


def one_step(runner: Bare | Ours, repeat: int) -> list[float]:
    """Completing fill_targets of a fresh instance, `repeat` times from the same state."""
    state, task_id = runner.start()
    return timed(lambda: runner.step(state, task_id, SUBMISSION), repeat)


def return_loops(runner: Bare | Ours, loops: int = 100, repeat: int = 30) -> LoopCost:
    """The cost of one return loop (fill_targets, then dept_review returning) at loop 1
    and at loop `loops`, each the median of `repeat` runs from the stored state."""
    state, task_id = runner.start()
    marks: dict[int, tuple[str, str]] = {}
    for loop in range(1, loops + 1):
        marks[loop] = (state, task_id)
        state, task_id = runner.step(state, task_id, SUBMISSION)
        state, task_id = runner.step(state, task_id, RETURN)

    def loop_at(n: int) -> float:
        start_state, start_id = marks[n]

        def run() -> None:
            after, review_id = runner.step(start_state, start_id, SUBMISSION)
            runner.step(after, review_id, RETURN)

        return statistics.median(timed(run, repeat))

    return LoopCost(loop_at(1), loop_at(loops), len(marks[1][0]), len(marks[loops][0]))
