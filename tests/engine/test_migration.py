"""Moving a workflow onto another version of its diagram: parallel branches half done,
a waiting boundary timer, a call activity and an embedded subprocess all carry over and
run to the end on the new version; a step that is gone refuses the move."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine import compile_process, complete_task, migrate_state, plan_migration, start_workflow

FIXTURES = Path(__file__).parents[1] / "fixtures" / "engine"


def versions(name: str):
    """v1 and a v2 whose user tasks are all renamed (what an administrator often changes)."""
    xml = (FIXTURES / f"{name}.bpmn").read_text()
    renamed = xml.replace('name="after"', 'name="after v2"').replace(
        'name="fill"', 'name="fill v2"'
    )
    return compile_process(xml.encode()), compile_process(renamed.encode())


def complete(proc, step, activity: str, data: dict | None = None):
    (task,) = [t for t in step.ready if t.spec.id == activity]
    return complete_task(proc, step.state, task.engine_task_id, data or {})


def ids(step) -> list[str]:
    return sorted(t.spec.id for t in step.ready)


def test_half_done_parallel_branches_and_a_waiting_timer_move_and_finish():
    old, new = versions("boundary_timer")
    step = complete(old, start_workflow(old, {}), "other")
    assert ids(step) == ["fill"]
    assert plan_migration(old, new, step.state).movable
    moved = migrate_state(old, new, step.state)
    assert [(t.spec.id, t.spec.name) for t in moved.ready] == [("fill", "fill v2")]
    assert moved.ready[0].engine_task_id == step.ready[0].engine_task_id
    step = complete(new, moved, "fill")
    assert [(t.spec.id, t.spec.name) for t in step.ready] == [("after", "after v2")]
    assert complete(new, step, "after").finished


@pytest.mark.parametrize("waiting_at", ["child_task", "inner_task", "after"])
def test_a_workflow_inside_a_call_activity_or_subprocess_moves_and_finishes(waiting_at):
    old, new = versions("subprocesses")
    step = start_workflow(old, {})
    order = ["child_task", "inner_task", "after"]
    for activity in order[: order.index(waiting_at)]:
        step = complete(old, step, activity)
    assert ids(step) == [waiting_at]
    step = migrate_state(old, new, step.state)
    for activity in order[order.index(waiting_at) :]:
        assert ids(step) == [activity]
        step = complete(new, step, activity)
    assert step.finished


def test_a_step_removed_from_the_new_version_refuses_the_move_and_says_which():
    xml = (FIXTURES / "boundary_timer.bpmn").read_text()
    old = compile_process(xml.encode())
    gone = compile_process(
        xml.replace('"fill"', '"fill_in"').replace(">fill<", ">fill_in<").encode()
    )
    step = start_workflow(old, {})
    plan = plan_migration(old, gone, step.state)
    assert not plan.movable and any("fill" in problem for problem in plan.problems)
