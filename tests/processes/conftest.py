"""Fixtures for the shipped processes: deploy named diagrams from processes/ with forms/.

Only the named files are deployed (not the whole folder), so a test of one process does
not depend on the state of the others.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.extensions import db
from app.models import ProcessDefinition
from app.services.administration.deployment import deploy_definition

ROOT = Path(__file__).parents[2]
PROCESSES = ROOT / "processes"
FORMS = ROOT / "forms"


def shipped_forms() -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(FORMS.glob("*.json"))}


def deploy_shipped(*keys: str) -> list[ProcessDefinition]:
    """Deploy processes/<key>.bpmn for each key, with every form under forms/."""
    forms = shipped_forms()
    definitions = []
    for key in keys:
        path = PROCESSES / f"{key}.bpmn"
        definitions.append(deploy_definition(None, path.read_bytes(), path.name, {}, None, forms))
    db.session.commit()
    return definitions


@pytest.fixture
def deployed(app) -> Callable[..., list[ProcessDefinition]]:
    """deployed("quarterly_monitoring", ...) deploys those shipped processes and forms."""
    return deploy_shipped
