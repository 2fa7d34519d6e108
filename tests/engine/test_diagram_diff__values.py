"""The diagram diff names each changed property with its old and new value."""

from __future__ import annotations

from pathlib import Path

from app.engine.diagram_diff import PropertyChange, diff_diagrams

BPMN = (Path(__file__).parents[1] / "fixtures" / "processes" / "simple_approval.bpmn").read_bytes()


def test_a_changed_form_condition_and_lane_show_before_and_after():
    new = (
        BPMN.replace(b"review.schema.json", b"other-review.schema.json", 1)
        .replace(b'decision == "return"', b'decision in ("return", "reject")', 1)
        .replace(b'name="finance_bureau"', b'name="finance_office"')
    )
    changes = {c.element_id: c for c in diff_diagrams(BPMN, new)}
    review = changes["dept_review"]
    assert (
        PropertyChange(
            "property:formJsonSchemaFilename", "review.schema.json", "other-review.schema.json"
        )
        in review.details
    )
    (flow,) = [c for c in changes.values() if any(d.prop == "condition" for d in c.details)]
    (condition,) = [d for d in flow.details if d.prop == "condition"]
    assert condition.old == 'decision == "return"'
    assert condition.new == 'decision in ("return", "reject")'
    lane = [d for d in changes["finance_review"].details if d.prop == "lane"]
    assert lane == [PropertyChange("lane", "finance_bureau", "finance_office")]


def test_an_unchanged_diagram_has_no_changes():
    assert diff_diagrams(BPMN, BPMN) == []


def test_a_flow_moved_to_another_step_names_the_steps_not_their_ids():
    renamed = BPMN.replace('name="填报绩效目标"'.encode(), 'name="填报目标"'.encode())
    new = renamed.replace(b"fill_targets", b"fill_goals")
    changes = {c.element_id: c for c in diff_diagrams(BPMN, new)}
    (target,) = [d for d in changes["flow_start"].details if d.prop == "attribute:targetRef"]
    assert (target.old, target.new) == ("填报绩效目标", "填报目标")
