"""Looking organisations up by what people type: a code or an id."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Org, fits_id
from app.services.foundation.errors import NotFound


def org_id_for(value: str | int | None) -> int | None:
    """The id of the org named by code or id; None for no value. Raises NotFound."""
    if value in (None, ""):
        return None
    if isinstance(value, int) or (str(value).isascii() and str(value).isdigit()):
        org = db.session.get(Org, int(value)) if fits_id(int(value)) else None
    else:
        org = db.session.scalar(select(Org).where(Org.code == str(value)))
    if org is None:
        raise NotFound(_l("There is no organisation “%(value)s”.", value=value))
    return org.id


def list_orgs() -> list[Org]:
    return list(db.session.scalars(select(Org).order_by(Org.path)))
