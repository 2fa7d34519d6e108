"""Starting a submission."""

from __future__ import annotations

from app import engine
from app.extensions import db
from app.models import AuditEvent, Org, ProcessInstance, Task, User
from app.services.clock import now
from app.services.definitions import compiled, latest_definition
from app.services.errors import BadRequest, Forbidden, NotFound
from app.services.policy import can_start, has_global_scope
from app.services.projection import apply_step
from app.services.transaction import transactional


@transactional
def start_instance(
    actor: User,
    process_key: str,
    title: str | None = None,
    org_id: int | None = None,
    data: dict | None = None,
) -> tuple[ProcessInstance, list[Task]]:
    """Start the latest version of a process on behalf of `actor`'s org.

    Only holders of the start lane's role may start; only the finance bureau (a role of
    county-wide scope) may start on behalf of another org. Raises NotFound, Forbidden,
    BadRequest (engine refused to start).
    """
    definition = latest_definition(process_key)
    if not can_start(actor, definition):
        raise Forbidden(f"您的角色不能发起“{definition.name}” (your roles may not start it)")
    org = actor.org
    if org_id is not None and org_id != actor.org_id:
        if not has_global_scope(actor):
            raise Forbidden("只有财政部门可以为其他单位发起 (only finance may name another org)")
        org = db.session.get(Org, org_id)
        if org is None:
            raise NotFound(f"单位 {org_id} 不存在 (no such org)")
    if data is not None and not isinstance(data, dict):
        raise BadRequest("data 必须是对象 (data must be a JSON object)")
    at = now()
    instance = ProcessInstance(
        definition_id=definition.id,
        process_key=definition.key,
        version=definition.version,
        title=(title or "").strip() or f"{definition.name} · {org.name}",
        org_id=org.id,
        org_path=org.path,
        started_by_id=actor.id,
        started_at=at,
        data=dict(data or {}),
        engine_state="",
    )
    db.session.add(instance)
    db.session.flush()
    try:
        step = engine.start_workflow(compiled(definition), dict(instance.data))
    except engine.EngineError as exc:
        raise BadRequest(f"流程无法启动 (the process could not start): {exc}") from exc
    db.session.add(AuditEvent(instance_id=instance.id, at=at, actor_id=actor.id, action="started"))
    ready = apply_step(instance, step, actor)
    db.session.flush()
    return instance, ready
