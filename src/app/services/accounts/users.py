"""Managing accounts: who exists, in which organisation, holding which roles.

Only account administrators (RoleCode.USER_ADMIN) may. A role's scope (own org, org
subtree, everything, by name) is fixed by the role; what an account reaches follows from
its org and roles, so those two are what is managed here.

Accounts are deactivated, never deleted: the history of every submission names them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from app.extensions import db
from app.forms.validation import text_problem
from app.models import Org, Role, User
from app.models.org import ACTING
from app.services.accounts.credentials import end_sessions_and_tokens, set_password
from app.services.foundation.errors import BadRequest, Conflict, NotFound, stored_text
from app.services.foundation.policy import may_set_roles, require_can_manage_users
from app.services.foundation.transaction import transactional
from app.services.runtime.tasks import release_claimed_tasks

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$")


@dataclass
class UserFields:
    """What an administrator types for an account (the username only when creating)."""

    display_name: str
    org_id: int | None
    role_codes: list[str]
    email: str | None = None


def list_users(actor: User, query: str | None = None) -> list[User]:
    """Every account (active first), optionally those whose username or name contains
    `query`. Raises Forbidden."""
    require_can_manage_users(actor)
    stmt = (
        select(User)
        .join(Org, Org.id == User.org_id)
        # The list names each account's org and roles.
        .options(contains_eager(User.org), selectinload(User.roles))
    )
    if query and query.strip():
        pattern = f"%{query.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(User.username).like(pattern), func.lower(User.display_name).like(pattern)
            )
        )
    return list(db.session.scalars(stmt.order_by(User.active.desc(), Org.path, User.username)))


def get_user(actor: User, user_id: int) -> User:
    """Raises Forbidden (not an account administrator) or NotFound."""
    require_can_manage_users(actor)
    user = db.session.get(User, user_id, options=ACTING)  # its form shows both
    if user is None:
        raise NotFound(_l("There is no user %(id)s.", id=user_id))
    return user


def list_roles() -> list[Role]:
    return list(db.session.scalars(select(Role).order_by(Role.name)))


# One address, no spaces or line breaks (it becomes an e-mail header).
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _apply(user: User, fields: UserFields) -> None:
    name = (fields.display_name or "").strip()
    if not name:
        raise BadRequest(_l("A display name is required."))
    problem = text_problem(name)
    if problem or len(name) > 100:
        if problem:
            raise BadRequest(_l("The name %(problem)s", problem=problem))
        raise BadRequest(_l("A name has at most 100 characters."))
    email = (fields.email or "").strip()
    if email and (len(email) > 200 or not EMAIL.match(email)):
        raise BadRequest(_l("“%(email)s” is not an e-mail address.", email=email[:40]))
    org = db.session.get(Org, fields.org_id) if fields.org_id else None
    if org is None:
        raise BadRequest(_l("Choose an organisation."))
    codes = sorted(set(fields.role_codes))
    roles = list(db.session.scalars(select(Role).where(Role.code.in_(codes))))
    unknown = set(codes) - {role.code for role in roles}
    if unknown:
        raise BadRequest(_l("No such role: %(roles)s.", roles="、".join(sorted(unknown))))
    user.display_name = name
    user.email = email or None
    user.org_id = org.id
    user.org = org
    user.roles = roles


@transactional(keep_loaded=True)  # the answer names the new account's org and roles
def create_user(actor: User, username: str, fields: UserFields, password: str) -> User:
    """A new account with a password the administrator chose, which its owner must change
    at first sign-in. Raises Forbidden, BadRequest (a field or the password), Conflict
    (the username is taken)."""
    require_can_manage_users(actor)
    username = (username or "").strip()
    if not USERNAME.match(username):
        raise BadRequest(
            _l(
                "A username is 2–64 letters, digits, '.', '-' or '_', "
                "starting with a letter or digit."
            )
        )
    taken = db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
    if taken:
        raise Conflict(_l("The username “%(username)s” is taken.", username=username))
    user = User(username=username, active=True)
    _apply(user, fields)
    set_password(user, password or "", chosen_by_user=False)
    db.session.add(user)
    db.session.flush()
    return user


@transactional
def update_user(actor: User, user_id: int, fields: UserFields) -> tuple[User, int]:
    """Change an account's name, e-mail, org and roles. Claimed tasks the account may no
    longer hold go back to their pool. Returns the user and how many tasks went back.

    Raises Forbidden, NotFound, BadRequest (including an administrator removing their own
    account-administrator role, which could leave nobody able to manage accounts).
    """
    user = get_user(actor, user_id)
    if not may_set_roles(actor, user, fields.role_codes):
        raise BadRequest(_l("You cannot remove your own account-administrator role."))
    _apply(user, fields)
    db.session.flush()
    released = release_claimed_tasks(
        actor,
        user,
        stored_text(
            _l("The account's organisation or roles changed: its tasks went back to their pool.")
        ),
        keep_eligible=True,
    )
    return user, len(released)


@transactional
def reset_password(actor: User, user_id: int, password: str) -> User:
    """Give an account a new password the administrator chose (for someone who forgot
    theirs); its owner must change it at next sign-in, and every session and token of
    the account ends. Raises Forbidden, NotFound, BadRequest (policy)."""
    user = get_user(actor, user_id)
    set_password(user, password or "", chosen_by_user=False)
    return user


@transactional
def deactivate_user(actor: User, user_id: int) -> tuple[User, int]:
    """Close an account: it can no longer sign in, its sessions and tokens end, and the
    tasks it had claimed go back to their pool. Returns the user and how many tasks went
    back. Raises Forbidden, NotFound, BadRequest (one's own account)."""
    user = get_user(actor, user_id)
    if user.id == actor.id:
        raise BadRequest(_l("You cannot deactivate your own account."))
    user.active = False
    end_sessions_and_tokens(user)
    released = release_claimed_tasks(
        actor,
        user,
        stored_text(
            _l(
                "The account of %(name)s was deactivated: its tasks went back to their pool.",
                name=user.display_name,
            )
        ),
    )
    return user, len(released)


@transactional
def activate_user(actor: User, user_id: int) -> User:
    """Open a deactivated account again. Raises Forbidden, NotFound."""
    user = get_user(actor, user_id)
    user.active = True
    return user
