"""Calendar invites (.ics, RFC 5545) for observations and learning sessions, in London time."""

import re

from flask import Response, current_app
from icalendar import Calendar, Event, vCalAddress, vText

from qaweb.core.db import utcnow
from qaweb.core.timefmt import to_london
from qaweb.practice_week.models import (
    CANCELLED,
    NOT_HELD,
    SESSION_CANCELLED,
    LearningSession,
    Observation,
)

PRODID = "-//qaweb//Practice Week//EN"
_ICAL_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add("calscale", "GREGORIAN")
    return calendar


def _uid(kind: str, record_id: int) -> str:
    host = current_app.config.get("CALENDAR_DOMAIN", "qaweb.local")
    return f"{kind}-{record_id}@{host}"


def _person(user, role: str = "REQ-PARTICIPANT") -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = vText(user.name)
    address.params["role"] = vText(role)
    return address


def _organiser(event: Event) -> None:
    """RFC 5546 wants an ORGANIZER on requests and cancellations: the practice-week mailbox."""
    address = vCalAddress(f"mailto:{current_app.config['CALENDAR_ORGANISER_EMAIL']}")
    address.params["cn"] = vText("Practice Week organisers")
    event.add("organizer", address)


def observation_event(observation: Observation, url: str = "", with_notes: bool = False) -> Event:
    """The observation as an event; the notes for the observer only when ``with_notes``."""
    cancelled = observation.status in (CANCELLED, NOT_HELD)
    event = Event()
    event.add("uid", _uid("observation", observation.id))
    event.add("sequence", observation.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", to_london(observation.starts_at))
    event.add("dtend", to_london(observation.ends_at))
    who = observation.practitioner.name
    event.add("summary", f"Practice observation: {observation.meeting_type.name} with {who}")
    event.add("location", observation.where or "To be confirmed")
    lines = [
        f"Practice Week: {observation.week.theme}",
        f"Observer: {observation.observer.name if observation.observer else 'to be assigned'}",
        f"Practitioner: {who}",
        f"Meeting: {observation.meeting_type.name}",
    ]
    if observation.case_reference:
        lines.append(f"Case reference: {observation.case_reference}")
    lines.append(
        "The family has agreed" if observation.family_agreed else "The family has not yet agreed"
    )
    if observation.notes and with_notes:
        lines.append(f"Notes for the observer: {observation.notes}")
    if url:
        lines.append(f"Record the observation: {url}")
        event.add("url", url)
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    _organiser(event)
    if observation.observer is not None:
        event.add("attendee", _person(observation.observer))
    event.add("attendee", _person(observation.practitioner))
    return event


def session_event(session: LearningSession, url: str = "") -> Event:
    event = Event()
    event.add("uid", _uid("learning-session", session.id))
    event.add("sequence", session.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", to_london(session.starts_at))
    event.add("dtend", to_london(session.ends_at))
    event.add("summary", f"Practice Week learning session: {session.title}")
    event.add("location", session.where or "To be confirmed")
    lines = [f"Practice Week: {session.week.theme}"]
    if session.presenters:
        lines.append(f"Presenters: {session.presenters}")
    if session.facilitator:
        lines.append(f"Facilitator: {session.facilitator.name}")
    if session.link:
        lines.append(f"Join: {session.link}")
    if session.description:
        lines.append(session.description)
    if url:
        event.add("url", url)
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if session.status == SESSION_CANCELLED else "CONFIRMED")
    _organiser(event)
    return event


def _finish(calendar: Calendar) -> bytes:
    calendar.add_missing_timezones()  # a VTIMEZONE for Europe/London
    return printable_ical(calendar.to_ical())


def printable_ical(ical: bytes) -> bytes:
    """The calendar without control characters (RFC 5545 forbids them in text), whatever the
    stored text held: a vertical tab or NUL in a note reaches no calendar program. The CRLF
    line ends and folding are kept; a line break inside a value is already escaped as \\n."""
    return _ICAL_CONTROL.sub(b"", ical)


def invite(event: Event, cancelled: bool) -> bytes:
    """One event: a request, or a cancellation of the same UID."""
    calendar = _calendar("CANCEL" if cancelled else "REQUEST")
    calendar.add_component(event)
    return _finish(calendar)


def feed(events: list[Event], name: str) -> bytes:
    """A person's schedule as one calendar (PUBLISH: to add, not to reply to)."""
    calendar = _calendar("PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/London")
    for event in events:
        calendar.add_component(event)
    return _finish(calendar)


def send(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
