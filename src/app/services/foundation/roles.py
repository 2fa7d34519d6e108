"""Lane names to role codes: a lane may carry the code or the role's display name."""

from __future__ import annotations

from sqlalchemy import or_, select

from app.extensions import db
from app.models import Role


def resolve_role(lane_name: str | None) -> str | None:
    if not lane_name:
        return None
    name = lane_name.strip()
    return db.session.scalar(select(Role.code).where(or_(Role.code == name, Role.name == name)))
