"""County settings finance may edit; the performance thresholds are read from here."""

from __future__ import annotations

from app.extensions import db
from app.models import Setting
from app.performance.settings import Thresholds

THRESHOLDS_KEY = "performance_thresholds"


def performance_thresholds() -> Thresholds:
    """The brief's defaults, overridden by whatever the county has set."""
    setting = db.session.get(Setting, THRESHOLDS_KEY)
    return Thresholds.from_mapping(setting.value if setting and setting.value else {})
