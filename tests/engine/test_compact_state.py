"""The engine keeps an instance's state small and flat however long its history, and
pruning it never changes what runs next: joins fire once, defaults are taken, timers
keep waiting, subprocesses go on, and waiting tasks keep their ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.engine import TaskNotReady, compile_process, complete_task, start_workflow
from app.engine.serializer import _SERIALIZER

FIXTURES = Path(__file__).parents[1] / "fixtures"
WAITING = 8


def process(name: str):
    folder = "processes" if name == "simple_approval" else "engine"
    path = FIXTURES / folder / f"{name}.bpmn"
    return compile_process(path.read_bytes(), path.name)


def ready_ids(step) -> list[str]:
    return sorted(task.spec.id for task in step.ready)


def complete(proc, step, activity: str, data: dict | None = None, context: dict | None = None):
    """Complete the one ready task of `activity`, handing the engine `context` + `data`
    as the host does (the instance's full data plus the submission)."""
    (task,) = [task for task in step.ready if task.spec.id == activity]
    return complete_task(proc, step.state, task.engine_task_id, {**(context or {}), **(data or {})})


def test_two_hundred_return_loops_keep_the_state_small_and_the_run_still_ends():
    proc = process("simple_approval")
    step = start_workflow(proc, {"title": "项目"})
    sizes = []
    for loop in range(1, 201):
        step = complete(proc, step, "fill_targets", {"amount": loop, "notes": "x" * 200})
        step = complete(proc, step, "dept_review", {"decision": "return"})
        assert ready_ids(step) == ["fill_targets"]
        sizes.append(len(step.state))
    assert sizes[-1] <= 1.5 * sizes[0]

    step = complete(proc, step, "fill_targets", {"amount": 201})
    step = complete(proc, step, "dept_review", {"decision": "approve"})
    assert ready_ids(step) == ["finance_review"]
    step = complete(proc, step, "finance_review", {"decision": "approve"})
    assert step.finished
    assert step.ready == []


@pytest.mark.parametrize("first, second", [("task_a", "task_b"), ("task_b", "task_a")])
def test_parallel_join_continues_exactly_once_whichever_branch_finishes_last(first, second):
    proc = process("parallel_review")
    step = start_workflow(proc, {})
    assert ready_ids(step) == ["task_a", "task_b"]

    step = complete(proc, step, first, {first: 1})
    assert ready_ids(step) == [second]
    step = complete(proc, step, second, {second: 2})
    assert ready_ids(step) == ["review"]

    step = complete(proc, step, "review", {"decision": "approve"})
    assert step.finished


def test_a_waiting_branch_keeps_its_engine_task_id_while_the_other_moves_on():
    proc = process("parallel_review")
    step = start_workflow(proc, {})
    waiting_b = next(t.engine_task_id for t in step.ready if t.spec.id == "task_b")
    step = complete(proc, step, "task_a")
    assert [t.engine_task_id for t in step.ready] == [waiting_b]


def test_return_loops_through_a_parallel_split_and_join_stay_bounded():
    proc = process("parallel_review")
    step = start_workflow(proc, {})
    sizes = []
    for loop in range(30):
        order = ("task_a", "task_b") if loop % 2 else ("task_b", "task_a")
        for activity in order:
            step = complete(proc, step, activity, {"loop": loop})
        assert ready_ids(step) == ["review"]
        step = complete(proc, step, "review", {"decision": "return"})
        assert ready_ids(step) == ["task_a", "task_b"]
        sizes.append(len(step.state))
    assert sizes[-1] <= 1.5 * sizes[0]
    step = complete(proc, step, "task_a")
    step = complete(proc, step, "task_b")
    step = complete(proc, step, "review", {"decision": "approve"})
    assert step.finished


def test_exclusive_gateway_takes_the_default_flow_when_no_condition_holds():
    proc = process("default_flow")
    step = complete(proc, start_workflow(proc, {}), "apply", {"amount": 10})
    assert ready_ids(step) == ["small_review"]
    step = complete(proc, step, "small_review", context=step.data)
    assert step.finished


def test_exclusive_gateway_takes_the_conditional_flow_when_it_holds():
    proc = process("default_flow")
    step = complete(proc, start_workflow(proc, {}), "apply", {"amount": 80})
    assert ready_ids(step) == ["large_review"]


def test_step_data_is_the_submission_plus_what_scripts_set():
    proc = process("default_flow")
    step = start_workflow(proc, {"title": "t"})
    step = complete(proc, step, "apply", {"amount": 10}, context={"title": "t"})
    assert step.data == {"title": "t", "amount": 10, "total": 20}
    # The state carries no copy of a finished task's data: the host hands it back.
    tasks = json.loads(step.state)["tasks"].values()
    finished = [t for t in tasks if t["state"] & (64 | 256)]
    assert finished and all(t["data"] == {} for t in finished)
    assert all(not (t.get("delta") or {}).get("updates") for t in finished)


def timer_states(state: str) -> list[str]:
    tasks = json.loads(state)["tasks"].values()
    return [t["state"] for t in tasks if t["task_spec"] == "remind"]


def test_non_interrupting_timer_keeps_waiting_across_steps_until_its_task_is_done():
    proc = process("boundary_timer")
    step = start_workflow(proc, {})
    assert ready_ids(step) == ["fill", "other"]
    assert timer_states(step.state) == [WAITING]

    step = complete(proc, step, "other")
    assert ready_ids(step) == ["fill"]
    assert timer_states(step.state) == [WAITING]

    step = complete(proc, step, "fill")
    assert ready_ids(step) == ["after"]
    assert WAITING not in timer_states(step.state)
    step = complete(proc, step, "after")
    assert step.finished


def test_user_tasks_inside_a_call_activity_and_an_embedded_subprocess_wait_and_run():
    proc = process("subprocesses")
    step = start_workflow(proc, {"title": "t"})
    assert ready_ids(step) == ["child_task"]
    step = complete(proc, step, "child_task", {"child": 1}, context={"title": "t"})
    assert ready_ids(step) == ["inner_task"]
    step = complete(proc, step, "inner_task", {"inner": 2}, context={"title": "t", "child": 1})
    assert ready_ids(step) == ["after"]
    assert step.data["inner"] == 2
    step = complete(proc, step, "after", context=step.data)
    assert step.finished
    assert json.loads(step.state)["subprocesses"] == {}


def test_a_completed_task_cannot_be_completed_again():
    proc = process("simple_approval")
    step = start_workflow(proc, {})
    before = step
    step = complete(proc, step, "fill_targets")
    with pytest.raises(TaskNotReady):
        complete_task(proc, step.state, before.ready[0].engine_task_id, {})


def test_state_written_by_the_full_serializer_still_runs():
    """Instances started before compaction hold SpiffWorkflow's whole tree."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    proc = process("simple_approval")
    workflow = BpmnWorkflow(proc.spec, proc.subprocess_specs)
    workflow.do_engine_steps()
    legacy = _SERIALIZER.to_dict(workflow)
    for key in ("spec", "subprocess_specs"):
        legacy.pop(key)
    (ready,) = workflow.get_tasks(state=TaskState.READY, manual=True)
    step = complete_task(proc, json.dumps(legacy, default=str), str(ready.id), {"amount": 1})
    assert ready_ids(step) == ["dept_review"]
    assert json.loads(step.state)["compact"] == 1
