"""The modeler panel's checks say what is wrong in the reader's language."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from app.services.administration import modeler_catalog
from app.services.foundation.errors import BadRequest

TWO_LANES_OF_ONE_ROLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="twice" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="Lane_a" name="finance_bureau" />
      <bpmn:lane id="Lane_b" name="finance_bureau" />
    </bpmn:laneSet>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_bad_script_check_request_reads_chinese_by_default_and_english_in_english(user):
    admin = user("admin")
    with pytest.raises(BadRequest) as refused:
        modeler_catalog.check_script(admin, "x = 1", "run")
    assert refused.value.message == "mode 必须是 exec 或 eval，不能是 'run'"
    with force_locale("en"):
        assert refused.value.message == "The mode must be exec or eval, not 'run'."
    with pytest.raises(BadRequest) as refused:
        modeler_catalog.check_script(admin, "x" * 20_001)
    assert refused.value.message == "脚本过长（超过 20000 个字符）"
    with force_locale("en"):
        assert refused.value.message == "The script is longer than 20000 characters."


def test_two_lanes_of_one_role_are_named_in_the_readers_language(app):
    (chinese,) = modeler_catalog.duplicate_lane_findings(TWO_LANES_OF_ONE_ROLE)
    assert chinese["element_id"] == "Lane_b" and chinese["code"] == "duplicate-lane-role"
    assert chinese["message"] == (
        "泳道与“财政部门”是同一角色（财政部门）：同一角色的步骤请放在一条泳道里"
    )
    with force_locale("en"):
        (english,) = modeler_catalog.duplicate_lane_findings(TWO_LANES_OF_ONE_ROLE)
    assert english["message"] == (
        "This lane is the same role (Finance bureau) as the lane “Finance bureau”:"
        " put the steps of one role in one lane."
    )
