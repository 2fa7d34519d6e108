"""Any JSON document sent to a task is either accepted by the form's schema and stored
exactly as sent, or refused with errors naming its fields and nothing stored.

Hypothesis draws documents of two kinds: arbitrary JSON, and a valid submission with one
field replaced by arbitrary JSON (the near misses that a validator gets wrong: wrong
types, negative amounts, huge strings, control characters, nested junk).
"""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, ProcessInstance, Task
from app.services.foundation.errors import ValidationFailed
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS

FIELDS = ("project_name", "project_code", "nature", "total_amount", "annual_goal", "indicators")

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=300).filter(lambda s: not s.startswith(("data:", "attachment:")))
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
near_misses = st.builds(
    lambda name, value: {**GOOD_TARGETS, name: value}, st.sampled_from(FIELDS), json_values
)
documents = near_misses | st.dictionaries(st.sampled_from(FIELDS), json_values) | json_values


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=documents)
@example(document=GOOD_TARGETS)  # the accepted path is always taken
@example(document={**GOOD_TARGETS, "total_amount": -1})  # a negative amount
@example(document={**GOOD_TARGETS, "total_amount": "120"})  # a number sent as text
@example(document={**GOOD_TARGETS, "annual_goal": "长" * 200_000})  # a huge string
@example(document={**GOOD_TARGETS, "project_name": "\ud800\udfff\x00"})  # lone surrogates
def test_a_document_is_stored_exactly_or_refused_with_field_errors(app, user, document):
    instance, ready = start_instance(user("unit"), "simple_approval", title="性质测试")
    task_id, instance_id = ready[0].id, instance.id
    data_before = dict(instance.data or {})
    events_before = _events(instance_id)
    try:
        complete_task(user("unit"), task_id, document)
    except ValidationFailed as refused:
        db.session.rollback()
        assert refused.details, "a refusal names what is wrong"
        assert all({"path", "message"} <= set(d) for d in refused.details)
        task = db.session.get(Task, task_id)
        assert task.status == "ready" and task.data in (None, {})
        assert db.session.get(ProcessInstance, instance_id).data == data_before
        assert _events(instance_id) == events_before
        return
    db.session.expire_all()
    stored = db.session.get(Task, task_id).data
    sent = {name: value for name, value in document.items() if name in _declared()}
    assert stored == sent
    assert {
        k: v for k, v in db.session.get(ProcessInstance, instance_id).data.items() if k in sent
    } == sent


def _declared() -> set[str]:
    return {*FIELDS, "start_date", "attachment"}


def _events(instance_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.instance_id == instance_id)
    )
