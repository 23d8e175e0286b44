"""Signed-in sessions the server can end: on sign-out, after an idle time, a fixed time after
signing in, and (all of a person's) when their password changes. OWASP ASVS 3.3.

Flask's session is a signed cookie the server cannot take back, so it carries a random key
and the server keeps the key's SHA-256 in ``user_session``. Every signed-in request looks the
row up with the person in one statement; the row's last use is written at most once a
``SESSION_SEEN_INTERVAL_SECONDS``.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta
from functools import cache

from flask import current_app, request
from flask import session as cookie
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload

from qaweb.auth.models import UserSession
from qaweb.core.db import utcnow
from qaweb.core.lists import as_id
from qaweb.core.settings import Setting, remember
from qaweb.extensions import db
from qaweb.organisation.models import User

COOKIE_KEY = "qaweb_session"
# Ended and expired sessions are kept this long (who signed in from where), then deleted.
KEEP_DAYS = 90


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user: User) -> UserSession:
    """A new server-side session for ``user``; its key goes into this response's cookie.

    The view commits, then calls ``login_user``."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(
        user_id=user.id,
        key_hash=_hash(key),
        remote_addr=(request.remote_addr or "")[:64],
        created_at=now,
        last_seen_at=now,
    )
    db.session.add(row)
    db.session.execute(
        delete(UserSession).where(UserSession.last_seen_at < now - timedelta(days=KEEP_DAYS))
    )
    cookie[COOKIE_KEY] = key
    return row


def end_session() -> None:
    """End the session this request's cookie belongs to (signing out); the view commits."""
    key = cookie.pop(COOKIE_KEY, None)
    if key:
        db.session.execute(
            update(UserSession)
            .where(UserSession.key_hash == _hash(key), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def end_all_sessions(user_id: int) -> None:
    """End every session of one person (a new password); the view commits."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


@cache
def _session_person():
    """The SELECT of a live session's row with its person (their team and roles too), in one
    statement with the cookie's key hash, the person's id and the two cut-off times as bound
    parameters (``key_hash``, ``user_id``, ``idle_since``, ``begun_since``); and the stored
    council name (``council_name``, None when none is stored), which every page's header
    shows: one statement fewer a page.

    Built once: the lookup runs on every signed-in request, and SQLAlchemy works out the
    cache key of a statement built afresh each time (about 0.3 ms of Python for this one,
    more than running it), where a statement kept from one request to the next has its key
    remembered."""
    return (
        select(
            User,
            UserSession.id,
            UserSession.last_seen_at,
            select(Setting.value)
            .where(Setting.key == "council_name")
            .scalar_subquery()
            .label("council_name"),
        )
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.key_hash == bindparam("key_hash"),
            UserSession.user_id == bindparam("user_id"),
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at > bindparam("idle_since"),
            UserSession.created_at > bindparam("begun_since"),
        )
        .options(joinedload(User.role_rows))
    )


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the person whose live session this cookie holds, or None.

    ``user_id`` is ``User.get_id()`` as stored at sign-in: the id and a token that changes
    with the password (so an administrator's reset also ends the person's sessions).
    One SELECT of the session with the person (and the council's name, see
    ``_session_person``), plus one UPDATE a minute at most.

    The UPDATE is committed here: the user is loaded at the first use of ``current_user``,
    which comes before a view changes anything (``login_required`` and the sign-in views
    use it first), so nothing else is committed with it."""
    key = cookie.get(COOKIE_KEY)
    user_key, _, token = str(user_id).partition(":")
    if not key or as_id(user_key) is None:
        return None
    config = current_app.config
    now = utcnow()
    row = (
        db.session.execute(
            _session_person(),
            {
                "key_hash": _hash(key),
                "user_id": as_id(user_key),
                "idle_since": now - timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                "begun_since": now - timedelta(hours=config["SESSION_MAX_HOURS"]),
            },
        )
        .unique()
        .first()
    )
    if row is None:
        return None  # signed out, idle too long, or too old: sign in again
    remember("council_name", row.council_name)
    user = row.User
    if not hmac.compare_digest(user.session_token(), token):
        return None  # the password changed since this session began
    if now - row.last_seen_at >= timedelta(seconds=config["SESSION_SEEN_INTERVAL_SECONDS"]):
        try:
            db.session.execute(
                update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now)
            )
            # Keep the loaded person (and what the view reads through it) without reloading.
            session = db.session()
            expire, session.expire_on_commit = session.expire_on_commit, False
            try:
                session.commit()
            finally:
                session.expire_on_commit = expire
        except OperationalError:
            # SQLite: someone saved since this page's read began, so its snapshot cannot
            # become a write. The last-seen time is advisory: a later request writes it.
            db.session.rollback()
    return user
