"""Meeting requests by email for observations and learning sessions (RFC 5546 over
RFC 6047: the .ics attached as text/calendar with its METHOD), queued through
qaweb.core.notify in the transaction of the change.

The calendar file is the one qaweb.practice_week.calendar builds for download, so it never
carries the observer's notes. Each event's key names the record, its SEQUENCE and the
method, so a change is sent once and a later change (a higher SEQUENCE) is sent again."""

from qaweb.core.notify import Attachment, absolute_url, notify
from qaweb.core.timefmt import format_span
from qaweb.practice_week import calendar
from qaweb.practice_week.models import SCHEDULED


def _calendar_file(event, cancelled: bool, name: str) -> Attachment:
    body = calendar.invite(event, cancelled).decode()
    method = "CANCEL" if cancelled else "REQUEST"
    return Attachment(name, f"text/calendar; method={method}", body)


def observation_changed(observation, people, *, cancelled: bool, what: str) -> int:
    """Send ``people`` (observer, practitioner, or a removed observer) the observation's
    meeting request (``cancelled``: its cancellation). ``what``: booked, moved or
    cancelled, as the subject says it."""
    people = [p for p in people if p is not None]
    if not people:
        return 0
    link = absolute_url("practice_week.observation", observation_id=observation.id)
    event = calendar.observation_event(observation, link, attendees=False)
    for person in people:
        event.add("attendee", calendar._person(person))
    subject = {
        "booked": "Practice observation booked",
        "moved": "Practice observation changed",
        "cancelled": "Practice observation cancelled",
    }[what]
    return notify(
        "observation",
        people,
        f"{subject}: {format_span(observation.starts_at, observation.ends_at)}",
        "observation",
        {"observation": observation, "what": what},
        key=f"observation:{observation.id}:{observation.sequence}:{what}",
        link=link,
        attachments=[_calendar_file(event, cancelled, f"observation-{observation.reference}.ics")],
    )


def observation_scheduled(observation) -> int:
    if observation.status != SCHEDULED:
        return 0
    return observation_changed(
        observation,
        [observation.observer, observation.practitioner],
        cancelled=False,
        what="booked",
    )


def session_changed(session, people, *, what: str, cancelled: bool = False, key: str) -> int:
    """A learning session's meeting request (or cancellation) for ``people``. ``what``:
    booked, place (a place freed from the waiting list), moved, left (their booking
    cancelled) or cancelled (the whole session)."""
    people = [p for p in people if p is not None]
    if not people:
        return 0
    link = absolute_url("practice_week.session", session_id=session.id)
    event = calendar.session_event(session, link, attendees=people)
    subject = {
        "booked": "You are booked on a learning session",
        "place": "A place has come free for you on a learning session",
        "moved": "Learning session changed",
        "left": "Your place on a learning session is cancelled",
        "cancelled": "Learning session cancelled",
    }[what]
    return notify(
        "learning_session",
        people,
        f"{subject}: {session.title}",
        "learning_session",
        {"session": session, "what": what},
        key=key,
        link=link,
        attachments=[_calendar_file(event, cancelled, f"learning-session-{session.id}.ics")],
    )
