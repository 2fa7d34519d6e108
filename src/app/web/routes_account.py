"""One's own account: change the password, sign out everywhere, revoke API tokens."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo

from app.services.accounts import credentials as accounts
from app.services.foundation.errors import BadRequest, NotAuthenticated
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor
from app.web.sessions import start_session


class ChangePasswordForm(FlaskForm):
    current = PasswordField(lazy_gettext("Current password"), validators=[DataRequired()])
    new = PasswordField(lazy_gettext("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        lazy_gettext("New password again"),
        validators=[DataRequired(), EqualTo("new", lazy_gettext("The two new passwords differ."))],
    )


def _page(form: ChangePasswordForm, error: str | None = None, status: int = 200):
    page = render_template(
        "account.html", form=form, error=error, tokens=accounts.live_tokens(actor())
    )
    return page, status


@bp.get("/account")
def account():
    return _page(ChangePasswordForm())


@bp.post("/account/password")
def change_password():
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        user = accounts.change_password(actor(), form.current.data, form.new.data)
    except (BadRequest, NotAuthenticated) as exc:
        return _page(form, exc.message, 400)
    start_session(user)  # the change ended every session, this one included: go on here
    flash(_("Your password is changed. Other sessions and API tokens have ended."), "success")
    return redirect(url_for("web.account"))


@bp.post("/account/sign-out-everywhere")
def sign_out_everywhere():
    accounts.sign_out_everywhere(actor())
    logout_user()
    flash(_("You have signed out everywhere, and every API token of yours is revoked."), "info")
    return redirect(url_for("web.login"))


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    accounts.revoke_token(actor(), token_id)
    flash(_("The token is revoked."), "success")
    return redirect(url_for("web.account"))
