"""The person a credential (a web session's key, an API token) signs in, read with their
org and roles in one statement.

Every request asks what its caller may see, so this read is on every request's path.
The user, org and role are selected as three entities of one plain join (one row per
role) rather than by joined eager loading, whose machinery cost more than the statement
itself; the org and the roles are then handed to the user as loaded.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Column, Row, Select, bindparam, inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from app.models import Org, Role, User
from app.models.org import UserRole


def with_caller(credential: type, *columns: Column) -> Select:
    """The statement for a credential whose key's digest is `digest`: its `columns`,
    then its user, their org and one of their roles, one row per role (`acting_user`
    reads them). Build it once, at import: its cache key is then computed once."""
    return (
        select(*columns, User, Org, Role)
        .join_from(credential, User, User.id == credential.user_id)
        .join(Org, Org.id == User.org_id)
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .outerjoin(Role, Role.code == UserRole.role_code)
        .where(credential.digest == bindparam("digest"))
    )


def acting_user(rows: Sequence[Row]) -> User | None:
    """The user of `rows` (as `with_caller` selects them) with their org and roles
    loaded; None when there are no rows."""
    if not rows:
        return None
    user, org, _ = rows[0][-3:]
    loaded = inspect(user).dict
    # A user the session already held keeps what it had loaded (as any query without
    # populate_existing leaves it); what it had not is given now.
    if "org" not in loaded:
        set_committed_value(user, "org", org)
    if "roles" not in loaded:
        set_committed_value(user, "roles", [row[-1] for row in rows if row[-1] is not None])
    return user
