"""Password reset by email, for people who sign in with a password.

The link carries a token signed with SECRET_KEY (itsdangerous) holding the person's id and a
fingerprint of their current password hash: it works for ``PASSWORD_RESET_MINUTES`` (60) and
only once, because setting the new password changes the fingerprint (the same change also
ends every session of that person). The page that asks for the link says the same thing
whether or not the address has an account; an account gets at most
``PASSWORD_RESET_PER_HOUR`` (3) emails an hour (OWASP Forgot Password Cheat Sheet).
"""

import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from qaweb.auth.services import normalise_email
from qaweb.core.db import utcnow
from qaweb.core.notify import OutboxMessage, absolute_url, notify
from qaweb.extensions import db
from qaweb.organisation.models import User

SALT = "qaweb-password-reset"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(user: User) -> str:
    return _serializer().dumps({"id": user.id, "h": user.session_token()})


def user_for_token(token: str) -> User | None:
    """The active person the token is for, or None when it is forged, expired, already used
    (the password has changed since) or theirs no longer."""
    max_age = current_app.config["PASSWORD_RESET_MINUTES"] * 60
    try:
        data = _serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    user = db.session.get(User, data["id"])
    if user is None or not user.active or not user.password_hash:
        return None
    if not secrets.compare_digest(str(data.get("h", "")), user.session_token()):
        return None
    return user


def request_reset(email: str) -> bool:
    """Queue the reset email if ``email`` belongs to an active person with a password and
    they have not had too many in the last hour. Returns whether one was queued (the page
    never tells the person which)."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active or not user.password_hash:
        return False
    recent = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.kind == "password_reset",
            OutboxMessage.recipient_id == user.id,
            OutboxMessage.created_at > utcnow() - timedelta(hours=1),
        )
    )
    if recent >= current_app.config["PASSWORD_RESET_PER_HOUR"]:
        return False
    link = absolute_url("auth.reset_password", token=make_token(user))
    return bool(
        notify(
            "password_reset",
            [user],
            "Reset your qaweb password",
            "password_reset",
            {"minutes": current_app.config["PASSWORD_RESET_MINUTES"]},
            key=f"password-reset:{secrets.token_hex(8)}",
            link=link,
        )
    )
