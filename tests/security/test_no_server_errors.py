"""No value a person or a program can put in a query string, a form field or a path gets
a 5xx: every route of `app.url_map` is walked with hostile values, signed in as finance
and as the administrator, on a demo county with submissions, rounds and projects.

Which parameters a route reads is not listed here but observed: each route is first
called plainly with a request whose parameter dictionaries note every name read (by the
view, its helpers or its template), then once for each hostile value in each of those
names. A parameter added to a page tomorrow is walked without a line changed here.

The JSON API's bodies are fuzzed by schemathesis (tests/fuzz/); its query parameters
are walked here too. Sessions are not ended on the way (signing out would leave the rest
of the walk answering the login page); everything else, writes included, is walked on a
copy of the county that is thrown away.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import quote, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.test import run_wsgi_app
from werkzeug.wsgi import get_current_url

from app import create_app
from app.extensions import db
from app.models import Attachment, Campaign, Job, Org, Project, Task, User
from app.services.foundation.clock import now
from conftest import RequestPerContextClient, shipped_config

HOSTILE = (
    "99999999999999999999",  # past every integer type
    str(2**63),  # one past PostgreSQL's bigint and SQLite's INTEGER
    str(2**31),  # one past an id column
    "-1",
    "0",
    "1e400",
    "NaN",
    "-Infinity",
    "9999-99-99",
    "0000-01-01",
    "9999-12-31",  # the last date: a period ending there has no day after it
    "99999",
    "²",  # a digit to str.isdigit(), not to int()
    "١٢",  # Arabic-Indic digits, which int() reads
    "x" * 5000,
    "\x00",
    "a\r\nSet-Cookie: x=1",
    "%",
    "'\"<script>",
    "[" * 50_000 + "]" * 50_000,  # JSON nested past any recursion limit
    '{"type": "object", "properties": {"a": NaN}}',  # a form schema that is not JSON
)
# Path segments: ids beyond the id columns, and text no database key holds.
HOSTILE_IDS = ("99999999999999999999999", str(2**63), str(2**31), "-1", "1e400")
HOSTILE_SEGMENTS = ("\x00", "a\r\nb", "x" * 300, "\udcff", "End")
# 5xx found by this walk in files that others are changing, each reported to them: walked,
# but not counted, until they are fixed there. (endpoint, field; "*" for any field)
KNOWN_ELSEWHERE: set[tuple[str, str]] = set()
# Ending the session would turn the rest of the walk into login pages.
SESSION_ENDING = {"web.logout", "web.sign_out_everywhere", "api.revoke_token"}


class RecordingDict(ImmutableMultiDict):
    """The request's args and form, noting which names the code asks for."""

    read: set[str] | None = None

    def _note(self, key) -> None:
        if RecordingDict.read is not None and isinstance(key, str):
            RecordingDict.read.add(key)

    def get(self, key, default=None, type=None):
        self._note(key)
        return super().get(key, default, type)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def getlist(self, key, type=None):
        self._note(key)
        return super().getlist(key, type)

    def __contains__(self, key) -> bool:
        self._note(key)
        return super().__contains__(key)


def _attach_and_note_ids() -> dict[str, int]:
    """One attachment on the demo county; the ids a walk fills paths with."""
    task = db.session.scalars(select(Task).where(Task.status == "ready").order_by(Task.id)).first()
    finance = db.session.scalar(select(User).where(User.username == "finance"))
    attachment = Attachment(
        instance_id=task.instance_id,
        filename="说明.pdf",
        content_type="application/pdf",
        size=4,
        sha256="0" * 64,
        uploaded_by_id=finance.id,
        uploaded_at=now(),
        content=b"%PDF",
    )
    db.session.add(attachment)
    db.session.commit()
    ids = {
        "task_id": task.id,
        "instance_id": task.instance_id,
        "attachment_id": attachment.id,
        "project_id": db.session.scalar(select(Project.id).order_by(Project.id)),
        "campaign_id": db.session.scalar(select(Campaign.id).order_by(Campaign.id)),
        "user_id": db.session.scalar(select(User.id).where(User.username == "unit")),
        "job_id": db.session.scalar(select(Job.id).order_by(Job.id)) or 1,
        "org_id": db.session.scalar(select(Org.id).order_by(Org.id)),
        "token_id": 1,
        "version": 1,
    }
    db.session.remove()
    return ids


@pytest.fixture
def county(initialised_demo, tmp_path):
    """An app on a demo county of its own (as `init-db --demo` makes it), recording the
    parameters each request reads."""
    app = create_app(shipped_config(initialised_demo))
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        ids = _attach_and_note_ids()

    class RecordingRequest(app.request_class):
        parameter_storage_class = RecordingDict

    app.request_class = RecordingRequest
    yield app, ids
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class WalkingClient(RequestPerContextClient):
    """The test client, without recreating each request's whole URL twice for its cookies.

    werkzeug's client matches its cookies to a request by host and path, which it reads
    from `get_current_url`: the whole URL, the query string quoted and then unquoted again,
    before the request and after it. With a 100,000-character hostile value that was
    nearly half of the walk's time, none of it the app's. Here the same two calls see the
    request without its query string; the app still gets all of it."""

    def _add_cookies_to_wsgi(self, environ) -> None:
        bare = {**environ, "QUERY_STRING": ""}
        super()._add_cookies_to_wsgi(bare)
        if "HTTP_COOKIE" in bare:
            environ["HTTP_COOKIE"] = bare["HTTP_COOKIE"]
        else:
            environ.pop("HTTP_COOKIE", None)

    def run_wsgi_app(self, environ, buffered: bool = False):
        self._add_cookies_to_wsgi(environ)
        answer = run_wsgi_app(self.application, environ, buffered=buffered)
        url = urlsplit(get_current_url({**environ, "QUERY_STRING": ""}))
        self._update_cookies_from_response(
            url.hostname or "localhost", url.path, answer[2].getlist("Set-Cookie")
        )
        return answer


def _signed_in(app, account: str) -> tuple[FlaskClient, dict]:
    client = WalkingClient(app, app.response_class, use_cookies=True)
    assert client.post("/login", data={"username": account, "password": "demo"}).status_code == 302
    answer = client.post("/api/v1/auth/token", json={"username": account, "password": "demo"})
    return client, {"Authorization": f"Bearer {answer.get_json()['token']}"}


SAMPLE_SEGMENTS = {
    "key": "quarterly_monitoring",
    "filename": "monitoring-report.schema.json",
    "code": "zh_Hans_CN",
    "action": "suspend",
}


def _routes(app, methods: set[str]):
    """(endpoint, method, rule) of every route answering one of `methods`."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted(rule.methods & methods):
            if rule.endpoint not in SESSION_ENDING:
                yield rule.endpoint, method, rule


def _path(rule, ids: dict, changed: tuple[str, str] | None = None) -> str:
    values = {}
    for name in rule.arguments:
        if rule.endpoint == "static":
            values[name] = "app.css"
        elif name in SAMPLE_SEGMENTS:
            values[name] = SAMPLE_SEGMENTS[name]
        else:
            values[name] = str(ids.get(name, 1))
    if changed:
        values[changed[0]] = changed[1]
    path = rule.rule
    for name, value in values.items():
        path = path.replace(
            f"<{_converter_text(rule, name)}>", quote(value, safe="", errors="surrogatepass")
        )
    return path


def _converter_text(rule, name: str) -> str:
    """How `name` is written in `rule` ("int:task_id", "key", "any(a, b):action")."""
    start = rule.rule.index(name + ">")
    return rule.rule[rule.rule.rindex("<", 0, start) + 1 : start + len(name)]


@cache
def _quoted(text: str) -> str:
    return quote(text, safe="[]")


def _encoded(pairs: dict[str, str]) -> str:
    """A query string or form body as a browser sends it: `[` and `]` as they are.
    Percent-encoded, the nested-JSON value was 300,000 characters that the test client
    quoted and the app unquoted on every request; the app reads the same value either
    way."""
    return "&".join(f"{_quoted(name)}={_quoted(value)}" for name, value in pairs.items())


def _ask(client, method, path, headers, query=None, form=None) -> int | str:
    try:
        answer = client.open(
            path,
            method=method,
            headers=headers if path.startswith("/api/") else {},
            query_string=None if query is None else _encoded(query),
            data=None if form is None else _encoded(form),
            content_type=None if form is None else "application/x-www-form-urlencoded",
        )
    except Exception as exc:  # a page raised instead of answering: as bad as a 500
        return f"raised {type(exc).__name__}: {exc}"[:300]
    return answer.status_code


def _names_read(client, method, path, headers) -> set[str]:
    """The names a route reads, asked plainly and then with "1" in every name found so far
    (a form library reads nothing from an empty post; a view may read a field only once
    the ones before it are there), until no new name turns up."""
    found: set[str] = set()
    for _ in range(3):
        RecordingDict.read = set()
        try:
            if method == "GET":
                _ask(client, method, path, headers, query=dict.fromkeys(found, "1"))
            else:
                _ask(client, method, path, headers, form={"-": "", **dict.fromkeys(found, "1")})
            if RecordingDict.read <= found:
                break
            found |= RecordingDict.read
        finally:
            RecordingDict.read = None
    return found


def _failed(got) -> bool:
    return not isinstance(got, int) or got >= 500


# Some of the parameters each account's walk must have found (what it may open).
WALKED_QUERIES = {
    "finance": {
        ("web.tracking", "page"),
        ("web.tracking", "version"),
        ("web.tracking", "waited"),
        ("web.process_heatmap", "since"),
        ("web.projects", "year"),
        ("web.inbox", "mine"),
        ("web.campaign", "sort"),
        ("web.work_calendar", "year"),
        ("api.list_instances", "offset"),
        ("api.tracking_steps", "until"),
    },
    "admin": {
        ("web.process_diff", "old"),
        ("web.process_migrate", "org"),
        ("web.process_diagram", "version"),
        ("web.admin_users", "q"),
        ("api.list_tasks", "sort"),
    },
}
WALKED_FIELDS = {
    "finance": {
        ("web.launch_campaign", "fiscal_year"),
        ("web.launch_campaign", "due"),
        ("web.reassign_task", "username"),
        ("web.save_work_calendar", "holidays"),
    },
    "admin": {
        ("web.process_migrate_submit", "instance"),
        ("web.process_rollback", "version"),
        ("web.new_user", "display_name"),
    },
}


@pytest.mark.parametrize("account", ["finance", "admin"])
def test_no_query_parameter_value_gets_a_server_error(county, account):
    app, ids = county
    client, bearer = _signed_in(app, account)
    failures, walked = [], set()
    for endpoint, method, rule in _routes(app, {"GET"}):
        path = _path(rule, ids)
        for name in sorted(_names_read(client, method, path, bearer)):
            walked.add((endpoint, name))
            for value in HOSTILE:
                got = _ask(client, method, path, bearer, query={name: value})
                if _failed(got):
                    failures.append(f"{method} {path}?{name}={value[:30]!r}: {got}")
    # The observation works: the parameters of the busiest pages were found and walked.
    assert WALKED_QUERIES[account] <= walked
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("account", ["finance", "admin"])
def test_no_form_field_value_gets_a_server_error(county, account):
    """Every page's form post, each field it reads alone set to each hostile value."""
    app, ids = county
    client, bearer = _signed_in(app, account)
    failures, walked = [], set()
    for endpoint, method, rule in _routes(app, {"POST"}):
        if endpoint.startswith("api."):
            continue  # JSON bodies: schemathesis, and test_hostile_input.py
        path = _path(rule, ids)
        for name in sorted(_names_read(client, method, path, bearer)):
            walked.add((endpoint, name))
            known = {(endpoint, name), (endpoint, "*")} & KNOWN_ELSEWHERE
            for value in HOSTILE:
                got = _ask(client, method, path, bearer, form={name: value})
                if _failed(got) and not known:
                    failures.append(f"{method} {path} {name}={value[:30]!r}: {got}")
    assert WALKED_FIELDS[account] <= walked
    assert failures == [], "\n".join(failures)


def test_ids_and_names_no_database_holds_in_a_path_are_not_found(county):
    """An id beyond the id columns names no row (404, never the driver's overflow); a key
    with NUL, a line break or an unencodable byte names nothing either."""
    app, ids = county
    client, bearer = _signed_in(app, "admin")
    failures = []
    for _endpoint, method, rule in _routes(app, {"GET", "POST", "DELETE"}):
        for name in rule.arguments:
            numeric = "int:" in _converter_text(rule, name)
            for value in HOSTILE_IDS if numeric else HOSTILE_SEGMENTS:
                path = _path(rule, ids, (name, value))
                got = _ask(client, method, path, bearer)
                if _failed(got) or (numeric and got not in (404, 405)):
                    failures.append(f"{method} {path[:80]}: {got}")
    assert failures == [], "\n".join(failures)
