"""Signing in and out, and the language switch."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired

from app.security import throttle_sign_in
from app.services.accounts import credentials as accounts
from app.services.foundation.errors import NotAuthenticated
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import back_or, local_path
from app.web.sessions import end_session, start_session


class LoginForm(FlaskForm):
    username = StringField(lazy_gettext("Username"), validators=[DataRequired()])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired()])
    next = HiddenField()


@bp.route("/login", methods=["GET", "POST"])
@throttle_sign_in
def login():
    form = LoginForm(next=request.args.get("next", ""))
    error = None
    if form.validate_on_submit():
        try:
            user = accounts.sign_in(form.username.data, form.password.data)
        except NotAuthenticated as exc:
            error = exc.message
        else:
            start_session(user)
            if user.must_change_password:
                flash(_("Choose a new password of your own before going on."), "info")
                return redirect(url_for("web.account"))
            return redirect(local_path(form.next.data) or url_for("web.inbox"))
    status = 401 if error else 200
    return render_template("login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    end_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("web.login"))


@bp.route("/lang/<code>", methods=["GET", "POST"])
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(back_or("web.inbox"))
