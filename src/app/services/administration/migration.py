"""Moving running submissions from an old version of their process to a newer one.

A dry run (`plan_migration`) says per submission whether it can move and why not,
changing nothing. Migrating (`migrate_submissions`) then moves the movable ones, each
in its own transaction (one refusal or one failure never undoes the others), records it
in each submission's history, and logs the whole action with who and why. Submissions
that cannot move are left untouched on their version.

A submission can move when the engine can carry its state over (engine/migration.py:
the steps it waits at still exist under the same id, nothing it still refers to was
removed) and the form of every step it waits at stays fillable: the target form's
required fields the person cannot type in (read-only ones) must already be in the
submission's data, and valid by the target form.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import engine
from app.engine.computed_fields import computed_before
from app.engine.migration import plan_migration as engine_plan
from app.engine.xml import parse_xml
from app.extensions import db
from app.forms import validate_data
from app.models import (
    AuditEvent,
    Org,
    ProcessDefinition,
    ProcessInstance,
    Task,
    User,
    UserRole,
)
from app.models.instance import STATUS_RUNNING
from app.models.org import ACTING, RoleCode
from app.models.task import TASK_READY
from app.services.administration.diagram_views import definition_version
from app.services.administration.process_audit import MIGRATED, record_process_event
from app.services.foundation.clock import now
from app.services.foundation.errors import BadRequest, Conflict, NotFound, ServiceError
from app.services.foundation.locking import lock_instance
from app.services.foundation.policy import require_can_deploy
from app.services.foundation.transaction import transactional
from app.services.runtime.definitions import compiled, pinned_form
from app.services.runtime.projection import move_rows


@dataclass
class Candidate:
    """One submission of the dry run."""

    instance_id: int
    title: str
    org_name: str
    current: list[str]  # names of the steps it waits at
    problems: list[str] = field(default_factory=list)

    @property
    def movable(self) -> bool:
        return not self.problems


@dataclass
class MigrationResult:
    moved: list[int] = field(default_factory=list)
    refused: dict[int, list[str]] = field(default_factory=dict)


def _versions(key: str, from_version: int, to_version: int):
    if to_version <= from_version:
        raise BadRequest(
            _l(
                "A migration goes to a newer version only: v%(from_version)s → v%(to_version)s.",
                from_version=from_version,
                to_version=to_version,
            )
        )
    return definition_version(key, from_version), definition_version(key, to_version)


def _selected(
    source: ProcessDefinition, activity: str | None, org_id: int | None, ids: list[int] | None
) -> list[ProcessInstance]:
    query = select(ProcessInstance).where(
        ProcessInstance.definition_id == source.id, ProcessInstance.status == STATUS_RUNNING
    )
    if activity:
        query = query.where(
            ProcessInstance.id.in_(
                select(Task.instance_id).where(
                    Task.status == TASK_READY, Task.activity_id == activity
                )
            )
        )
    if org_id is not None:
        org = db.session.get(Org, org_id)
        if org is None:
            raise NotFound(_l("There is no organisation %(org_id)s.", org_id=org_id))
        query = query.where(ProcessInstance.org_path.startswith(org.path))
    if ids is not None:
        query = query.where(ProcessInstance.id.in_(ids or [-1]))
    query = query.order_by(ProcessInstance.id).options(joinedload(ProcessInstance.org))
    return list(db.session.scalars(query))


def _open_tasks(instance_id: int) -> list[Task]:
    return list(
        db.session.scalars(
            select(Task)
            .where(Task.instance_id == instance_id, Task.status == TASK_READY)
            .order_by(Task.id)
        )
    )


def _problems(instance: ProcessInstance, target: ProcessDefinition) -> list[str]:
    source = instance.definition
    plan = engine_plan(compiled(source), compiled(target), instance.engine_state)
    problems = list(plan.problems)
    if problems:
        return problems
    new_process = compiled(target)
    data = instance.data or {}
    target_root = parse_xml(target.bpmn_xml.encode())
    for activity_id in dict.fromkeys(plan.waiting):
        spec = new_process.user_tasks.get(activity_id)
        if spec is None:  # the engine aligned it: a user task in one, not in the other
            problems.append(
                _l(
                    "The step “%(activity)s” is no longer a user task in the target version.",
                    activity=activity_id,
                )
            )
            continue
        problems += _form_problems(spec, target, data)
        for name in sorted(computed_before(target_root, activity_id) - data.keys()):
            problems.append(
                _l(
                    "The target version computes “%(name)s” before “%(step)s”; this submission "
                    "ran on the old version and has no such value: finish it on that version.",
                    name=name,
                    step=spec.name,
                )
            )
    return [str(problem) for problem in problems]  # in the reader's language, now


def _form_problems(spec: engine.UserTaskSpec, target: ProcessDefinition, data: dict) -> list:
    """Required fields the person cannot type in must already hold a valid value."""
    schema = pinned_form(target, spec.form)
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return []
    ui = pinned_form(target, spec.ui_form) or {}
    whole_read_only = bool(ui.get("ui:readonly"))
    problems = []
    for name in schema.get("required") or []:
        sub_ui = ui.get(name) if isinstance(ui.get(name), dict) else {}
        if not (whole_read_only or sub_ui.get("ui:readonly")):
            continue  # the person fills it in at this step
        if name not in data:
            problems.append(
                _l(
                    "The target form “%(form)s” requires the read-only field “%(name)s”, "
                    "which the submission has no value for.",
                    form=spec.form,
                    name=name,
                )
            )
            continue
        partial = {
            **{k: v for k, v in schema.items() if k not in ("required", "properties")},
            "type": "object",
            "properties": {name: schema["properties"].get(name, {})},
        }
        for error in validate_data(partial, {name: data[name]}):
            problems.append(
                _l(
                    "The value of the read-only field “%(name)s” does not fit the target form "
                    "“%(form)s”: %(reason)s",
                    form=spec.form,
                    name=name,
                    reason=error.message,
                )
            )
    return problems


def plan_migration(
    actor: User,
    key: str,
    from_version: int,
    to_version: int,
    activity: str | None = None,
    org_id: int | None = None,
) -> list[Candidate]:
    """The dry run: the running submissions of `key` v`from_version` (optionally only those
    waiting at `activity`, or of `org_id` and its sub-organisations) and whether each could
    move to v`to_version`. Changes nothing. Raises Forbidden, NotFound, BadRequest."""
    require_can_deploy(actor)
    source, target = _versions(key, from_version, to_version)
    candidates = []
    for instance in _selected(source, activity, org_id, None):
        current = [t.name for t in _open_tasks(instance.id)]
        candidates.append(
            Candidate(
                instance.id,
                instance.title,
                instance.org.name,
                current,
                _problems(instance, target),
            )
        )
    return candidates


def migrate_submissions(
    actor: User,
    key: str,
    from_version: int,
    to_version: int,
    reason: str,
    activity: str | None = None,
    org_id: int | None = None,
    instance_ids: list[int] | None = None,
) -> MigrationResult:
    """Move the selected submissions that can move, one transaction each; log the action.

    `instance_ids` narrows the selection further (what the dry run showed). Raises
    Forbidden for anyone but a process administrator and BadRequest without a reason;
    submissions that cannot move are listed in the result with why, and left unchanged.
    """
    require_can_deploy(actor)
    reason = (reason or "").strip()
    if not reason:
        raise BadRequest(_l("A reason for the migration is required."))
    source, target = _versions(key, from_version, to_version)
    source_id, target_id = source.id, target.id
    selected = [i.id for i in _selected(source, activity, org_id, instance_ids)]
    result = MigrationResult()
    for instance_id in selected:
        try:
            migrate_submission(actor, instance_id, source_id, target_id, reason)
        except ServiceError as exc:
            result.refused[instance_id] = exc.details or [exc.message]
        else:
            result.moved.append(instance_id)
    _log_migration(actor, key, from_version, to_version, reason, result)
    return result


@transactional
def _log_migration(actor, key, from_version, to_version, reason, result) -> None:
    record_process_event(
        actor,
        key,
        to_version,
        MIGRATED,
        reason,
        {
            "from_version": from_version,
            "to_version": to_version,
            "moved": result.moved,
            "refused": {str(k): v for k, v in result.refused.items()},
        },
    )


@transactional
def migrate_submission(
    actor: User, instance_id: int, source_id: int, target_id: int, reason: str
) -> ProcessInstance:
    """Move one submission from definition `source_id` to `target_id`, under its row lock.

    Raises Conflict when it is no longer running on the source version, BadRequest
    (details: every reason) when it cannot move.
    """
    require_can_deploy(actor)
    instance = lock_instance(instance_id)
    if instance.status != STATUS_RUNNING or instance.definition_id != source_id:
        raise Conflict(
            _l(
                "Submission %(instance_id)s no longer runs on the source version.",
                instance_id=instance_id,
            ),
            details=[_l("No longer running on the source version.")],
        )
    target = db.session.get(ProcessDefinition, target_id)
    problems = _problems(instance, target)
    if problems:
        raise BadRequest(
            _l("Submission %(instance_id)s cannot be migrated.", instance_id=instance_id),
            details=problems,
        )
    old_version = instance.version
    try:
        step = engine.migrate_state(
            compiled(instance.definition), compiled(target), instance.engine_state
        )
    except engine.EngineError as exc:
        raise BadRequest(str(exc), details=[str(exc)]) from exc
    instance.definition_id = target.id
    instance.definition = target
    instance.version = target.version
    at = now()
    move_rows(instance, step, actor, at)
    db.session.add(
        AuditEvent(
            instance_id=instance.id,
            at=at,
            actor_id=actor.id,
            action="migrated",
            comment=reason,
            details={"from_version": old_version, "to_version": target.version},
        )
    )
    db.session.flush()
    return instance


@dataclass
class UpgradeReport:
    """What moving a key's running submissions to its newest version did."""

    key: str
    to_version: int
    moved: int = 0
    stayed: dict[int, list[str]] = field(default_factory=dict)  # instance id → why


def a_process_admin() -> User | None:
    """An active process administrator, in whose name set-up moves submissions."""
    return db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role_code == RoleCode.PROCESS_ADMIN, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
        .options(*ACTING)
    )


def move_to_new_versions(
    actor: User, definitions: list[ProcessDefinition], reason: str
) -> list[UpgradeReport]:
    """Move the running submissions of every older version of each newly deployed process
    to it where they can move; the others finish on the version they started on (each
    refusal says why). Raises Forbidden for anyone but a process administrator."""
    require_can_deploy(actor)
    reports = []
    for definition in definitions:
        report = UpgradeReport(definition.key, definition.version)
        older = db.session.scalars(
            select(ProcessInstance.definition_id)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(
                ProcessDefinition.key == definition.key,
                ProcessDefinition.version < definition.version,
                ProcessInstance.status == STATUS_RUNNING,
            )
            .distinct()
        )
        for source_id in list(older):
            source = db.session.get(ProcessDefinition, source_id)
            result = migrate_submissions(
                actor, definition.key, source.version, definition.version, reason
            )
            report.moved += len(result.moved)
            report.stayed.update(result.refused)
        reports.append(report)
    return reports
