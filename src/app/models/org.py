"""Organisations, roles and the people who hold them.

Orgs form a tree (county -> departments -> units). Each org keeps its materialised
`path` ("/1/4/9/") so that "this department and everything under it" is one indexed
prefix match instead of a recursive query.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask import current_app
from flask_babel import lazy_gettext
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db

# How far a role reaches: its holder's own org, the org's subtree, everything,
# or only tasks assigned to the holder by name.
SCOPE_OWN = "own"
SCOPE_SUBTREE = "subtree"
SCOPE_ALL = "all"
SCOPE_ASSIGNED = "assigned"
SCOPES = (SCOPE_OWN, SCOPE_SUBTREE, SCOPE_ALL, SCOPE_ASSIGNED)


class RoleCode(StrEnum):
    """The built-in roles: the one place their codes, labels and scopes are written.

    Code decides by these members, never by a literal (tests/test_architecture.py holds
    it). `label` is the name people read, in their language; the `role` row keeps the
    Chinese one (services/operations/setup.py seeds it from here) for diagrams whose lanes name a
    role by its display name. A lane may name any role, these and others."""

    BUDGET_UNIT = "budget_unit"
    BUDGET_DEPARTMENT = "budget_department"
    FINANCE_BUREAU = "finance_bureau"
    EXPERT = "expert"
    COUNTY_GOVERNMENT = "county_government"
    PEOPLES_CONGRESS = "peoples_congress"
    PROCESS_ADMIN = "process_admin"
    USER_ADMIN = "user_admin"
    # An external-task worker's account: the workers' REST interface, no inbox.
    SERVICE_WORKER = "service_worker"

    @property
    def label(self):
        return ROLE_LABELS[self]

    @property
    def scope(self) -> str:
        return ROLE_SCOPES[self]


ROLE_LABELS = {
    RoleCode.BUDGET_UNIT: lazy_gettext("Budget unit"),
    RoleCode.BUDGET_DEPARTMENT: lazy_gettext("Budget department"),
    RoleCode.FINANCE_BUREAU: lazy_gettext("Finance bureau"),
    RoleCode.EXPERT: lazy_gettext("Review expert"),
    RoleCode.COUNTY_GOVERNMENT: lazy_gettext("County government"),
    RoleCode.PEOPLES_CONGRESS: lazy_gettext("County people's congress"),
    RoleCode.PROCESS_ADMIN: lazy_gettext("Process administrator"),
    RoleCode.USER_ADMIN: lazy_gettext("Account administrator"),
    RoleCode.SERVICE_WORKER: lazy_gettext("External-task worker"),
}
ROLE_SCOPES = {
    RoleCode.BUDGET_UNIT: SCOPE_OWN,
    RoleCode.BUDGET_DEPARTMENT: SCOPE_SUBTREE,
    RoleCode.FINANCE_BUREAU: SCOPE_ALL,
    # Assigned by name, from the expert pool.
    RoleCode.EXPERT: SCOPE_ASSIGNED,
    RoleCode.COUNTY_GOVERNMENT: SCOPE_ALL,
    RoleCode.PEOPLES_CONGRESS: SCOPE_ALL,
    # Administers definitions, not submissions: sees no task and no submission.
    RoleCode.PROCESS_ADMIN: SCOPE_ASSIGNED,
    # Administers accounts (policy.may_manage_users): likewise sees no task or submission.
    RoleCode.USER_ADMIN: SCOPE_ASSIGNED,
    # External-task workers' accounts (api/engine_rest.py): fetch and do external service
    # tasks by topic, and see no inbox and no submission.
    RoleCode.SERVICE_WORKER: SCOPE_ASSIGNED,
}


def role_label(code: str, stored_name: str | None = None) -> str:
    """What people read for a role: a built-in role's label in their language, another
    role's stored display name, else its code."""
    if code in ROLE_LABELS:
        return str(ROLE_LABELS[RoleCode(code)])
    return stored_name or code


def password_hash_method() -> str:
    """How new passwords are hashed: werkzeug's default (scrypt) unless the configuration
    names another (the tests choose a cheaper one)."""
    return current_app.config.get("PASSWORD_HASH_METHOD") or "scrypt"


class Org(db.Model):
    __tablename__ = "org"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # county | department | unit
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    path: Mapped[str] = mapped_column(String(500), index=True, default="/")

    # Nothing walks it: a unit's department is read by id (department_of below).
    parent: Mapped[Org | None] = relationship(remote_side=[id], lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Org {self.code}>"


def department_of(org: Org) -> Org:
    """The budget department `org` belongs to: a unit's parent, anyone else themselves.
    Read by id (the identity map answers it when the parent is loaded), not through the
    raising `parent`."""
    if org.kind == "unit" and org.parent_id is not None:
        return db.session.get(Org, org.parent_id) or org
    return org


class Role(db.Model):
    __tablename__ = "role"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    scope: Mapped[str] = mapped_column(String(20))

    @property
    def label(self) -> str:
        """The name people read, in their language (`name` is the county's, for lanes)."""
        return role_label(self.code, self.name)


class UserRole(db.Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    role_code: Mapped[str] = mapped_column(ForeignKey("role.code"), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Set when someone else chose the password (an administrator, `flask set-password`) or
    # it no longer meets the policy: the person must choose their own before going on.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    password_changed_at: Mapped[datetime | None]

    # Asked for where someone is loaded to act (ACTING below): policy reads both.
    org: Mapped[Org] = relationship(lazy="raise_on_sql")
    roles: Mapped[list[Role]] = relationship(secondary="user_role", lazy="raise_on_sql")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    # Not a column: the key of the web session (models/web_session.py) this object was
    # signed in or loaded with, set by accounts.open_session and accounts.load_user.
    session_key = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the signed cookie: the user's id and the key of this
        sign-in's server-side session, which signing out deletes."""
        return f"{self.id}.{self.session_key}"

    @property
    def role_codes(self) -> set[str]:
        return {role.code for role in self.roles}

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_hash_method())

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


# What every permission check reads of the person acting (services/foundation/policy.py): their org
# (its path is their subtree) and their roles. A query that loads someone to act as them
# (a sign-in, a job run in their name, a test's user) asks for both with
# `.options(*ACTING)`; the session and token checks join them into their one statement.
# Expired after a commit, the user is read back with the same loads, not by raising.
ACTING = (joinedload(User.org), selectinload(User.roles))
