"""The floor of issue 17: the least a durable, HTTP-served task completion can cost in Python.

A bare WSGI callable (no framework, no ORM) that `benchmarks/http_api.py` serves with the
product's own gunicorn settings, on the product's database (same tables, same indexes),
answering the two calls the bench times with the product's JSON shapes:

- `POST /api/v1/processes/<key>/instances`: token lookup; one bare SpiffWorkflow start
  (run to the first wait state, serialize the whole workflow, spec included); the
  instance row, its ready task rows and one audit row inserted; one commit;
- `POST /api/v1/tasks/<id>/complete` {data}: token lookup; the instance row locked
  (`FOR UPDATE` on PostgreSQL, a first write on SQLite); the task row read and checked
  (ready, the caller's role and org); the form checked by jsonschema; one bare
  SpiffWorkflow step (deserialize, run, serialize the whole workflow); instance state,
  completed task, next task rows and one audit row written; one commit.

SQLite runs in WAL with `synchronous=FULL`, PostgreSQL with its defaults. Settings from
the environment: DATABASE_URL, PROCESSES_DIR and FORMS_DIR (as the product's).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from jsonschema import Draft202012Validator
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

_START = re.compile(r"^/api/v1/processes/([\w-]+)/instances$")
_COMPLETE = re.compile(r"^/api/v1/tasks/(\d+)/complete$")
_DAYS = re.compile(r"^P(\d+)D$")


class Refused(Exception):
    def __init__(self, status: str, code: str) -> None:
        super().__init__(code)
        self.status, self.code = status, code


class Database:
    """One DB-API connection per thread, the placeholders of its driver, and its lock."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")
        self.mark = "?" if self.sqlite else "%s"
        self._local = threading.local()

    def connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def _connect(self):
        if self.sqlite:
            conn = sqlite3.connect(self.url.split(":///", 1)[1], isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")
            return conn
        import psycopg

        return psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"))

    def sql(self, statement: str) -> str:
        return statement.replace("?", self.mark)

    def stamp(self, moment: datetime):
        """A naive UTC datetime as the product's columns hold it (SQLAlchemy's text on SQLite)."""
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else moment


class Floor:
    """The compiled diagram, the forms' validators and the rows' constants, read at import."""

    def __init__(self, database: Database, processes: Path, forms: Path) -> None:
        self.db = database
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.processes: dict[str, tuple] = {}
        for diagram in sorted(processes.glob("*.bpmn")):
            parser = SpiffBpmnParser()
            parser.add_bpmn_file(str(diagram))
            for key in parser.get_process_ids():
                spec = parser.get_spec(key)
                self.processes[key] = (spec, parser.get_subprocess_specs(key))
        self.validators = {
            path.name: Draft202012Validator(json.loads(path.read_text()))
            for path in forms.glob("*.schema.json")
        }
        conn = database.connection()
        self.roles = {
            code: code for code, name in conn.execute("SELECT code, name FROM role").fetchall()
        }
        self.roles.update(
            {name: code for code, name in conn.execute("SELECT code, name FROM role").fetchall()}
        )
        self.definitions = {
            key: row
            for key, *row in conn.execute(
                "SELECT key, id, version FROM process_definition ORDER BY version"
            ).fetchall()
        }
        conn.rollback()

    # -- the two calls -------------------------------------------------------------------

    def start(self, token: str, key: str, body: dict) -> dict:
        conn = self.db.connection()
        try:
            caller = self._caller(conn, token)
            spec, subprocess_specs = self.processes[key]
            workflow = BpmnWorkflow(spec, subprocess_specs)
            workflow.do_engine_steps()
            state = self.serializer.serialize_json(workflow)
            at = datetime.now(UTC).replace(tzinfo=None)
            definition_id, version = self.definitions[key]
            row = (definition_id, key, version, str(body.get("title") or key), caller["org_id"])
            row += (caller["org_path"], caller["id"], "running", self.db.stamp(at), "{}", state)
            instance_id = self._insert(
                conn,
                "INSERT INTO process_instance (definition_id, process_key, version, title, "
                "org_id, org_path, started_by_id, status, started_at, data, engine_state, "
                "returned, lock_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, false, 0)",
                row,
            )
            instance = {"id": instance_id, "key": key, "version": version}
            instance.update(org_id=caller["org_id"], org_path=caller["org_path"])
            tasks = self._open_tasks(conn, instance, workflow, at)
            self._audit(conn, instance_id, None, caller["id"], "started", None, at)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        return {"id": instance_id, "status": "running", "tasks": tasks}

    def complete(self, token: str, task_id: int, data: dict) -> dict:
        conn = self.db.connection()
        try:
            caller = self._caller(conn, token)
            instance = self._lock(conn, task_id)
            task = conn.execute(
                self.db.sql(
                    "SELECT engine_task_id, status, role_code, org_id, assignee_id, form_schema, "
                    "activity_id, name FROM task WHERE id = ?"
                ),
                (task_id,),
            ).fetchone()
            if task is None or instance is None:
                raise Refused("404 Not Found", "not_found")
            engine_id, status, role, org_id, assignee, form, activity, name = task
            if status != "ready":
                raise Refused("409 Conflict", "conflict")
            own = role in caller["roles"] and org_id == caller["org_id"]
            if not own and assignee != caller["id"]:
                raise Refused("404 Not Found", "not_found")
            validator = self.validators.get(form or "")
            if validator is not None and next(validator.iter_errors(data), None) is not None:
                raise Refused("422 Unprocessable Entity", "validation_failed")
            workflow = self.serializer.deserialize_json(instance["state"])
            step = workflow.get_task_from_id(UUID(engine_id))
            step.data.update(data)
            step.run()
            workflow.do_engine_steps()
            state = self.serializer.serialize_json(workflow)
            at = datetime.now(UTC).replace(tzinfo=None)
            merged = json.dumps({**instance["data"], **data}, ensure_ascii=False)
            conn.execute(
                self.db.sql(
                    "UPDATE process_instance SET engine_state = ?, data = ?, "
                    "lock_version = lock_version + 1 WHERE id = ?"
                ),
                (state, merged, instance["id"]),
            )
            conn.execute(
                self.db.sql(
                    "UPDATE task SET status = 'completed', assignee_id = ?, completed_by_id = ?, "
                    "completed_at = ?, data = ? WHERE id = ?"
                ),
                (caller["id"], caller["id"], self.db.stamp(at), json.dumps(data), task_id),
            )
            tasks = self._open_tasks(conn, instance, workflow, at)
            self._audit(conn, instance["id"], task_id, caller["id"], "completed", activity, at)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        del name  # read as the product reads it; the audit row names the step by id here
        return {"instance": {"id": instance["id"], "status": "running"}, "tasks": tasks}

    # -- the irreducible statements ------------------------------------------------------

    def _caller(self, conn, token: str) -> dict:
        """One statement: the token's user, org and roles."""
        rows = conn.execute(
            self.db.sql(
                "SELECT u.id, u.org_id, o.path, u.active, t.expires_at, t.revoked_at, r.role_code "
                'FROM api_token t JOIN "user" u ON u.id = t.user_id JOIN org o ON o.id = u.org_id '
                "LEFT JOIN user_role r ON r.user_id = u.id WHERE t.digest = ?"
            ),
            (hashlib.sha256(token.encode()).hexdigest(),),
        ).fetchall()
        if not rows or not rows[0][3] or rows[0][5] is not None:
            raise Refused("401 Unauthorized", "not_authenticated")
        user_id, org_id, org_path = rows[0][:3]
        roles = {row[6] for row in rows}
        return {"id": user_id, "org_id": org_id, "org_path": org_path, "roles": roles}

    def _lock(self, conn, task_id: int) -> dict | None:
        owner = "(SELECT instance_id FROM task WHERE id = ?)"
        if self.db.sqlite:  # the first write takes the database's write lock
            conn.execute("BEGIN")
            conn.execute(
                f"UPDATE process_instance SET lock_version = lock_version + 1 WHERE id = {owner}",
                (task_id,),
            )
            lock = ""
        else:
            lock = " FOR UPDATE"
        row = conn.execute(
            self.db.sql(
                "SELECT id, process_key, version, org_id, org_path, data, engine_state "
                f"FROM process_instance WHERE id = {owner}{lock}"
            ),
            (task_id,),
        ).fetchone()
        if row is None:
            return None
        data = row[5] if isinstance(row[5], dict) else json.loads(row[5] or "{}")
        keys = ("id", "key", "version", "org_id", "org_path")
        return {**dict(zip(keys, row[:5], strict=True)), "data": data, "state": row[6]}

    def _open_tasks(self, conn, instance: dict, workflow: BpmnWorkflow, at: datetime) -> list:
        """One INSERT for the ready user tasks (none left open by the step before)."""
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            return []
        rows = []
        for task in ready:
            spec = task.task_spec
            extensions = getattr(spec, "extensions", {}) or {}
            properties = extensions.get("properties", {})
            due = _DAYS.match(properties.get("dueIn", ""))
            due_at = self.db.stamp(at + timedelta(days=int(due[1]))) if due else None
            role = self.roles.get(spec.lane or "", spec.lane or "")
            rows.append(
                (instance["id"], str(task.id), instance["key"], instance["version"])
                + (spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, role, instance["org_id"])
                + (instance["org_path"], properties.get("formJsonSchemaFilename"))
                + (properties.get("formUiSchemaFilename"), self.db.stamp(at), due_at)
            )
        values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ready', ?, ?)"] * len(rows))
        ids = conn.execute(
            self.db.sql(
                "INSERT INTO task (instance_id, engine_task_id, process_key, version, "
                "activity_id, name, role_code, org_id, org_path, form_schema, form_ui, status, "
                f"created_at, due_at) VALUES {values} RETURNING id"
            ),
            [value for row in rows for value in row],
        ).fetchall()
        pairs = zip(ids, rows, strict=True)
        return [{"id": task_id, "activity_id": row[4]} for (task_id,), row in pairs]

    def _audit(self, conn, instance_id, task_id, actor_id, action, activity, at) -> None:
        conn.execute(
            self.db.sql(
                "INSERT INTO audit_event (instance_id, task_id, at, actor_id, action, "
                "activity_id) VALUES (?, ?, ?, ?, ?, ?)"
            ),
            (instance_id, task_id, self.db.stamp(at), actor_id, action, activity),
        )

    def _insert(self, conn, statement: str, row: tuple) -> int:
        if self.db.sqlite:
            conn.execute("BEGIN")
        return conn.execute(self.db.sql(statement + " RETURNING id"), row).fetchone()[0]


def make_app(floor: Floor):
    def application(environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        header = environ.get("HTTP_AUTHORIZATION", "")
        token = header[7:] if header[:7].lower() == "bearer " else ""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            if method == "POST" and (match := _COMPLETE.match(path)):
                status, answer = "200 OK", floor.complete(token, int(match[1]), body.get("data"))
            elif method == "POST" and (match := _START.match(path)):
                status, answer = "201 Created", floor.start(token, match[1], body)
            else:
                status, answer = "404 Not Found", {"error": "not_found"}
        except Refused as refusal:
            status, answer = refusal.status, {"error": refusal.code}
        payload = json.dumps(answer).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        start_response(status, headers)
        return [payload]

    return application


application = make_app(
    Floor(
        Database(os.environ.get("DATABASE_URL", "sqlite:///floor.db")),
        Path(os.environ.get("PROCESSES_DIR", "processes")),
        Path(os.environ.get("FORMS_DIR", "forms")),
    )
)
