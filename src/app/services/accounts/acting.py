"""The person a credential (a web session's key, an API token) signs in, read with their
org and roles in one statement of plain columns.

Every request asks what its caller may see, so this read is on every request's path.
The ORM's joined loading of a user, their org and their roles costs several times the
statement itself; the rows here are read as plain columns and the three kinds of object
are then put in the session as loaded (as `runtime.projection.insert_rows` puts rows it
stored): the same objects a query would give, without the loader's cost.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Column, Row, Select, Table, bindparam, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, instance_state, set_committed_value

from app.extensions import db
from app.models import Org, Role, User
from app.models.org import UserRole


def with_caller(credential: Table, *columns: Column) -> Select:
    """The statement for a credential whose key's digest is `digest`: its `columns`,
    then its user, their org and one of their roles, one row per role (`acting_user`
    reads them). Build it once, at import: its cache key is then computed once."""
    user, org, role = User.__table__, Org.__table__, Role.__table__
    user_role = UserRole.__table__
    return (
        select(*columns, *_USER.table.c, *_ORG.table.c, *_ROLE.table.c)
        .join_from(credential, user, user.c.id == credential.c.user_id)
        .join(org, org.c.id == user.c.org_id)
        .outerjoin(user_role, user_role.c.user_id == user.c.id)
        .outerjoin(role, role.c.code == user_role.c.role_code)
        .where(credential.c.digest == bindparam("digest"))
    )


def acting_user(rows: Sequence[Row]) -> User | None:
    """The user of `rows` (as `with_caller` selects them) with their org and roles
    loaded, in the session; None when there are no rows."""
    if not rows:
        return None
    session = db.session()
    first = rows[0]
    start = len(first) - _USER.width - _ORG.width - _ROLE.width
    user = _USER.loaded(session, first, start)
    state = instance_state(user)
    # A user the session already held keeps what it had loaded (as a query without
    # populate_existing would); what it had not is given now.
    if "org" not in state.dict:
        set_committed_value(user, "org", _ORG.loaded(session, first, start + _USER.width))
    if "roles" not in state.dict:
        at = start + _USER.width + _ORG.width
        roles = [_ROLE.loaded(session, row, at) for row in rows if row[at] is not None]
        set_committed_value(user, "roles", roles)
    if state.session_id is None:
        session.add(user)  # with its org and roles (the save-update cascade)
    return user


class _Loading:
    """How one model's object is made from its table's columns in a row."""

    def __init__(self, model: type) -> None:
        mapper = inspect(model)
        self.mapper = mapper
        self.table = mapper.local_table
        self.width = len(self.table.c)
        self.keys = [mapper.get_property_by_column(column).key for column in self.table.c]
        key_columns = [mapper.get_property_by_column(c).key for c in mapper.primary_key]
        self.identity = [self.keys.index(key) for key in key_columns]

    def loaded(self, session: Session, row: Row, start: int):
        """The object of `row`'s columns from `start` on: the one `session` already
        has for that identity, else a new one holding them as stored (nothing to flush),
        not yet in the session."""
        values = row[start : start + self.width]
        identity = self.mapper.identity_key_from_primary_key([values[i] for i in self.identity])
        held = session.identity_map.get(identity)
        if held is not None:
            return held
        obj = self.mapper.class_manager.new_instance()  # as a loader does: no __init__
        instance_dict(obj).update(zip(self.keys, values, strict=True))
        make_transient_to_detached(obj)
        return obj


_USER, _ORG, _ROLE = _Loading(User), _Loading(Org), _Loading(Role)
