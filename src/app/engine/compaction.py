"""Pruning the task tree so that an instance's state does not grow with its history.

SpiffWorkflow keeps every task it ever ran: a return loop adds a chain of finished tasks
on every pass, and each later load, run and dump walks all of them. Almost none of them
is read again. What the engine does read (SpiffWorkflow 3.2, bpmn/specs/):

- a live task's parent: parallel and inclusive joins test `task.parent.state` and
  `task.parent.task_spec` of their own tasks, `UnstructuredJoin._run_hook` merges the
  parents' data of the other join tasks, `Task._inherit_data` copies the parent's data;
- a live task's children: a multi-instance task finds its merged instances among them;
- the split a boundary-event or start-event join finds with `find_ancestor(split_task)`;
- ancestry between live tasks (`is_descendant_of`, for joins inside loops), which
  linking each kept task to its nearest kept ancestor preserves;
- the subprocess of a live subworkflow task, and a subworkflow's `last_task`.

So we keep the root, every unfinished task with its parent and children, finished
splits that still have live branches, event splits above live tasks and `last_task`,
link each to its nearest kept ancestor, and drop the rest. Finished tasks also lose
their data: every step hands the engine the instance's full data again.
"""

from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import EventSplit
from SpiffWorkflow.util.task import TaskState


def prune(workflow: BpmnWorkflow) -> None:
    """Drop finished tasks and finished subprocesses nothing will read again, in place.

    Meant for the moment after a step, just before the workflow is serialized.
    """
    _prune_tree(workflow)
    for subprocess in workflow.subprocesses.values():
        _prune_tree(subprocess)
    _drop_finished_subprocesses(workflow)


def _prune_tree(workflow) -> None:
    tasks = workflow.tasks
    root = workflow.task_tree
    keep: set[UUID] = {root.id}
    live = [task for task in tasks.values() if not task.has_state(TaskState.FINISHED_MASK)]
    # How many children of each finished task lead to a live task: two or more is a split
    # whose branches are still running.
    live_branches: dict[UUID, set[UUID]] = {}
    for task in live:
        keep.add(task.id)
        keep.update(task._children)
        if task._parent is not None:
            keep.add(task._parent)
        child, parent = task, task.parent
        while parent is not None and parent.has_state(TaskState.FINISHED_MASK):
            branches = live_branches.setdefault(parent.id, set())
            if child.id in branches:
                break  # the rest of this chain was walked from another live task
            branches.add(child.id)
            if isinstance(parent.task_spec, EventSplit):
                keep.add(parent.id)
            child, parent = parent, parent.parent
    keep.update(tid for tid, branches in live_branches.items() if len(branches) > 1)
    if workflow.last_task is not None:
        keep.add(workflow.last_task.id)
    keep.intersection_update(tasks)
    if len(keep) == len(tasks):
        _drop_finished_data(tasks.values())
        return
    _relink(tasks, root, keep)
    for tid in [tid for tid in tasks if tid not in keep]:
        del tasks[tid]
    _drop_finished_data(tasks.values())


def _relink(tasks: dict, root, keep: set[UUID]) -> None:
    """Point each kept task at its nearest kept ancestor, keeping the children's order."""
    children: dict[UUID, list[UUID]] = {tid: [] for tid in keep}
    stack = [(child, root.id) for child in reversed(root._children)]
    while stack:
        tid, ancestor = stack.pop()
        task = tasks.get(tid)
        if task is None:
            continue
        if tid in keep:
            task._parent = ancestor
            children[ancestor].append(tid)
            ancestor = tid
        stack.extend((child, ancestor) for child in reversed(task._children))
    for tid, kept_children in children.items():
        tasks[tid]._children = kept_children


def _drop_finished_data(tasks) -> None:
    for task in tasks:
        if task.has_state(TaskState.FINISHED_MASK):
            task.data = {}


def _drop_finished_subprocesses(workflow: BpmnWorkflow) -> None:
    """A subprocess is read through its live owner task; without one it is history."""
    changed = True
    while changed:
        changed = False
        owners = {tid: task for tid, task in workflow.tasks.items()}
        for subprocess in workflow.subprocesses.values():
            owners.update(subprocess.tasks)
        for tid in list(workflow.subprocesses):
            owner = owners.get(tid)
            if owner is None or owner.has_state(TaskState.FINISHED_MASK):
                del workflow.subprocesses[tid]
                changed = True
