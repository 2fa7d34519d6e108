"""Model objects as the JSON shapes of the API contract."""

from __future__ import annotations

from datetime import datetime

from app.models import AuditEvent, ProcessDefinition, ProcessInstance, Task


def iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None


def task_json(task: Task) -> dict:
    return {
        "id": task.id,
        "instance_id": task.instance_id,
        "process_key": task.process_key,
        "activity_id": task.activity_id,
        "name": task.name,
        "role": task.role_code,
        "org": task.org.code if task.org else None,
        "org_name": task.org.name if task.org else None,
        "title": task.instance.title if task.instance else None,
        "assignee": task.assignee.username if task.assignee else None,
        "status": task.status,
        "created_at": iso(task.created_at),
        "due_at": iso(task.due_at),
    }


def current_json(task: Task) -> dict:
    return {
        "task_id": task.id,
        "activity_id": task.activity_id,
        "name": task.name,
        "role": task.role_code,
        "org": task.org.code if task.org else None,
        "assignee": task.assignee.username if task.assignee else None,
        "since": iso(task.created_at),
        "due_at": iso(task.due_at),
    }


def instance_json(instance: ProcessInstance, current: list[Task]) -> dict:
    return {
        "id": instance.id,
        "process_key": instance.process_key,
        "version": instance.version,
        "title": instance.title,
        "org": instance.org.code,
        "org_name": instance.org.name,
        "status": instance.status,
        "started_at": iso(instance.started_at),
        "ended_at": iso(instance.ended_at),
        "current": [current_json(task) for task in current],
    }


def history_json(event: AuditEvent) -> dict:
    return {
        "at": iso(event.at),
        "actor": event.actor.username if event.actor else None,
        "action": event.action,
        "activity_id": event.activity_id,
        "name": event.activity_name,
        "comment": event.comment,
        "decision": (event.details or {}).get("decision"),
    }


def definition_json(definition: ProcessDefinition) -> dict:
    return {"key": definition.key, "name": definition.name, "version": definition.version}
