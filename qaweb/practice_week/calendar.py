"""Calendar invites (.ics, RFC 5545 and RFC 5546) for observations and learning sessions, in
London time.

What a file says is what every recipient reads: an invite goes to everyone on it, so it carries
the time, the place, the meeting type, the case reference and who observes whom, and never a
note meant for one person (the observer's notes stay on the observation's page, behind its
permission check).

Methods (RFC 5546 section 3.2): a REQUEST or CANCEL always names its attendees, with the
organiser; an event without known attendees is a PUBLISH (added, not replied to). A person's
"add your week" feed is a PUBLISH without attendees and without cancelled items.
"""

import re
from datetime import datetime, timedelta

from flask import Response, current_app
from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vText,
)
from sqlalchemy import select

from qaweb.core.db import utcnow
from qaweb.core.timefmt import to_london
from qaweb.extensions import db
from qaweb.practice_week.models import (
    BOOKED,
    CANCELLED,
    NOT_HELD,
    REQUESTED,
    SESSION_CANCELLED,
    LearningSession,
    Observation,
    SessionBooking,
)

PRODID = "-//qaweb//Practice Week//EN"
LONDON = "Europe/London"
_ICAL_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def london_vtimezone() -> Timezone:
    """Europe/London in the rule-based form Outlook and Google write: one STANDARD and one
    DAYLIGHT component, each with a yearly RRULE (the UK rule since 1996, the Summer Time
    Order 2002): British Summer Time from 01:00 GMT on the last Sunday of March, back to GMT
    at 02:00 BST on the last Sunday of October. DTSTART is local time, as RFC 5545 3.6.5 says.

    icalendar's ``Timezone.from_tzinfo`` writes a list of change dates (RDATE) ending in 2037,
    which Outlook desktop is reported to misread; this form has no end."""
    timezone = Timezone()
    timezone.add("tzid", LONDON)
    standard = TimezoneStandard()
    standard.add("dtstart", datetime(1970, 10, 25, 2, 0))
    standard.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    standard.add("tzoffsetfrom", timedelta(hours=1))
    standard.add("tzoffsetto", timedelta(0))
    standard.add("tzname", "GMT")
    daylight = TimezoneDaylight()
    daylight.add("dtstart", datetime(1970, 3, 29, 1, 0))
    daylight.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    daylight.add("tzoffsetfrom", timedelta(0))
    daylight.add("tzoffsetto", timedelta(hours=1))
    daylight.add("tzname", "BST")
    timezone.add_component(standard)
    timezone.add_component(daylight)
    return timezone


def _uid(kind: str, record_id: int) -> str:
    # Kept stable for ever: a calendar matches an update or cancellation to its invite by UID.
    host = current_app.config.get("CALENDAR_DOMAIN", "qaweb.local")
    return f"{kind}-{record_id}@{host}"


def _person(user, role: str = "REQ-PARTICIPANT") -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = vText(user.name)
    address.params["role"] = vText(role)
    return address


def _organiser(event: Event) -> None:
    """RFC 5546 wants an ORGANIZER on every method: the practice-week mailbox, set by
    QAWEB_CALENDAR_ORGANISER_EMAIL."""
    address = vCalAddress(f"mailto:{current_app.config['CALENDAR_ORGANISER_EMAIL']}")
    address.params["cn"] = vText("Practice Week organisers")
    event.add("organizer", address)


def _common(event: Event, kind: str, record, summary: str, place: str, url: str) -> None:
    event.add("uid", _uid(kind, record.id))
    event.add("sequence", record.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", to_london(record.starts_at))
    event.add("dtend", to_london(record.ends_at))
    event.add("summary", summary)
    event.add("location", place or "To be confirmed")
    if url:
        event.add("url", url)
    _organiser(event)


def observation_cancelled(observation: Observation) -> bool:
    return observation.status in (CANCELLED, NOT_HELD)


def observation_event(observation: Observation, url: str = "", attendees: bool = True) -> Event:
    """The observation as everyone on it may read it: when, where, the meeting type, the case
    reference, who observes whom. Never the notes (they are the observer's). The observer and
    the practitioner are its attendees unless ``attendees`` is false (a feed)."""
    event = Event()
    who = observation.practitioner.name
    observer = observation.observer.name if observation.observer else "to be assigned"
    _common(
        event,
        "observation",
        observation,
        f"Practice observation: {observation.meeting_type.name} with {who}",
        observation.where,
        url,
    )
    lines = [
        f"Practice Week: {observation.week.theme}",
        f"{observer} observes {who}",
        f"Meeting: {observation.meeting_type.name}",
    ]
    if observation.case_reference:
        lines.append(f"Case reference: {observation.case_reference}")
    if url:
        lines.append(f"Details: {url}")
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if observation_cancelled(observation) else "CONFIRMED")
    if attendees:
        if observation.observer is not None:
            event.add("attendee", _person(observation.observer))
        event.add("attendee", _person(observation.practitioner))
    return event


def session_event(session: LearningSession, url: str = "", attendees=()) -> Event:
    """The learning session; ``attendees`` are the people it is for (the one who downloaded
    it, or everyone booked when an organiser downloads it to send), none in a feed."""
    event = Event()
    _common(
        event,
        "learning-session",
        session,
        f"Practice Week learning session: {session.title}",
        session.where,
        url,
    )
    lines = [f"Practice Week: {session.week.theme}"]
    if session.presenters:
        lines.append(f"Presenters: {session.presenters}")
    if session.facilitator:
        lines.append(f"Facilitator: {session.facilitator.name}")
    if session.link:
        lines.append(f"Join: {session.link}")
    if session.description:
        lines.append(session.description)
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if session.status == SESSION_CANCELLED else "CONFIRMED")
    for person in attendees:
        role = "CHAIR" if person.id == session.facilitator_id else "REQ-PARTICIPANT"
        event.add("attendee", _person(person, role))
    return event


def session_attendees(session: LearningSession, user, organiser: bool) -> list:
    """Who a session invite is for: everyone booked (and the facilitator) when an organiser
    downloads it to send; otherwise the person downloading it, if booked or facilitating;
    else nobody (the invite is then a PUBLISH)."""
    booked = list(
        db.session.scalars(
            select(SessionBooking)
            .where(SessionBooking.session_id == session.id, SessionBooking.status == BOOKED)
            .order_by(SessionBooking.booked_at)
        )
    )
    people = [session.facilitator] if session.facilitator else []
    people += [b.user for b in booked if b.user_id != session.facilitator_id]
    if organiser:
        return people
    return [p for p in people if p.id == user.id]


def _feed_observations(week, person):
    return select(Observation).where(
        Observation.week_id == week.id,
        Observation.status.not_in((REQUESTED, CANCELLED, NOT_HELD)),
        (Observation.observer_id == person.id) | (Observation.practitioner_id == person.id),
    )


def _feed_sessions(week, person):
    booked = select(SessionBooking.session_id).where(
        SessionBooking.user_id == person.id, SessionBooking.status == BOOKED
    )
    return select(LearningSession).where(
        LearningSession.week_id == week.id,
        LearningSession.status != SESSION_CANCELLED,
        LearningSession.id.in_(booked) | (LearningSession.facilitator_id == person.id),
    )


def person_week(week, person) -> tuple[list[Observation], list[LearningSession]]:
    """What goes in a person's "add your week" feed: their scheduled observations (as observer
    or practitioner) and the sessions they are booked on or facilitate, in time order.
    Cancelled, not-held and still-requested items are left out."""
    observations = list(
        db.session.scalars(_feed_observations(week, person).order_by(Observation.starts_at))
    )
    week_sessions = list(
        db.session.scalars(_feed_sessions(week, person).order_by(LearningSession.starts_at))
    )
    return observations, week_sessions


def has_feed(week, person) -> bool:
    """Whether ``person_week`` would give anything (one statement): the week page offers
    the feed only then."""
    return bool(
        db.session.scalar(
            select(
                _feed_observations(week, person).exists() | _feed_sessions(week, person).exists()
            )
        )
    )


def _finish(calendar: Calendar) -> bytes:
    calendar.subcomponents.insert(0, london_vtimezone())
    return printable_ical(calendar.to_ical())


def printable_ical(ical: bytes) -> bytes:
    """The calendar without control characters (RFC 5545 forbids them in text), whatever the
    stored text held: a vertical tab or NUL in a note reaches no calendar program. The CRLF
    line ends and folding are kept; a line break inside a value is already escaped as \\n."""
    return _ICAL_CONTROL.sub(b"", ical)


def invite(event: Event, cancelled: bool) -> bytes:
    """One event: a REQUEST (or a CANCEL of the same UID, SEQUENCE bumped) when it names its
    attendees; a PUBLISH when it names none (RFC 5546 asks for attendees on both), its STATUS
    still saying CANCELLED when it is."""
    if "ATTENDEE" in event:
        method = "CANCEL" if cancelled else "REQUEST"
    else:
        method = "PUBLISH"
    calendar = _calendar(method)
    calendar.add_component(event)
    return _finish(calendar)


def feed(events: list[Event], name: str) -> bytes:
    """A person's schedule as one calendar (PUBLISH: to add, not to reply to). The events
    must carry no attendees and none may be cancelled (see ``person_week``)."""
    calendar = _calendar("PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", LONDON)
    for event in events:
        calendar.add_component(event)
    return _finish(calendar)


def send(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
