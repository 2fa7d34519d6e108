"""The indicator library (指标库): finance keeps the county's 共性指标, each department
its own 个性指标, and the target forms offer both to whoever fills an indicator row.

A library is named by the department that owns it, None being the common one. Rows are
deactivated, not deleted: forms filed earlier may carry their wording.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.extensions import db
from app.forms.validation import text_problem
from app.models import LibraryIndicator, Org, User, fits_id
from app.models.indicator import INDICATOR_LEVELS, INDICATOR_SIGNS
from app.services.foundation.clock import now
from app.services.foundation.errors import NotFound, ValidationFailed
from app.services.foundation.policy import (
    may_edit_indicators,
    may_read_indicators,
    require_can_edit_indicators,
)
from app.services.foundation.transaction import transactional

# What each field may hold (the columns of models/indicator.py); None: one line.
_LIMITS = {
    "name": 100,
    "unit": 20,
    "scoring_standard": 500,
    "standard_value": 200,
    "explanation": 2000,
}
_MULTILINE = {"scoring_standard", "explanation"}
# Each field as the form labels it (English msgids; read in the reader's language).
_LABELS = {
    "level1": "Level-1 indicator",
    "level2": "Level-2 indicator",
    "name": "Level-3 indicator",
    "sign": "Sign",
    "unit": "Unit",
    "scoring_standard": "Scoring standard",
    "standard_value": "Standard value",
    "explanation": "Explanation",
}


@dataclass(frozen=True)
class IndicatorFields:
    """What a person types for one indicator; blanks are None."""

    level1: str
    level2: str
    name: str
    sign: str
    unit: str | None = None
    scoring_standard: str | None = None
    standard_value: str | None = None
    explanation: str | None = None


@dataclass(frozen=True)
class Library:
    """A library as a page shows it: whose it is and whether the reader may edit it."""

    department: Org | None
    editable: bool

    @property
    def department_id(self) -> int | None:
        return self.department.id if self.department else None


def department_of(user: User) -> Org | None:
    """The department a person works in or under (a unit's parent department); None for
    someone above the departments (the county)."""
    ids = [int(part) for part in user.org.path.strip("/").split("/") if part]
    return db.session.scalars(select(Org).where(Org.id.in_(ids), Org.kind == "department")).first()


def library(actor: User, department_id: int | None) -> Library:
    """The library of `department_id` (None: the common one) as `actor` sees it. Raises
    NotFound for no such department, or one whose 个性指标 the actor may not read."""
    if department_id is None:
        return Library(None, may_edit_indicators(actor, None))
    department = db.session.get(Org, department_id) if fits_id(department_id) else None
    if department is None or department.kind != "department":
        raise NotFound(_l("There is no department %(department_id)s.", department_id=department_id))
    if not may_read_indicators(actor, department.path):
        raise NotFound(_l("There is no department %(department_id)s.", department_id=department_id))
    return Library(department, may_edit_indicators(actor, department.id))


def readable_departments(actor: User) -> list[Org]:
    """The libraries of departments `actor` may read, for the page's choice of library:
    those that hold indicators, and the actor's own when they keep it (to start it)."""
    keeping = {
        *db.session.scalars(
            select(LibraryIndicator.department_id).where(
                LibraryIndicator.department_id.is_not(None)
            )
        ),
        actor.org_id if may_edit_indicators(actor, actor.org_id) else None,
    }
    departments = db.session.scalars(
        select(Org).where(Org.kind == "department", Org.id.in_(keeping - {None})).order_by(Org.code)
    )
    return [d for d in departments if may_read_indicators(actor, d.path)]


def list_indicators(
    actor: User,
    department_id: int | None,
    query: str | None = None,
    include_inactive: bool = False,
) -> list[LibraryIndicator]:
    """One library's indicators in the order of the levels (产出 › 数量 first), each
    heading's in the order entered; `query` matches the name, the level-2 heading, the
    unit or the scoring standard."""
    library(actor, department_id)  # rights first
    statement = select(LibraryIndicator).where(LibraryIndicator.department_id.is_(None))
    if department_id is not None:
        statement = select(LibraryIndicator).where(LibraryIndicator.department_id == department_id)
    if not include_inactive:
        statement = statement.where(LibraryIndicator.active.is_(True))
    if query:
        # What was typed is looked for as typed: % and _ are no wildcards here.
        typed = query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        columns = (
            LibraryIndicator.name,
            LibraryIndicator.level2,
            LibraryIndicator.unit,
            LibraryIndicator.scoring_standard,
        )
        statement = statement.where(
            or_(*(column.like(f"%{typed}%", escape="\\") for column in columns))
        )
    return sorted(db.session.scalars(statement), key=_level_order)


def indicators_for_forms(
    actor: User, department_id: int | None = None, query: str | None = None
) -> list[LibraryIndicator]:
    """What an indicator row may be picked from: the active 共性指标 and those of
    `department_id` (default: the actor's own department), common ones first. Raises
    NotFound for a department whose 个性指标 the actor may not read."""
    if department_id is None:
        own = department_of(actor)
        department_id = own.id if own is not None else None
    rows = list_indicators(actor, None, query)
    if department_id is not None:
        rows += list_indicators(actor, department_id, query)
    return rows


def _level_order(row: LibraryIndicator) -> tuple:
    levels = list(INDICATOR_LEVELS)
    first = levels.index(row.level1) if row.level1 in INDICATOR_LEVELS else len(levels)
    seconds = INDICATOR_LEVELS.get(row.level1, ())
    second = seconds.index(row.level2) if row.level2 in seconds else len(seconds)
    return (first, second, row.id)  # within a heading, the order the keeper entered them


def get_indicator(actor: User, indicator_id: int) -> LibraryIndicator:
    """One indicator of a library `actor` may read; NotFound otherwise."""
    row = db.session.get(LibraryIndicator, indicator_id) if fits_id(indicator_id) else None
    if row is None:
        raise NotFound(_l("There is no indicator %(indicator_id)s.", indicator_id=indicator_id))
    library(actor, row.department_id)  # NotFound when not the actor's to read
    return row


@transactional
def add_indicator(
    actor: User, department_id: int | None, fields: IndicatorFields
) -> LibraryIndicator:
    """Add an indicator to the common library (None: finance only) or to a department's
    (that department only). Raises Forbidden, NotFound, or ValidationFailed naming every
    field that is wrong, saving nothing."""
    library(actor, department_id)
    require_can_edit_indicators(actor, department_id)
    checked = _checked(fields)
    _refuse_duplicate(department_id, checked, None)
    row = LibraryIndicator(department_id=department_id, active=True, updated_at=now())
    _apply(row, checked)
    db.session.add(row)
    db.session.flush()
    return row


@transactional
def update_indicator(actor: User, indicator_id: int, fields: IndicatorFields) -> LibraryIndicator:
    """Change an indicator of a library the actor keeps; refused as add_indicator is."""
    row = get_indicator(actor, indicator_id)
    require_can_edit_indicators(actor, row.department_id)
    checked = _checked(fields)
    _refuse_duplicate(row.department_id, checked, row.id)
    _apply(row, checked)
    row.updated_at = now()
    return row


@transactional
def set_indicator_active(actor: User, indicator_id: int, active: bool) -> LibraryIndicator:
    """Deactivate (no longer offered to the forms) or reactivate an indicator."""
    row = get_indicator(actor, indicator_id)
    require_can_edit_indicators(actor, row.department_id)
    row.active = active
    row.updated_at = now()
    return row


def _checked(fields: IndicatorFields) -> IndicatorFields:
    """The fields trimmed, blanks as None; ValidationFailed naming each bad one."""
    values = {
        name: (value.strip() or None) if isinstance(value, str) else value
        for name, value in vars(fields).items()
    }
    errors: list = []
    if values["level1"] not in INDICATOR_LEVELS:
        errors.append(
            _l(
                "%(field)s must be one of %(allowed)s.",
                field=_l(_LABELS["level1"]),
                allowed=_(", ").join(INDICATOR_LEVELS),
            )
        )
    elif values["level2"] not in INDICATOR_LEVELS[values["level1"]]:
        errors.append(
            _l(
                "%(field)s: under %(level1)s it may only be %(allowed)s.",
                field=_l(_LABELS["level2"]),
                level1=values["level1"],
                allowed=_(", ").join(INDICATOR_LEVELS[values["level1"]]),
            )
        )
    if values["sign"] not in INDICATOR_SIGNS:
        errors.append(
            _l(
                "%(field)s must be one of %(allowed)s.",
                field=_l(_LABELS["sign"]),
                allowed=" ".join(INDICATOR_SIGNS),
            )
        )
    if not values["name"] or len(values["name"]) < 2:
        errors.append(_l("%(field)s needs at least 2 characters.", field=_l(_LABELS["name"])))
    for name, limit in _LIMITS.items():
        value = values[name]
        if value is None:
            continue
        field = _l(_LABELS[name])
        if len(value) > limit:
            errors.append(
                _l("%(field)s may be at most %(limit)s characters.", field=field, limit=limit)
            )
        problem = text_problem(value, name not in _MULTILINE)
        if problem:
            errors.append(_l("%(field)s %(problem)s.", field=field, problem=problem))
    if errors:
        raise ValidationFailed(_l("The indicator has errors; nothing was saved."), details=errors)
    return IndicatorFields(**values)


def _refuse_duplicate(department_id: int | None, fields: IndicatorFields, own_id: int | None):
    """One library holds a level-3 name once under a level-2 heading: a second copy would
    offer the form two rows that look alike."""
    owner = (
        LibraryIndicator.department_id.is_(None)
        if department_id is None
        else LibraryIndicator.department_id == department_id
    )
    clash = db.session.scalar(
        select(LibraryIndicator.id).where(
            owner,
            LibraryIndicator.level2 == fields.level2,
            LibraryIndicator.name == fields.name,
            LibraryIndicator.id != (own_id or 0),
        )
    )
    if clash is not None:
        raise ValidationFailed(
            _l("The indicator is there already; nothing was saved."),
            details=[
                _l(
                    "%(level2)s has “%(name)s” already (if it is deactivated, activate it again).",
                    level2=fields.level2,
                    name=fields.name,
                )
            ],
        )


def _apply(row: LibraryIndicator, fields: IndicatorFields) -> None:
    for name, value in vars(fields).items():
        setattr(row, name, value)
