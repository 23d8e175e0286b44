"""Live learning sessions: set up by organisers, booked and given up by staff with htmx."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from qaweb.core import submissions
from qaweb.core.history import history_for, save_versioned
from qaweb.core.htmx import is_htmx
from qaweb.core.permissions import get_or_403, requires
from qaweb.core.steps import reason_step
from qaweb.core.timefmt import to_london
from qaweb.extensions import db
from qaweb.organisation.models import User
from qaweb.organisation.services import person_choices
from qaweb.practice_week import calendar, services, sessions
from qaweb.practice_week.blueprint import ERRORS, bp, load_week
from qaweb.practice_week.forms import CancelForm, SessionForm
from qaweb.practice_week.models import (
    SESSION_CANCELLED,
    LearningSession,
)


def _session(session_id) -> LearningSession:
    return get_or_403(LearningSession, session_id, lambda u, s: services.can_see_week(u, s.week))


def _facilitators(form):
    form.facilitator_id.choices = person_choices(User.active.is_(True), blank="No facilitator")


def _fill(session: LearningSession, form: SessionForm) -> bool:
    """Copy the form onto the session; True if the time or place changed."""
    starts = services.at_london(form.day.data, services.parse_time(form.starts.data))
    ends = services.at_london(form.day.data, services.parse_time(form.ends.data))
    moved = (session.starts_at, session.ends_at, session.place, session.link) != (
        starts,
        ends,
        form.place.data or "",
        form.link.data or "",
    )
    session.title = form.title.data
    session.description = form.description.data or ""
    session.presenters = form.presenters.data or ""
    session.facilitator_id = form.facilitator_id.data
    session.starts_at, session.ends_at = starts, ends
    session.place = form.place.data or ""
    session.link = form.link.data or ""
    session.capacity = form.capacity.data
    return moved


@bp.route("/<int:week_id>/sessions/new", methods=["GET", "POST"])
@requires(services.can_organise)
def new_session(week_id):
    week = load_week(week_id)
    form = SessionForm(
        data={"day": week.starts_on, "capacity": 30} if request.method == "GET" else None
    )
    _facilitators(form)
    if form.validate_on_submit():
        if (repeat := submissions.repeat_of(db.session, form)) is not None:
            return repeat
        session = LearningSession(week=week)
        _fill(session, form)
        db.session.add(session)
        db.session.flush()
        submissions.saved(db.session, form, url_for(".session", session_id=session.id))
        db.session.commit()
        flash(f"Learning session “{session.title}” added: staff can book it.", "success")
        return redirect(url_for(".session", session_id=session.id))
    return render_template("practice_week/session_form.html", week=week, form=form, session=None)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@requires(services.can_organise)
def edit_session(session_id):
    session = _session(session_id)
    if request.method == "GET":
        starts = to_london(session.starts_at)
        form = SessionForm(
            obj=session,
            day=starts.date(),
            starts=services.format_time(session.starts_at),
            ends=services.format_time(session.ends_at),
            facilitator_id=str(session.facilitator_id or ""),
        )
    else:
        form = SessionForm()
    _facilitators(form)
    problem = None
    if form.validate_on_submit():

        def apply():
            if session.status == SESSION_CANCELLED:
                raise services.PracticeWeekError("A cancelled session cannot be changed.")
            moved = _fill(session, form)
            if moved:
                session.sequence += 1
            db.session.flush()
            sessions.change_capacity(session)
            if moved:
                sessions.session_moved(session)

        problem = save_versioned(db.session, session, form, apply, ERRORS)
        if problem is None:
            flash("Learning session saved.", "success")
            return redirect(url_for(".session", session_id=session.id))
    return render_template(
        "practice_week/session_form.html",
        week=session.week,
        form=form,
        session=session,
        problem=problem,
    )


@bp.get("/sessions/<int:session_id>")
@login_required
def session(session_id):
    session = _session(session_id)
    booked, waiting = sessions.attendees(session)
    sees_list = services.can_organise(current_user) or session.facilitator_id == current_user.id
    return render_template(
        "practice_week/session.html",
        session=session,
        week=session.week,
        card=_card_context(session),
        booked=booked if sees_list else [],
        waiting=waiting if sees_list else [],
        sees_list=sees_list,
        can_organise=services.can_organise(current_user),
        history=history_for(db.session, session) if services.can_organise(current_user) else [],
    )


def _card_context(session: LearningSession, message: str = "", error: str = "") -> dict:
    booking = sessions.bookings_of(current_user.id, [session.id]).get(session.id)
    return {
        "session": session,
        "places": sessions.places([session.id])[session.id],
        "booking": booking,
        "position": sessions.waiting_position(booking)
        if booking and booking.status == "waiting"
        else None,
        "message": message,
        "error": error,
    }


def _answer(session: LearningSession, message: str = "", error: str = ""):
    """The session's booking panel for htmx; otherwise back to where the person was."""
    if is_htmx():
        return render_template(
            "practice_week/_session_card.html", **_card_context(session, message, error)
        )
    flash(error or message, "error" if error else "success")
    target = request.form.get("next") or ""
    if target != "week":
        return redirect(url_for(".session", session_id=session.id))
    return redirect(url_for(".week", week_id=session.week_id) + f"#session-{session.id}")


@bp.post("/sessions/<int:session_id>/book")
@login_required
def book(session_id):
    session = _session(session_id)
    try:
        booking = sessions.book(session, current_user)
    except services.PracticeWeekError as error:
        db.session.rollback()
        return _answer(session, error=str(error))
    db.session.commit()
    if booking.status == "waiting":
        return _answer(
            session,
            f"The session is full: you are number {sessions.waiting_position(booking)} on "
            "the waiting list. You will get a place if someone gives theirs up.",
        )
    return _answer(session, f"You have a place on “{session.title}”.")


@bp.post("/sessions/<int:session_id>/leave")
@login_required
def leave(session_id):
    session = _session(session_id)
    booking = sessions.bookings_of(current_user.id, [session.id]).get(session.id)
    if booking is None:
        return _answer(session, error="You do not have a place on this session.")
    was_waiting = booking.status == "waiting"
    sessions.cancel_booking(booking)
    db.session.commit()
    if was_waiting:
        return _answer(session, "You are no longer on the waiting list.")
    return _answer(session, "Your place is cancelled.")


@bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@requires(services.can_organise)
def cancel_session(session_id):
    session = _session(session_id)
    form = CancelForm(version=session.version)
    return reason_step(
        session,
        form,
        lambda: sessions.cancel_session(session, form.reason.data),
        f"“{session.title}” cancelled: download the cancellation to send to those booked.",
        url_for(".session", session_id=session.id),
        "practice_week/session_cancel.html",
        ERRORS,
        session=session,
    )


@bp.get("/sessions/<int:session_id>/invite.ics")
@login_required
def session_invite(session_id):
    session = _session(session_id)
    attendees = calendar.session_attendees(
        session, current_user, organiser=services.can_organise(current_user)
    )
    body = calendar.invite(
        calendar.session_event(
            session, url_for(".session", session_id=session.id, _external=True), attendees
        ),
        cancelled=session.status == SESSION_CANCELLED,
    )
    return calendar.send(body, f"{session.reference.lower()}.ics")
