"""A business rule task evaluates a DMN decision table deployed with its diagram."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.administration.deployment import deploy_definition
from app.services.foundation.errors import LintFailed
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task

DMN = Path(__file__).parents[2] / "fixtures" / "dmn"


def deploy(admin, dmn: bytes | None):
    files = {"score.schema.json": (DMN / "score.schema.json").read_bytes()}
    if dmn is not None:
        files["pass_mark.dmn"] = dmn
    return deploy_definition(
        admin, (DMN / "scored_review.bpmn").read_bytes(), "scored_review.bpmn", files
    )


@pytest.mark.parametrize(("score", "result"), [(75, "合格"), (59.5, "不合格")])
def test_decision_table_decides_from_the_submitted_score(user, score, result):
    deploy(user("admin"), (DMN / "pass_mark.dmn").read_bytes())
    finance = user("finance")
    _, ready = start_instance(finance, "scored_review")
    instance, ready = complete_task(finance, ready[0].id, {"score": score})
    assert instance.status == "completed"
    assert instance.data["result"] == result


def test_a_diagram_calling_a_missing_decision_table_is_refused(user):
    with pytest.raises(LintFailed) as refused:
        deploy(user("admin"), None)
    assert any("pass_mark" in d["message"] for d in refused.value.details)


def test_a_malformed_decision_table_is_refused_by_name(user):
    with pytest.raises(LintFailed) as refused:
        deploy(user("admin"), b"<definitions")
    assert [d["element_id"] for d in refused.value.details] == ["pass_mark.dmn"]
