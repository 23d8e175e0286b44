"""Sign-in rules: who may sign in, and the limit on failed attempts."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from qaweb.auth.models import SignInFailure
from qaweb.core.db import utcnow
from qaweb.extensions import db
from qaweb.organisation.models import User


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def locked_until(email: str, now: datetime | None = None) -> datetime | None:
    """When the account opens again, if too many sign-ins failed within the window."""
    now = now or utcnow()
    limit = current_app.config["SIGN_IN_MAX_FAILURES"]
    window = timedelta(minutes=current_app.config["SIGN_IN_WINDOW_MINUTES"])
    recent = list(
        db.session.scalars(
            select(SignInFailure.failed_at)
            .where(SignInFailure.email == email, SignInFailure.failed_at > now - 2 * window)
            .order_by(SignInFailure.failed_at.desc())
            .limit(limit)
        )
    )
    if len(recent) < limit:
        return None
    newest, oldest = recent[0], recent[-1]
    if newest - oldest <= window and now < newest + window:
        return newest + window
    return None


def authenticate(email: str, password: str) -> tuple[User | None, str | None]:
    """The user, or None and the message to show. Failures are recorded."""
    email = normalise_email(email)
    if locked_until(email):
        minutes = current_app.config["SIGN_IN_WINDOW_MINUTES"]
        return None, (
            "There have been too many failed attempts to sign in to this account. "
            f"Wait {minutes} minutes and try again, or ask an administrator to help."
        )
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None or not user.check_password(password):
        db.session.add(SignInFailure(email=email))
        return None, "Enter a correct email address and password"
    if not user.active:
        return None, "This account has been deactivated. Ask an administrator if you need access."
    db.session.execute(delete(SignInFailure).where(SignInFailure.email == email))
    # A Core UPDATE: signing in is not an edit, so it must not make an admin's form stale.
    db.session.execute(
        update(User.__table__)
        .where(User.__table__.c.id == user.id)
        .values(last_signed_in_at=utcnow())
    )
    return user, None


def change_password(user: User, current: str, new: str) -> str | None:
    """None when changed, otherwise the message for the current-password field."""
    if not user.check_password(current):
        return "Your current password is not correct"
    user.set_password(new, method=current_app.config["PASSWORD_HASH_METHOD"])
    return None
