"""A backup restored into a fresh database holds every submission intact: rows, engine
state, history and attached files; and work goes on from it."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app import create_app
from app.extensions import db
from app.models import Attachment, AuditEvent, ProcessInstance, Task
from app.services.operations.backups import pg_tools_missing
from app.services.operations.integrity import check_integrity
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from conftest import make_config
from factories import GOOD_TARGETS

PDF = "data:application/pdf;name=实施方案.pdf;base64,JVBERi0xLjQK"


def _submissions(user) -> int:
    """Three submissions at different steps, one with a file. Returns a task left open."""
    start_instance(user("unit"), "simple_approval", title="未填报")
    _, ready = start_instance(user("unit"), "simple_approval", title="待审核")
    complete_task(user("unit"), ready[0].id, {**GOOD_TARGETS, "attachment": PDF})
    _, ready = start_instance(user("unit2"), "simple_approval", title="医院申报")
    _, ready = complete_task(user("unit2"), ready[0].id, GOOD_TARGETS)
    return ready[0].id


def _everything() -> dict:
    db.session.expire_all()

    def rows(model, *columns):
        return [
            tuple(getattr(r, c) for c in columns)
            for r in db.session.scalars(select(model).order_by(model.id))
        ]

    return {
        "instances": rows(
            ProcessInstance, "id", "title", "status", "org_id", "data", "engine_state", "started_at"
        ),
        "tasks": rows(Task, "id", "instance_id", "activity_id", "status", "assignee_id", "data"),
        "history": rows(AuditEvent, "id", "instance_id", "action", "actor_id", "at", "details"),
        "files": rows(Attachment, "id", "instance_id", "filename", "sha256", "content"),
    }


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_a_sqlite_backup_restores_into_a_fresh_database_with_everything(app, user, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite variant; the PostgreSQL one is below")
    open_task = _submissions(user)
    before = _everything()
    assert len(before["instances"]) == 3 and len(before["files"]) == 1

    backup = tmp_path / "backups" / "perfbudget.db"
    result = _cli(app, "backup", str(backup))  # while the app is up: the online backup API
    assert result.exit_code == 0, result.output

    fresh = create_app(make_config(f"sqlite:///{tmp_path / 'fresh.db'}"))
    fresh.instance_path = str(tmp_path / "fresh-instance")
    with fresh.app_context():
        result = _cli(fresh, "restore", str(backup), "--yes")
        assert result.exit_code == 0, result.output
        assert _everything() == before
        assert check_integrity(notify=False).ok
        _, ready = complete_task(user("dept2"), open_task, {"decision": "approve"})
        assert [t.activity_id for t in ready] == ["finance_review"]
        db.session.remove()
        db.engine.dispose()


def test_the_postgresql_backup_restores_into_an_emptied_database(app, user, tmp_path):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("run with TEST_DATABASE_URL=postgresql://... for the PostgreSQL variant")
    if pg_tools_missing():
        pytest.skip(
            f"{', '.join(pg_tools_missing())} not installed: "
            "apt-get install postgresql-client (matching the server) to enable this test"
        )
    open_task = _submissions(user)
    before = _everything()
    backup = tmp_path / "perfbudget.dump"
    result = _cli(app, "backup", str(backup))
    assert result.exit_code == 0, result.output

    db.session.remove()
    with db.engine.begin() as conn:  # a fresh, empty database
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.engine.dispose()
    result = _cli(app, "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    assert _everything() == before
    assert check_integrity(notify=False).ok
    _, ready = complete_task(user("dept2"), open_task, {"decision": "approve"})
    assert [t.activity_id for t in ready] == ["finance_review"]
    # The restored audit log is still append-only.
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("DELETE FROM audit_event"))
    db.session.rollback()


def test_restore_asks_for_confirmation_and_names_a_missing_or_broken_file(app, user, tmp_path):
    instance, _ = start_instance(user("unit"), "simple_approval", title="保留")
    assert "--yes" in _cli(app, "restore", str(tmp_path / "x.db")).output
    missing = _cli(app, "restore", str(tmp_path / "none.db"), "--yes")
    assert missing.exit_code != 0 and "备份文件不存在" in missing.output
    if db.engine.dialect.name == "sqlite":
        broken = tmp_path / "broken.db"
        broken.write_bytes(b"not a database at all" * 100)
        refused = _cli(app, "restore", str(broken), "--yes")
        assert refused.exit_code != 0 and "备份文件已损坏" in refused.output
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance.id).title == "保留"  # untouched
