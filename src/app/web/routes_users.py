"""Account administration: list, create and edit accounts, reset a password, deactivate.

For account administrators only (policy.require_can_manage_users); everyone else gets 403.
"""

from __future__ import annotations

from collections import Counter

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget

from app import params
from app.services.accounts import orgs, users
from app.services.foundation.errors import ServiceError
from app.services.foundation.policy import may_manage_users, require_can_manage_users
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor


class UserForm(FlaskForm):
    username = StringField(lazy_gettext("Username"))
    display_name = StringField(lazy_gettext("Full name"))
    email = EmailField(lazy_gettext("E-mail"))
    org_id = SelectField(lazy_gettext("Organisation"), coerce=int)
    roles = SelectMultipleField(
        lazy_gettext("Roles"), widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )
    password = PasswordField(lazy_gettext("Initial password"))


class PasswordForm(FlaskForm):
    password = PasswordField(lazy_gettext("New password"))


@bp.app_context_processor
def users_context() -> dict:
    return {"may_manage_users": current_user.is_authenticated and may_manage_users(current_user)}


def _user_form(**values) -> UserForm:
    form = UserForm(**values)  # a POST's own fields win over `values`
    # By name, as people call them; the code only tells apart two of the same name.
    form.org_id.choices = _named([(org.id, org.name, org.code) for org in orgs.list_orgs()])
    form.roles.choices = _named([(r.code, r.name, r.code) for r in users.list_roles()])
    return form


def _form_for(user, own_post: bool = True) -> UserForm:
    """The edit form, filled from the account (and from this request's post, if it is
    the edit form's own)."""
    return _user_form(
        **({} if own_post else {"formdata": None}),
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        org_id=user.org_id,
        roles=sorted(user.role_codes),
    )


def _fields(form: UserForm) -> users.UserFields:
    """The form's values; a name or an address with a control character or a line break
    (which would end up in an e-mail header) is refused by the shared text check."""
    return users.UserFields(
        display_name=params.checked_text(form.display_name.data or "", "display_name"),
        org_id=form.org_id.data,
        role_codes=form.roles.data or [],
        email=params.checked_text(form.email.data or "", "email") or None,
    )


def _edit_page(user, form: UserForm, error: str | None = None, status: int = 200):
    page = render_template(
        "user_form.html", user=user, form=form, password_form=PasswordForm(), error=error
    )
    return page, status


@bp.get("/admin/users")
def admin_users():
    require_can_manage_users(actor())  # rights before reading the search
    query = params.text("q")
    return render_template("users.html", users=users.list_users(actor(), query), query=query)


@bp.route("/admin/users/new", methods=["GET", "POST"])
def new_user():
    require_can_manage_users(actor())
    form = _user_form()
    if not form.validate_on_submit():
        return _edit_page(None, form, status=400 if request.method == "POST" else 200)
    try:
        username = params.checked_text(form.username.data or "", "username")
        user = users.create_user(actor(), username, _fields(form), form.password.data)
    except ServiceError as exc:
        return _edit_page(None, form, exc.message, exc.status)
    flash(
        _(
            "Account %(username)s created; its owner chooses a new password at first sign-in.",
            username=user.username,
        ),
        "success",
    )
    return redirect(url_for("web.admin_users"))


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = users.get_user(actor(), user_id)
    form = _form_for(user)
    if request.method == "GET" or not form.validate_on_submit():
        return _edit_page(user, form, status=200 if request.method == "GET" else 400)
    try:
        user, released = users.update_user(actor(), user_id, _fields(form))
    except ServiceError as exc:
        return _edit_page(user, form, exc.message, exc.status)
    flash(_("Account %(username)s saved.", username=user.username), "success")
    if released:
        flash(_("%(num)d claimed task(s) went back to their pool.", num=released), "info")
    return redirect(url_for("web.edit_user", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/password")
def reset_user_password(user_id: int):
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            user = users.reset_password(actor(), user_id, form.password.data)
        except ServiceError as exc:
            user = users.get_user(actor(), user_id)
            return _edit_page(user, _form_for(user, own_post=False), exc.message, exc.status)
        flash(
            _(
                "New password set for %(username)s; it must be changed at next sign-in.",
                username=user.username,
            ),
            "success",
        )
    return redirect(url_for("web.edit_user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int):
    user, released = users.deactivate_user(actor(), user_id)
    flash(
        _(
            "Account %(username)s is deactivated; %(num)d claimed task(s) went back to their pool.",
            username=user.username,
            num=released,
        ),
        "success",
    )
    return redirect(url_for("web.edit_user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/activate")
def activate_user(user_id: int):
    user = users.activate_user(actor(), user_id)
    flash(_("Account %(username)s is active again.", username=user.username), "success")
    return redirect(url_for("web.edit_user", user_id=user_id))


def _named(items: list[tuple]) -> list[tuple]:
    """(value, label) choices labelled by name; "name（code）" where a name repeats."""
    names = Counter(name for _, name, _ in items)
    return [
        (value, name if names[name] == 1 else f"{name}（{code}）") for value, name, code in items
    ]
