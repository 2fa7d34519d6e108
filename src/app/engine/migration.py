"""Moving a running workflow from one deployed version of its process to another.

SpiffWorkflow 3.2's spec diff (`SpiffWorkflow.bpmn.util.diff`) aligns the old version's
task specs with the new one's (by BPMN id first, then by structure) and
`migrate_workflow` re-points the workflow's tasks and re-predicts every waiting branch.
We add what the host needs on top:

- a step that waits must still exist under the *same id*: the task rows, the history
  and the inbox name steps by id, and a structural match under another id would move a
  person's work to a step they never heard of;
- every other task the compact state still holds (the tree is pruned: see
  compaction.py) must align, or lie below a waiting task (those are re-predicted); a
  finished task whose step was removed cannot be written on the new spec;
- every subprocess must exist in the new version.

`plan_migration` says why not, before anything changes; `migrate_state` moves a
workflow and returns the `Step` (state and ready tasks) valid on the new version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from app.engine.compiler import CompiledProcess
from app.engine.errors import EngineError
from app.engine.runtime import Step, load_workflow, run_to_wait
from app.engine.serializer import _SERIALIZER

_LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass
class MigrationPlan:
    # Why the workflow cannot move; empty when it can.
    problems: list[str] = field(default_factory=list)
    # Ids of the user tasks it waits at.
    waiting: list[str] = field(default_factory=list)

    @property
    def movable(self) -> bool:
        return not self.problems


def _label(task) -> str:
    spec = task.task_spec
    return spec.bpmn_id or spec.name


def _diff(old: CompiledProcess, new: CompiledProcess, workflow):
    try:
        return diff_workflow(_SERIALIZER.registry, workflow, new.spec, new.subprocess_specs)
    except (KeyError, AttributeError) as exc:  # a spec the diff could not place
        raise EngineError(
            _(
                "The two versions' process structures cannot be compared: %(reason)s",
                reason=str(exc),
            )
        ) from exc


def _check(workflow, top_diff, sub_diffs) -> MigrationPlan:
    plan = MigrationPlan()
    diffs = [(workflow, top_diff)]
    for sp_id, sp_diff in sub_diffs.items():
        subprocess = workflow.subprocesses[sp_id]
        if sp_diff is None:
            plan.problems.append(
                _(
                    "The subprocess “%(name)s” does not exist in the target version.",
                    name=subprocess.spec.name,
                )
            )
            continue
        diffs.append((subprocess, sp_diff))
    for wf, diff in diffs:
        live = [t for t in wf.get_tasks(state=_LIVE, skip_subprocesses=True)]
        for task in live:
            if task.task_spec.manual:
                plan.waiting.append(task.task_spec.bpmn_id)
            target = diff.alignment.get(task)
            if target is None or target.bpmn_id != task.task_spec.bpmn_id:
                plan.problems.append(
                    _(
                        "The step it waits at, “%(name)s”, does not exist in the target version.",
                        name=_label(task),
                    )
                )
        for task in diff.removed:
            if task in live or any(task.is_descendant_of(t) for t in live):
                continue  # live: reported above; below a live task: predicted again
            if task.has_state(TaskState.FINISHED_MASK):
                plan.problems.append(
                    _(
                        "The finished step “%(name)s” was removed in the target version: "
                        "its state cannot move.",
                        name=_label(task),
                    )
                )
            else:
                plan.problems.append(
                    _(
                        "The pending step “%(name)s” was removed in the target version.",
                        name=_label(task),
                    )
                )
    return plan


def plan_migration(old: CompiledProcess, new: CompiledProcess, state: str) -> MigrationPlan:
    """Whether a workflow stored as `state` on `old` can move to `new`, and why not."""
    workflow = load_workflow(old, state)
    try:
        top_diff, sub_diffs = _diff(old, new, workflow)
    except EngineError as exc:
        return MigrationPlan([str(exc)])
    return _check(workflow, top_diff, sub_diffs)


def migrate_state(old: CompiledProcess, new: CompiledProcess, state: str) -> Step:
    """Move the workflow onto `new` and run it to its next wait state.

    Raises EngineError naming every reason when it cannot move (see `plan_migration`).
    """
    workflow = load_workflow(old, state)
    top_diff, sub_diffs = _diff(old, new, workflow)
    plan = _check(workflow, top_diff, sub_diffs)
    if not plan.movable:
        raise EngineError("; ".join(plan.problems))
    for sp_id, sp_diff in sub_diffs.items():
        subprocess = workflow.subprocesses[sp_id]
        migrate_workflow(sp_diff, subprocess, new.subprocess_specs[subprocess.spec.name])
    migrate_workflow(top_diff, workflow, new.spec)
    workflow.subprocess_specs = new.subprocess_specs
    try:
        return run_to_wait(new, workflow)
    except EngineError:
        raise
    except Exception as exc:  # the engine's own errors, named for the administrator
        raise EngineError(
            _("The workflow cannot go on after the migration: %(reason)s", reason=str(exc))
        ) from exc
