"""Live learning sessions: places booked and given up, and the waiting list behind them."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from qaweb.core.db import utcnow
from qaweb.extensions import db
from qaweb.organisation.models import User
from qaweb.practice_week import mail
from qaweb.practice_week.models import (
    BOOKED,
    BOOKED_STATUSES,
    BOOKING_CANCELLED,
    CLOSED,
    SESSION_CANCELLED,
    SESSION_SCHEDULED,
    WAITING,
    LearningSession,
    Observation,
    SessionBooking,
)
from qaweb.practice_week.services import (
    PracticeWeekError,
    format_span,
    sessions_overlapping,
)


@dataclass(frozen=True)
class Places:
    booked: int
    waiting: int
    capacity: int

    @property
    def left(self) -> int:
        return max(self.capacity - self.booked, 0)

    @property
    def full(self) -> bool:
        return self.booked >= self.capacity


def places(session_ids) -> dict[int, Places]:
    """Booked and waiting counts for many sessions in one query."""
    rows = db.session.execute(
        select(
            LearningSession.id,
            LearningSession.capacity,
            func.count(case((SessionBooking.status == BOOKED, 1))),
            func.count(case((SessionBooking.status == WAITING, 1))),
        )
        .outerjoin(SessionBooking, SessionBooking.session_id == LearningSession.id)
        .where(LearningSession.id.in_(session_ids))
        .group_by(LearningSession.id, LearningSession.capacity)
    )
    return {sid: Places(booked, waiting, capacity) for sid, capacity, booked, waiting in rows}


def bookings_of(user_id: int, session_ids) -> dict[int, SessionBooking]:
    """A person's live booking (a place or a waiting-list place) on each of the sessions."""
    return {
        b.session_id: b
        for b in db.session.scalars(
            select(SessionBooking).where(
                SessionBooking.user_id == user_id,
                SessionBooking.session_id.in_(session_ids),
                SessionBooking.status.in_((BOOKED, WAITING)),
            )
        )
    }


def waiting_position(booking: SessionBooking) -> int:
    """1 for the next person to get a place."""
    ahead = db.session.scalar(
        select(func.count()).where(
            SessionBooking.session_id == booking.session_id,
            SessionBooking.status == WAITING,
            (SessionBooking.booked_at < booking.booked_at)
            | ((SessionBooking.booked_at == booking.booked_at) & (SessionBooking.id < booking.id)),
        )
    )
    return (ahead or 0) + 1


def _locked(session: LearningSession) -> LearningSession:
    """Hold the session row (PostgreSQL) so two people cannot take the last place together."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            select(LearningSession.id).where(LearningSession.id == session.id).with_for_update()
        )
    return session


def observation_clash(user: User, starts_at: datetime, ends_at: datetime) -> str | None:
    other = db.session.scalar(
        select(Observation)
        .where(
            Observation.status.in_(BOOKED_STATUSES),
            Observation.starts_at < ends_at,
            Observation.ends_at > starts_at,
            (Observation.observer_id == user.id) | (Observation.practitioner_id == user.id),
        )
        .limit(1)
    )
    if other is None:
        return None
    role = "observing" if other.observer_id == user.id else "being observed in"
    return f"You are {role} {other.reference} from {format_span(other.starts_at, other.ends_at)}"


def book(session: LearningSession, user: User) -> SessionBooking:
    """A place if there is one, otherwise a place on the waiting list."""
    if session.status != SESSION_SCHEDULED:
        raise PracticeWeekError("This session has been cancelled.")
    if session.week.status == CLOSED:
        raise PracticeWeekError("This practice week has closed.")
    if session.ends_at <= utcnow():
        raise PracticeWeekError("This session has already taken place.")
    _locked(session)
    if bookings_of(user.id, [session.id]):
        raise PracticeWeekError("You already have a place on this session.")
    clash = observation_clash(user, session.starts_at, session.ends_at)
    if clash:
        raise PracticeWeekError(f"{clash}: the session is at the same time.")
    for other, _, facilitating in sessions_overlapping(
        [user.id], session.starts_at, session.ends_at, session.id
    ):
        what = "facilitating" if facilitating else "booked on"
        raise PracticeWeekError(f"You are {what} “{other.title}” at the same time.")
    taken = places([session.id])[session.id]
    booking = SessionBooking(
        session=session, user=user, status=WAITING if taken.full else BOOKED, booked_at=utcnow()
    )
    db.session.add(booking)
    db.session.flush()
    if booking.status == BOOKED:
        mail.session_changed(
            session, [user], what="booked", key=f"session-booking:{booking.id}:booked"
        )
    return booking


def cancel_booking(booking: SessionBooking) -> SessionBooking | None:
    """Give up a place (or leave the waiting list); the next person waiting gets the place.

    Returns the booking promoted from the waiting list, if any."""
    if booking.status not in (BOOKED, WAITING):
        raise PracticeWeekError("This booking was already cancelled.")
    session = _locked(booking.session)
    had_place = booking.status == BOOKED
    booking.status = BOOKING_CANCELLED
    db.session.flush()
    if had_place:
        mail.session_changed(
            session,
            [booking.user],
            what="left",
            cancelled=True,
            key=f"session-booking:{booking.id}:left",
        )
    if not had_place or session.status != SESSION_SCHEDULED:
        return None
    return _promote(session)


def _promote(session: LearningSession) -> SessionBooking | None:
    taken = places([session.id])[session.id]
    if taken.full:
        return None
    waiting = db.session.scalars(
        select(SessionBooking)
        .where(SessionBooking.session_id == session.id, SessionBooking.status == WAITING)
        .order_by(SessionBooking.booked_at, SessionBooking.id)
    )
    for nxt in waiting:
        # Someone booked elsewhere at this time since joining the list keeps waiting.
        if _busy(nxt.user, session):
            continue
        nxt.status = BOOKED
        nxt.promoted_at = utcnow()
        db.session.flush()
        mail.session_changed(
            session, [nxt.user], what="place", key=f"session-booking:{nxt.id}:place"
        )
        return nxt
    return None


def _busy(user: User, session: LearningSession) -> bool:
    if observation_clash(user, session.starts_at, session.ends_at):
        return True
    return bool(sessions_overlapping([user.id], session.starts_at, session.ends_at, session.id))


def change_capacity(session: LearningSession) -> list[SessionBooking]:
    """After the capacity grows, people waiting get the new places, in order."""
    promoted = []
    while (nxt := _promote(session)) is not None:
        promoted.append(nxt)
    return promoted


def cancel_session(session: LearningSession, reason: str) -> None:
    if session.status != SESSION_SCHEDULED:
        raise PracticeWeekError("This session is already cancelled.")
    session.status = SESSION_CANCELLED
    session.cancelled_reason = reason.strip()
    session.sequence += 1
    db.session.flush()
    mail.session_changed(
        session,
        people_on(session),
        what="cancelled",
        cancelled=True,
        key=f"session:{session.id}:{session.sequence}:cancelled",
    )


def session_moved(session: LearningSession) -> None:
    """After a change of time or place (its SEQUENCE raised): everyone on it gets the
    updated request."""
    db.session.flush()
    mail.session_changed(
        session,
        people_on(session),
        what="moved",
        key=f"session:{session.id}:{session.sequence}:moved",
    )


def people_on(session: LearningSession) -> list[User]:
    """The facilitator and everyone with a place (one statement)."""
    booked = list(
        db.session.scalars(
            select(User)
            .join(SessionBooking, SessionBooking.user_id == User.id)
            .where(SessionBooking.session_id == session.id, SessionBooking.status == BOOKED)
            .order_by(SessionBooking.booked_at, SessionBooking.id)
        )
    )
    people = [session.facilitator] if session.facilitator else []
    return people + [p for p in booked if p.id != session.facilitator_id]


def attendees(session: LearningSession) -> tuple[list[SessionBooking], list[SessionBooking]]:
    rows = list(
        db.session.scalars(
            select(SessionBooking)
            .where(
                SessionBooking.session_id == session.id,
                SessionBooking.status.in_((BOOKED, WAITING)),
            )
            .order_by(SessionBooking.booked_at, SessionBooking.id)
        )
    )
    return [b for b in rows if b.status == BOOKED], [b for b in rows if b.status == WAITING]
