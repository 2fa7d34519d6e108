"""The audit log is evidence: who did what, when, from where, and it cannot be rewritten."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import AuditEvent
from app.models.audit import AuditLogIsAppendOnly
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS

SRC = Path(__file__).parents[3] / "src" / "app"


def _token(client, username: str) -> str:
    answer = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
    return answer.get_json()["token"]


def test_a_completion_records_actor_time_address_and_the_fields_it_changed(app, client, user):
    instance, ready = start_instance(user("unit"), "simple_approval", title="审计")
    token = _token(client, "unit")
    answer = client.post(
        f"/api/v1/tasks/{ready[0].id}/complete",
        json={"data": GOOD_TARGETS},
        # Without PROXY_COUNT a forwarded address is a client's claim, not evidence.
        headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": "6.6.6.6"},
        environ_base={"REMOTE_ADDR": "10.20.30.40"},
    )
    assert answer.status_code == 200, answer.text
    db.session.rollback()
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.instance_id == instance.id, AuditEvent.action == "completed"
        )
    )
    assert event.actor.username == "unit"
    assert event.at is not None
    assert event.remote_addr == "10.20.30.40"
    assert set(event.details["fields"]) == set(GOOD_TARGETS)


def test_behind_a_trusted_proxy_the_client_address_is_recorded(database_url, tmp_path):
    from app import create_app
    from conftest import make_config, reset_database, seed_demo

    proxied = create_app(make_config(database_url, PROXY_COUNT=1))
    proxied.instance_path = str(tmp_path / "instance")
    with proxied.app_context():
        reset_database()
        seed_demo()
        client = proxied.test_client()
        token = _token(client, "unit")
        answer = client.post(
            "/api/v1/processes/simple_approval/instances",
            json={"title": "经代理"},
            headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": "172.16.5.9"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        assert answer.status_code == 201, answer.text
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.instance_id == answer.get_json()["id"])
        )
        assert event.remote_addr == "172.16.5.9"
        db.session.remove()
        db.engine.dispose()


def test_events_written_outside_a_request_have_no_address(app, user):
    instance, _ = start_instance(user("unit"), "simple_approval", title="命令行")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.instance_id == instance.id))
    assert event.action == "started" and event.remote_addr is None


def test_the_orm_refuses_to_change_or_delete_an_audit_event(app, user):
    instance, ready = start_instance(user("unit"), "simple_approval", title="不可改")
    complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.instance_id == instance.id))
    event.comment = "改写历史"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id).comment is None


def test_no_code_path_updates_or_deletes_audit_rows():
    """Bulk statements bypass the ORM guard, so none may name the audit table."""
    bulk = re.compile(
        r"(update|delete)\(\s*AuditEvent|(UPDATE|DELETE\s+FROM|TRUNCATE)\s+audit_event", re.I
    )
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts and bulk.search(path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET comment = 'rewritten'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event CASCADE",
    ],
)
def test_postgresql_itself_refuses_to_rewrite_the_audit_log(app, user, statement):
    if db.engine.dialect.name != "postgresql":
        pytest.skip(
            "database-level protection is PostgreSQL's: run with "
            "TEST_DATABASE_URL=postgresql://... to check it"
        )
    start_instance(user("unit"), "simple_approval", title="触发器")
    before = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == before
