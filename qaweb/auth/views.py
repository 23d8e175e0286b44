from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from qaweb.auth import reset, services, sessions
from qaweb.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    ResetPasswordForm,
    SignInForm,
)
from qaweb.extensions import db

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site; never another host (an open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("home.index")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    if form.validate_on_submit():
        user, problem = services.authenticate(
            form.email.data, form.password.data, request.remote_addr
        )
        if user is not None:
            sessions.start_session(user)
        db.session.commit()
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.email.errors.append(problem)
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    logout_user()
    sessions.end_session()  # a copy of the cookie no longer signs anyone in
    db.session.commit()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        problem = services.change_password(
            current_user, form.current_password.data, form.new_password.data
        )
        if problem is None:
            user = current_user._get_current_object()
            # Every other session of this person ends; this one goes on under a new key.
            sessions.end_all_sessions(user.id)
            sessions.start_session(user)
            db.session.commit()
            login_user(user)
            flash("Your password has been changed.", "success")
            return redirect(url_for("home.index"))
        form.current_password.errors.append(problem)
    return render_template("auth/change_password.html", form=form)


@bp.get("/auth/signed-in-again")
@login_required
def signed_in_again():
    """Where "sign in in a new tab" lands: tells the person to go back to their answers."""
    return render_template("auth/signed_in_again.html")


@bp.get("/auth/token")
def token():
    """The current session's form token, for a page whose forms were loaded before the person
    signed in again (qaweb.js puts it into the page so Save works without a reload)."""
    from flask import jsonify
    from flask_wtf.csrf import generate_csrf

    response = jsonify(
        signed_in=current_user.is_authenticated,
        token=generate_csrf() if current_user.is_authenticated else None,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link. The answer is the same whether or not the address has an
    account (nobody learns who has one), and so is the time it takes to give it."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        reset.request_reset(form.email.data)
        db.session.commit()
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    user = reset.user_for_token(token)
    if user is None:
        return render_template("auth/reset_expired.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.new_password.data, method=current_app.config["PASSWORD_HASH_METHOD"])
        sessions.end_all_sessions(user.id)
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
        flash("Your password has been changed. Sign in with the new one.", "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/reset_password.html", form=form)
