"""Comparing two deployed versions of a process: the diagram's elements and the forms'
fields, for the versions page."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.engine.diagram_diff import ElementChange, diff_diagrams
from app.forms.schema_diff import FieldChange, diff_forms
from app.models import ProcessDefinition, User
from app.services.administration.deploy_preview import same_role_lanes_dropped
from app.services.administration.diagram_views import definition_version
from app.services.foundation.errors import BadRequest
from app.services.foundation.policy import require_can_deploy
from app.services.runtime.definitions import pinned_forms


@dataclass
class VersionDiff:
    old: ProcessDefinition
    new: ProcessDefinition
    elements: list[ElementChange]
    fields: list[FieldChange]

    def marks(self, side: str) -> dict:
        """What diagram.js colours on one side: the old diagram shows what was removed
        and changed, the new one what was added and changed."""
        shown = {"old": ("removed", "changed"), "new": ("added", "changed")}[side]
        return {
            "elements": [
                {"activity_id": c.element_id, "change": c.change}
                for c in self.elements
                if c.change in shown
            ]
        }


def diff_versions(actor: User, key: str, old_version: int, new_version: int) -> VersionDiff:
    """Element and form-field changes from v`old_version` to v`new_version` of `key`.

    Raises Forbidden for non-administrators, NotFound for an unknown version, BadRequest
    when both are the same version.
    """
    require_can_deploy(actor)
    if old_version == new_version:
        raise BadRequest(_l("Choose two different versions."))
    old = definition_version(key, old_version)
    new = definition_version(key, new_version)
    elements = same_role_lanes_dropped(
        diff_diagrams(old.bpmn_xml.encode("utf-8"), new.bpmn_xml.encode("utf-8"))
    )
    fields = diff_forms(pinned_forms(old), pinned_forms(new))
    return VersionDiff(old, new, elements, fields)
