"""Sign-in rules: who may sign in, and the throttle on failed attempts."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, delete, func, or_, select, type_coerce, update

from qaweb.auth.models import SignInFailure, UserSession
from qaweb.core.db import UTCDateTime, utcnow
from qaweb.extensions import db
from qaweb.organisation.models import User


def normalise_email(email: str) -> str:
    """An email address as accounts are looked up by it: stripped and in lower case ("" for
    None)."""
    return (email or "").strip().lower()


@dataclass(frozen=True)
class Throttle:
    """Why the next attempt must wait, and until when."""

    reason: str  # "account from address" or "address"
    failures: int
    until: datetime

    def seconds_left(self, now: datetime) -> int:
        """Whole seconds from ``now`` until the next attempt may be made, at least 1."""
        return max(1, math.ceil((self.until - now).total_seconds()))


def _delay(failures: int, free: int) -> timedelta:
    """1, 2, 4, ... seconds (``SIGN_IN_FIRST_DELAY_SECONDS`` doubled) for each failure past
    ``free``, up to the configured maximum."""
    cap = current_app.config["SIGN_IN_MAX_DELAY_SECONDS"]
    first = current_app.config["SIGN_IN_FIRST_DELAY_SECONDS"]
    if failures < free:
        return timedelta(0)
    return timedelta(seconds=min(cap, first * 2 ** min(failures - free, 30)))


def throttle(email: str, address: str, now: datetime | None = None) -> Throttle | None:
    """Whether a sign-in to ``email`` from client ``address`` must wait (OWASP ASVS 2.2.1).

    Failures are counted three ways, each with some free: for the account from this address
    (``SIGN_IN_FREE_FAILURES``), for this address across all accounts
    (``SIGN_IN_ADDRESS_FREE_FAILURES``), and for the account from every address
    (``SIGN_IN_ACCOUNT_FREE_FAILURES``, against guesses spread over many addresses). Past any,
    the next attempt waits 2^(failures - free) seconds after the last failure, up to
    ``SIGN_IN_MAX_DELAY_SECONDS``.

    An attacker cannot lock the real person out: failures from one address slow that address
    only, and the account-wide count does not slow an address the person has signed in from
    before (a session in ``user_session``). One SELECT; a second only when the account-wide
    count applies."""
    now = now or utcnow()
    config = current_app.config
    since = now - timedelta(hours=config["SIGN_IN_MEMORY_HOURS"])
    here = SignInFailure.remote_addr == address
    account = SignInFailure.email == email
    both = and_(here, account)

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    def last(condition):
        return type_coerce(func.max(case((condition, SignInFailure.failed_at))), UTCDateTime)

    row = db.session.execute(
        select(
            count(both), last(both), count(here), last(here), count(account), last(account)
        ).where(or_(here, account), SignInFailure.failed_at > since)
    ).one()
    rules = [
        ("account from address", row[0], row[1], config["SIGN_IN_FREE_FAILURES"]),
        ("address", row[2], row[3], config["SIGN_IN_ADDRESS_FREE_FAILURES"]),
        ("account from any address", row[4], row[5], config["SIGN_IN_ACCOUNT_FREE_FAILURES"]),
    ]
    waits = [
        Throttle(reason, failures, latest + _delay(failures, free))
        for reason, failures, latest, free in rules
        if failures and latest + _delay(failures, free) > now
    ]
    # Counts that take in other people's failures (the account from anywhere; everyone at
    # this address, as behind an office's shared address) do not slow a person at an address
    # they have signed in from before.
    shared = ("account from any address", "address")
    if any(w.reason in shared for w in waits) and _known_address(email, address):
        waits = [w for w in waits if w.reason not in shared]
    return max(waits, key=lambda w: w.until) if waits else None


def _known_address(email: str, address: str) -> bool:
    """Whether the person with this email has signed in from this address in the last 90
    days (a device or office they use, not an attacker's)."""
    return bool(
        db.session.scalar(
            select(UserSession.id)
            .join(User, User.id == UserSession.user_id)
            .where(
                func.lower(User.email) == email,
                UserSession.remote_addr == address,
                UserSession.created_at > utcnow() - timedelta(days=90),
            )
            .limit(1)
        )
    )


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def authenticate(email: str, password: str, address: str) -> tuple[User | None, str | None]:
    """The user, or None and the message to show. Failures are recorded against the email
    and the client ``address`` (request.remote_addr); throttled attempts are logged and not
    checked, so guesses made while waiting tell an attacker nothing."""
    email = normalise_email(email)
    address = (address or "")[:64]
    now = utcnow()
    wait = throttle(email, address, now)
    if wait is not None:
        seconds = wait.seconds_left(now)
        current_app.logger.warning(
            "Sign-in throttled (%s): %r from %s after %d failures, %d s to wait",
            wait.reason,
            email,
            address,
            wait.failures,
            seconds,
        )
        return None, (
            "There have been too many failed attempts to sign in from this device. "
            f"Wait {_wait_text(seconds)} and try again, or ask an administrator to help."
        )
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None or not user.check_password(password):
        db.session.add(SignInFailure(email=email, remote_addr=address, failed_at=now))
        return None, "Enter a correct email address and password"
    if not user.active:
        return None, "This account has been deactivated. Ask an administrator if you need access."
    # The person got it right from here: forget their failures from this address, and
    # anyone's failures old enough to count no more.
    memory = timedelta(hours=current_app.config["SIGN_IN_MEMORY_HOURS"])
    db.session.execute(
        delete(SignInFailure).where(
            (SignInFailure.email == email) & (SignInFailure.remote_addr == address)
            | (SignInFailure.failed_at < now - memory)
        )
    )
    # A Core UPDATE: signing in is not an edit, so it must not make an admin's form stale.
    db.session.execute(
        update(User.__table__).where(User.__table__.c.id == user.id).values(last_signed_in_at=now)
    )
    return user, None


def change_password(user: User, current: str, new: str) -> str | None:
    """None when changed, otherwise the message for the current-password field."""
    if not user.check_password(current):
        return "Your current password is not correct"
    user.set_password(new, method=current_app.config["PASSWORD_HASH_METHOD"])
    return None
