"""A test run's refusals say what is wrong in the reader's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_babel import force_locale

from app.services.administration import test_runs
from app.services.foundation.errors import BadRequest

FIXTURES = Path(__file__).parents[2] / "fixtures"
BPMN = (FIXTURES / "processes" / "simple_approval.bpmn").read_bytes()


def test_a_refused_test_run_reads_chinese_by_default_and_english_in_english(user):
    admin = user("admin")
    with pytest.raises(BadRequest) as refused:
        test_runs.start_test_run(admin, "other", BPMN)
    assert refused.value.message == "图中的流程标识是“simple_approval”，不是“other”"
    with force_locale("en"):
        assert refused.value.message == (
            "The diagram's process key is “simple_approval”, not “other”."
        )
    with pytest.raises(BadRequest) as refused:
        test_runs.advance_test_run(admin, "simple_approval", BPMN, "", "task", {})
    assert refused.value.message == "缺少试运行状态，请重新开始试运行"
    with force_locale("en"):
        assert refused.value.message == (
            "The test run's state is missing: start the test run again."
        )


def test_a_step_not_waiting_is_named_in_either_language(user):
    admin = user("admin")
    run = test_runs.start_test_run(admin, "simple_approval", BPMN)
    with pytest.raises(BadRequest) as refused:
        test_runs.advance_test_run(admin, "simple_approval", BPMN, run["token"], "nope", {})
    assert refused.value.message == "步骤 'nope' 不在试运行的等待中"
    with force_locale("en"):
        assert refused.value.message == "The step 'nope' is not waiting in this test run."


def test_a_stand_in_assessment_keeps_its_basis_in_the_countys_language(app):
    """What a registry read answers in a test run is data the diagram keeps, as the real
    operator keeps its basis: in the county's language, whoever runs the test."""
    with force_locale("en"):
        answer = test_runs._READ_STAND_INS["registry_assess_adjustment"]()
    assert answer["basis"] == "试运行：项目库中没有该项目，按审核和预算调整办理"
