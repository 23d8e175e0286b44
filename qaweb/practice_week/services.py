"""Practice weeks and observations: who may do what, clash checks, and each state change."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select

from qaweb.core.db import utcnow
from qaweb.core.permissions import (
    ORGANISER,
    QA_OFFICER,
    TEAM_MANAGER,
    has_any_role,
    managed_teams_conditions,
    manages_team,
)
from qaweb.core.text import counted
from qaweb.core.timefmt import LONDON, format_span, format_time, to_london  # noqa: F401
from qaweb.extensions import db
from qaweb.organisation.models import User
from qaweb.practice_week import mail
from qaweb.practice_week.models import (
    BOOKED,
    BOOKED_STATUSES,
    CANCELLED,
    CLOSED,
    COMPLETED,
    GIVEN,
    NOT_HELD,
    NOT_HELD_REASONS,
    OPEN,
    PLANNING,
    REQUESTED,
    SCHEDULED,
    SESSION_SCHEDULED,
    LearningSession,
    LearningTheme,
    Observation,
    PracticeWeek,
    SessionBooking,
)
from qaweb.tools import services as tool_services
from qaweb.tools.models import Response, ToolVersion


class PracticeWeekError(Exception):
    """A change the rules refuse; the message says why, for the person who asked."""


# -- who may do what ------------------------------------------------------------------------


def can_organise(user) -> bool:
    """True for practice-week organisers and QA officers: they plan weeks and book observations."""
    return has_any_role(user, ORGANISER, QA_OFFICER)


def can_see_week(user, week: PracticeWeek) -> bool:
    """True when ``week`` is open or closed, or while being planned for its organisers."""
    return week.status != PLANNING or can_organise(user)


def can_offer(user) -> bool:
    """Team managers offer their practitioners' meetings as available to observe."""
    return has_any_role(user, TEAM_MANAGER, ORGANISER, QA_OFFICER)


def _manages(user, observation: Observation) -> bool:
    """The practitioner's manager: line manager, team manager of the team, or service manager
    of the area."""
    practitioner = observation.practitioner
    if practitioner.line_manager_id == user.id:
        return True
    return manages_team(user, observation.team or practitioner.team)


def can_view(user, observation: Observation) -> bool:
    """The schedule details (time, place, who): the people involved and their managers."""
    return (
        can_organise(user)
        or observation.observer_id == user.id
        or observation.practitioner_id == user.id
        or observation.offered_by_id == user.id
        or _manages(user, observation)
    )


def can_view_record(user, observation: Observation) -> bool:
    """The record itself: the observer and the QA team while it is written; once completed,
    the observed practitioner and their manager too. Other practitioners never."""
    if observation.observer_id == user.id or can_organise(user):
        return True
    if observation.status != COMPLETED:
        return False
    return observation.practitioner_id == user.id or _manages(user, observation)


def can_record(user, observation: Observation) -> bool:
    """True for the observer of a scheduled observation: they record it."""
    return observation.observer_id == user.id and observation.status == SCHEDULED


def can_reschedule(user, observation: Observation) -> bool:
    """True for organisers while the observation is still to happen (requested or scheduled)."""
    return can_organise(user) and observation.status in (REQUESTED, SCHEDULED)


def may_reschedule(user, observation: Observation) -> bool:
    """``can_reschedule`` without the observation's state (organisers): the cancel and "did not
    take place" pages check a post with this, so a colleague's change meanwhile is shown and
    the typed reason kept, the service refusing the change itself."""
    return can_organise(user)


def list_condition(user):
    """SQL: the observations ``can_view`` lets ``user`` open, which their lists show (None:
    all of them); a test checks the two agree for every role."""
    if can_organise(user):
        return None
    conditions = [
        Observation.observer_id == user.id,
        Observation.practitioner_id == user.id,
        Observation.offered_by_id == user.id,
        Observation.practitioner_id.in_(select(User.id).where(User.line_manager_id == user.id)),
    ]
    conditions += managed_teams_conditions(user, Observation.team_id)
    # No team on the observation: the practitioner's team, as ``_manages`` reads it.
    by_person = managed_teams_conditions(user, User.team_id)
    if by_person:
        conditions.append(
            and_(
                Observation.team_id.is_(None),
                Observation.practitioner_id.in_(select(User.id).where(or_(*by_person))),
            )
        )
    return or_(*conditions)


# -- times ------------------------------------------------------------------------------------

TIME_PATTERN = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")


def parse_time(text: str) -> time:
    """9:30, 09.30, 2pm, 2:15pm or 14:15 as a time; ValueError if it is not one."""
    match = TIME_PATTERN.match((text or "").strip().lower().replace(" ", ""))
    if not match:
        raise ValueError
    hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
    if half:
        if not 1 <= hour <= 12:
            raise ValueError
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValueError
    return time(hour, minute)


def at_london(day: date, clock: time) -> datetime:
    """The moment a London wall-clock time happens, as an aware datetime."""
    return datetime.combine(day, clock, tzinfo=LONDON)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The first instant of London ``day`` and of the day after, as aware datetimes (a half-open
    range for timestamp columns; 23 or 25 hours on the clock-change days)."""
    start = at_london(day, time(0))
    return start, at_london(day + timedelta(days=1), time(0))


# -- tools --------------------------------------------------------------------------------------


def chosen_tools(week: PracticeWeek) -> list[ToolVersion]:
    """The tool versions ``week`` was set up with (its observation tool and its family-feedback
    tool, each with its tool), read in one statement; [] when it has neither. While the list
    is held, ``week.observation_tool`` and ``week.family_tool`` are found in the session
    without reading them again."""
    ids = [i for i in (week.observation_tool_id, week.family_tool_id) if i is not None]
    if not ids:
        return []
    return list(db.session.scalars(select(ToolVersion).where(ToolVersion.id.in_(ids))))


def observation_tool(week: PracticeWeek) -> ToolVersion:
    """The observation tool ``week`` uses: the version it was opened with, else the published
    practice-observation tool. Raises PracticeWeekError when there is none."""
    version = week.observation_tool or tool_services.current_version("practice_observation")
    if version is None:
        raise PracticeWeekError(
            "There is no published practice-observation tool: an administrator must publish one"
        )
    return version


def family_tool(week: PracticeWeek) -> ToolVersion:
    """The family-feedback tool ``week`` uses: the version it was opened with, else the published
    one. Raises PracticeWeekError when there is none."""
    version = week.family_tool or tool_services.current_version("family_feedback")
    if version is None:
        raise PracticeWeekError(
            "There is no published family-feedback tool: an administrator must publish one"
        )
    return version


# -- weeks ----------------------------------------------------------------------------------------


def target_text(week: PracticeWeek) -> str:
    """Each service manager and team manager completes at least 1 observation."""
    from qaweb.core.permissions import ROLES

    names = [ROLES[r].lower() for r in ROLES if r in (week.target_roles or [])]
    if not names:
        return "No target set"
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    count = week.target_per_observer
    return f"Each {who} completes at least {count} observation{'s' if count != 1 else ''}"


def check_week(week: PracticeWeek) -> None:
    """Raise PracticeWeekError when the week ends before it starts or lasts more than 4 weeks (28
    calendar days)."""
    if week.ends_on < week.starts_on:
        raise PracticeWeekError("The last day must be the same as or after the first day")
    if (week.ends_on - week.starts_on).days > 27:
        raise PracticeWeekError("A practice week can last at most 4 weeks")


def open_week(week: PracticeWeek) -> None:
    """Open a week being planned, so people see it and book into it. Raises PracticeWeekError for a
    week in any other state."""
    if week.status != PLANNING:
        raise PracticeWeekError("Only a week being planned can be opened.")
    week.status = OPEN


def close_week(week: PracticeWeek) -> None:
    """Close an open week (no more bookings). Raises PracticeWeekError for a week not open."""
    if week.status != OPEN:
        raise PracticeWeekError("Only an open week can be closed.")
    week.status = CLOSED


def reopen_week(week: PracticeWeek) -> None:
    """Open a closed week again. Raises PracticeWeekError for a week not closed."""
    if week.status != CLOSED:
        raise PracticeWeekError("Only a closed week can be reopened.")
    week.status = OPEN


def previous_week(week: PracticeWeek) -> PracticeWeek | None:
    """The latest week starting before ``week`` that was opened (the one its report compares with),
    or None."""
    return db.session.scalar(
        select(PracticeWeek)
        .where(PracticeWeek.starts_on < week.starts_on, PracticeWeek.status != PLANNING)
        .order_by(PracticeWeek.starts_on.desc())
        .limit(1)
    )


# -- clashes ------------------------------------------------------------------------------------


#: Clashes with other rows of the same import named for one row; the rest are counted.
MAX_FILE_CLASHES = 3


@dataclass(frozen=True)
class Clash:
    """One reason a booking clashes: its message, and ``hard`` for a clash that refuses the booking
    (soft ones need a reason to go ahead)."""

    message: str
    hard: bool


@dataclass
class Slot:
    """What is being scheduled, for the clash checks (a form, a file row or a record)."""

    week: PracticeWeek
    observer: User | None
    practitioner: User
    starts_at: datetime
    ends_at: datetime
    exclude_id: int | None = None
    #: Rows earlier in the same import, as Slots with a label ("row 3").
    label: str = ""
    earlier: list = field(default_factory=list)


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    # An observation ending at 10:00 and one starting at 10:00 do not clash.
    return a_start < b_end and b_start < a_end


def _role_words(observation: Observation, person_id: int) -> str:
    if observation.observer_id == person_id:
        return f"observing {observation.practitioner.name}"
    if observation.observer is not None:
        return f"being observed by {observation.observer.name}"
    return "offered to be observed"


def _file_clashes(slot: Slot, people: list[User]) -> list[Clash]:
    """Hard clashes with earlier rows of the same file (``slot.earlier``)."""
    # Name the first few and count the rest, so a file whose rows all clash with each other
    # gives each row a few lines, not one line per earlier row (the staged import would grow
    # with the square of the rows).
    found: list[Clash] = []
    named = more = 0
    for earlier in slot.earlier:
        if not _overlaps(earlier.starts_at, earlier.ends_at, slot.starts_at, slot.ends_at):
            continue
        for person in people:
            if person.id in {earlier.practitioner.id, earlier.observer and earlier.observer.id}:
                if named >= MAX_FILE_CLASHES:
                    more += 1
                    continue
                named += 1
                found.append(
                    Clash(
                        f"{person.name} is also booked on {earlier.label} of this file from "
                        f"{format_span(earlier.starts_at, earlier.ends_at)}",
                        hard=True,
                    )
                )
    if more:
        found.append(
            Clash(
                f"… and {counted(more, 'more booking')} on other rows of this file at the "
                "same time",
                hard=True,
            )
        )
    return found


def _practitioner_limit(slot: Slot) -> list[Clash]:
    """A soft clash when the practitioner already has the week's most observations
    (``max_per_practitioner``, counting earlier rows of the same file)."""
    limit = slot.week.max_per_practitioner
    stmt = select(func.count()).where(
        Observation.week_id == slot.week.id,
        Observation.practitioner_id == slot.practitioner.id,
        Observation.status.in_(BOOKED_STATUSES),
    )
    if slot.exclude_id:
        stmt = stmt.where(Observation.id != slot.exclude_id)
    already = (db.session.scalar(stmt) or 0) + sum(
        1 for e in slot.earlier if e.practitioner.id == slot.practitioner.id
    )
    if already < limit:
        return []
    times = "once" if already == 1 else f"{already} times"
    return [
        Clash(
            f"{slot.practitioner.name} is already observed {times} this week "
            f"(the week allows {limit})",
            hard=False,
        )
    ]


def clashes(slot: Slot) -> list[Clash]:
    """Everything wrong with booking ``slot``: hard clashes refuse it, soft ones need a reason."""
    found: list[Clash] = []
    people = [p for p in (slot.observer, slot.practitioner) if p is not None]
    if slot.observer is not None and slot.observer.id == slot.practitioner.id:
        found.append(Clash("The observer and the practitioner must be different people", True))
    for person in people:
        if not person.active:
            found.append(Clash(f"{person.name} has left: their account is deactivated", hard=True))
    ids = [p.id for p in people]
    names = {p.id: p.name for p in people}
    stmt = select(Observation).where(
        Observation.status.in_(BOOKED_STATUSES),
        Observation.starts_at < slot.ends_at,
        Observation.ends_at > slot.starts_at,
        or_(Observation.observer_id.in_(ids), Observation.practitioner_id.in_(ids)),
    )
    if slot.exclude_id:
        stmt = stmt.where(Observation.id != slot.exclude_id)
    for other in db.session.scalars(stmt.order_by(Observation.starts_at)):
        for person_id in ids:
            if person_id in (other.observer_id, other.practitioner_id):
                found.append(
                    Clash(
                        f"{names[person_id]} is already {_role_words(other, person_id)} "
                        f"({other.reference}) from {format_span(other.starts_at, other.ends_at)}",
                        hard=True,
                    )
                )
    for session, person_id, facilitating in sessions_overlapping(ids, slot.starts_at, slot.ends_at):
        what = "facilitating" if facilitating else "booked on"
        found.append(
            Clash(
                f"{names[person_id]} is {what} the learning session “{session.title}” from "
                f"{format_span(session.starts_at, session.ends_at)}",
                hard=True,
            )
        )
    found += _file_clashes(slot, people)
    found += _practitioner_limit(slot)
    first, last = slot.week.starts_on, slot.week.ends_on
    day = to_london(slot.starts_at).date()
    if not first <= day <= last:
        found.append(
            Clash(
                f"The observation is outside the week ({first:%-d %B} to {last:%-d %B %Y})",
                hard=False,
            )
        )
    return found


def sessions_overlapping(person_ids, starts_at, ends_at, exclude_session_id=None):
    """(session, person id, facilitating?) for each scheduled session that overlaps."""
    if not person_ids:
        return []
    booked = (
        select(SessionBooking.session_id, SessionBooking.user_id)
        .where(SessionBooking.user_id.in_(person_ids), SessionBooking.status == BOOKED)
        .subquery()
    )
    base = select(LearningSession).where(
        LearningSession.status == SESSION_SCHEDULED,
        LearningSession.starts_at < ends_at,
        LearningSession.ends_at > starts_at,
    )
    if exclude_session_id:
        base = base.where(LearningSession.id != exclude_session_id)
    results = []
    for session, user_id in db.session.execute(
        base.add_columns(booked.c.user_id).join(booked, booked.c.session_id == LearningSession.id)
    ):
        results.append((session, user_id, False))
    for session in db.session.scalars(base.where(LearningSession.facilitator_id.in_(person_ids))):
        results.append((session, session.facilitator_id, True))
    return results


class ClashRefused(PracticeWeekError):
    """A booking refused for its ``clashes``: a hard one, or soft ones without a reason."""

    def __init__(self, found: list[Clash]):
        self.clashes = found
        hard = [c for c in found if c.hard]
        super().__init__(
            "This cannot be booked: " + hard[0].message
            if hard
            else "Give a reason to book it despite the clash"
        )


def check_slot(slot: Slot, override_reason: str) -> list[Clash]:
    """Refuse a hard clash, or a soft one without a reason; otherwise the clashes overridden."""
    found = clashes(slot)
    if any(c.hard for c in found) or (found and not override_reason.strip()):
        raise ClashRefused(found)
    return found


# -- scheduling -----------------------------------------------------------------------------------


@dataclass
class Booking:
    """The details of an observation, as a form or an imported row gives them."""

    observer: User | None
    practitioner: User
    meeting_type_id: int
    starts_at: datetime
    ends_at: datetime
    place: str = ""
    is_virtual: bool = False
    case_reference: str = ""
    family_agreed: bool = False
    notes: str = ""


def _check_open(week: PracticeWeek) -> None:
    if week.status == CLOSED:
        raise PracticeWeekError("This practice week is closed: reopen it to schedule more.")


def _apply(observation: Observation, booking: Booking) -> bool:
    """Copy the booking onto the record; True if the time or place changed."""
    moved = (
        observation.starts_at != booking.starts_at
        or observation.ends_at != booking.ends_at
        or observation.place != booking.place
        or observation.is_virtual != booking.is_virtual
        or observation.observer_id != (booking.observer.id if booking.observer else None)
        or observation.practitioner_id != booking.practitioner.id
    )
    observation.observer = booking.observer
    observation.practitioner = booking.practitioner
    observation.team_id = booking.practitioner.team_id
    observation.meeting_type_id = booking.meeting_type_id
    observation.starts_at = booking.starts_at
    observation.ends_at = booking.ends_at
    observation.place = booking.place
    observation.is_virtual = booking.is_virtual
    observation.case_reference = booking.case_reference
    observation.family_agreed = booking.family_agreed
    observation.notes = booking.notes
    return moved


def slot_for(week, booking: Booking, exclude_id=None) -> Slot:
    """The Slot ``booking`` asks for in ``week``, leaving out observation ``exclude_id`` (the one
    being changed) from the clash checks."""
    return Slot(
        week,
        booking.observer,
        booking.practitioner,
        booking.starts_at,
        booking.ends_at,
        exclude_id=exclude_id,
    )


def schedule(week: PracticeWeek, booking: Booking, by: User, override_reason: str = ""):
    """A new observation (with an observer: scheduled; without: available to observe)."""
    _check_open(week)
    check_slot(slot_for(week, booking), override_reason)
    observation = Observation(week=week, status=SCHEDULED if booking.observer else REQUESTED)
    _apply(observation, booking)
    observation.override_reason = override_reason.strip()
    if booking.observer is not None:
        observation.scheduled_by_id = by.id
    else:
        observation.offered_by_id = by.id
    db.session.add(observation)
    db.session.flush()
    mail.observation_scheduled(observation)
    return observation


def reschedule(observation: Observation, booking: Booking, by: User, override_reason: str = ""):
    """Change an observation still to happen to ``booking``: assigning an observer schedules a
    requested one, removing the observer makes it requested again; a change of time, place or people
    sends the updated meeting request. Raises PracticeWeekError for an observation that happened or
    was cancelled or a week not open, and ClashRefused as ``check_slot``."""
    if observation.status not in (REQUESTED, SCHEDULED):
        raise PracticeWeekError("Only an observation still to happen can be changed.")
    _check_open(observation.week)
    check_slot(slot_for(observation.week, booking, observation.id), override_reason)
    was_requested = observation.status == REQUESTED
    old_observer = observation.observer
    moved = _apply(observation, booking)
    if override_reason.strip():
        observation.override_reason = override_reason.strip()
    if booking.observer is not None and was_requested:
        observation.status = SCHEDULED
        observation.scheduled_by_id = by.id
    elif booking.observer is None and not was_requested:
        observation.status = REQUESTED
    if moved or was_requested != (observation.status == REQUESTED):
        observation.sequence += 1
        _send_changes(observation, old_observer, was_requested)


def _send_changes(observation: Observation, old_observer, was_requested: bool) -> None:
    """After a change: the people now on a scheduled observation get the new request; an
    observer taken off it (or everyone, when it goes back to needing an observer) gets a
    cancellation."""
    db.session.flush()
    if observation.status == SCHEDULED:
        mail.observation_changed(
            observation,
            [observation.observer, observation.practitioner],
            cancelled=False,
            what="booked" if was_requested else "moved",
        )
        if old_observer is not None and old_observer.id != observation.observer_id:
            mail.observation_changed(observation, [old_observer], cancelled=True, what="cancelled")
    elif not was_requested:
        mail.observation_changed(
            observation, [old_observer, observation.practitioner], cancelled=True, what="cancelled"
        )


def cancel(observation: Observation, reason: str) -> None:
    """Cancel an observation still to happen, with ``reason``; the people of a scheduled one get the
    meeting cancelled. Raises PracticeWeekError otherwise."""
    if observation.status not in (REQUESTED, SCHEDULED):
        raise PracticeWeekError("Only an observation still to happen can be cancelled.")
    was_scheduled = observation.status == SCHEDULED
    observation.status = CANCELLED
    observation.reason_detail = reason.strip()
    observation.sequence += 1
    if was_scheduled:
        db.session.flush()
        mail.observation_changed(
            observation,
            [observation.observer, observation.practitioner],
            cancelled=True,
            what="cancelled",
        )


def did_not_take_place(observation: Observation, reason: str, detail: str) -> None:
    """Record that a scheduled observation did not take place: ``reason`` one of
    ``NOT_HELD_REASONS``, ``detail`` required for "other". Raises PracticeWeekError otherwise."""
    if observation.status != SCHEDULED:
        raise PracticeWeekError("Only a scheduled observation can be marked as not taking place.")
    if reason not in NOT_HELD_REASONS:
        raise PracticeWeekError("Select why the observation did not take place")
    if reason == "other" and not detail.strip():
        raise PracticeWeekError("Say why the observation did not take place")
    observation.status = NOT_HELD
    observation.not_held_reason = reason
    observation.reason_detail = detail.strip()
    observation.sequence += 1


# -- recording ---------------------------------------------------------------------------------


def start_record(observation: Observation, by: User) -> Response:
    """The observation's form response, started on the week's observation tool the first time.
    Raises PracticeWeekError for an observation not scheduled (and as ``observation_tool``)."""
    if observation.status != SCHEDULED:
        raise PracticeWeekError("Only a scheduled observation can be recorded.")
    if observation.response is None:
        observation.response = tool_services.start_response(
            observation_tool(observation.week), "observation", observation.id, by
        )
    return observation.response


def set_feedback(observation: Observation, whose: str, choice: str, by: User) -> None:
    """Record whether the family (or the child) gave feedback; "given" opens the form."""
    if observation.status != SCHEDULED:
        raise PracticeWeekError("Feedback is recorded while the observation is being recorded.")
    if whose not in ("family", "child"):
        raise PracticeWeekError("Unknown feedback")
    setattr(observation, f"{whose}_feedback", choice)
    attr = f"{whose}_response"
    if choice != GIVEN:
        # Answers recorded before the choice changed are kept on their own, not counted or
        # shown with this observation.
        setattr(observation, attr, None)
    elif getattr(observation, attr) is None:
        response = tool_services.start_response(
            family_tool(observation.week), f"observation_{whose}", observation.id, by
        )
        setattr(observation, attr, response)


def save_reflections(observation: Observation, reflections: str, theme_ids: list[int]) -> None:
    """Save the practitioner's reflections and the learning themes (``theme_ids``, ids of
    LearningTheme; unknown ids are ignored). Raises PracticeWeekError unless scheduled."""
    if observation.status != SCHEDULED:
        raise PracticeWeekError("Only an observation being recorded can be changed.")
    observation.reflections = reflections.strip()
    chosen = set(theme_ids)
    observation.themes = list(
        db.session.scalars(select(LearningTheme).where(LearningTheme.id.in_(chosen)))
    )
    observation.updated_at = utcnow()  # themes alone still move the version counter


def missing_for_completion(observation: Observation) -> list[str]:
    """What is still to do before the observation can be completed, as phrases for "Before
    completing, ...": the form, the reflections, and each feedback choice and form given."""
    missing = []
    if observation.response is None or not observation.response.is_completed:
        missing.append("complete the observation form")
    if not observation.reflections:
        missing.append("record the practitioner's reflections")
    for whose, label in (("family", "the family's"), ("child", "the child's")):
        choice = getattr(observation, f"{whose}_feedback")
        response = getattr(observation, f"{whose}_response")
        if not choice:
            missing.append(f"say whether {label} feedback was given")
        elif choice == GIVEN and (response is None or not response.is_completed):
            missing.append(f"complete {label} feedback form")
    return missing


def complete(observation: Observation) -> None:
    """Complete a scheduled observation. Raises PracticeWeekError when it is not scheduled or
    something is missing (``missing_for_completion``)."""
    if observation.status != SCHEDULED:
        raise PracticeWeekError("Only a scheduled observation can be completed.")
    missing = missing_for_completion(observation)
    if missing:
        raise PracticeWeekError("Before completing, " + ", ".join(missing) + ".")
    observation.status = COMPLETED
    observation.completed_at = utcnow()


# -- My work ------------------------------------------------------------------------------------


def open_for_observer(user_id: int):
    """The SQL condition on Observation for the scheduled observations ``user_id`` is to observe (My
    work)."""
    return and_(Observation.observer_id == user_id, Observation.status == SCHEDULED)


def board_statement(week, filters: dict):
    """The schedule board's statement, shared by the board and the schedule export:
    ``select(Observation)`` of ``week`` limited to ``filters`` (``BoardFilterForm.cleaned()``:
    area, team, observer as ids, status), unordered (the board orders by time and pages it).
    Raises nothing."""
    from qaweb.organisation.models import Team

    stmt = select(Observation).where(Observation.week_id == week.id)
    if filters.get("area"):
        stmt = stmt.where(
            Observation.team_id.in_(
                select(Team.id).where(Team.service_area_id == int(filters["area"]))
            )
        )
    if filters.get("team"):
        stmt = stmt.where(Observation.team_id == int(filters["team"]))
    if filters.get("observer"):
        stmt = stmt.where(Observation.observer_id == int(filters["observer"]))
    if filters.get("status"):
        stmt = stmt.where(Observation.status == filters["status"])
    return stmt
