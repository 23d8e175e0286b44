"""Observations: the schedule board, booking with clash checks, invites, import, records."""

from dataclasses import dataclass
from datetime import date, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from qaweb.actions.services import actions_for
from qaweb.actions.views import raise_page
from qaweb.core import submissions
from qaweb.core.excel import About, send_workbook
from qaweb.core.forms import choices
from qaweb.core.history import history_for, save_versioned
from qaweb.core.htmx import render
from qaweb.core.import_template import send_import_template
from qaweb.core.imports import stage_upload
from qaweb.core.lists import as_id, paginate, pagination_params
from qaweb.core.permissions import (
    OBSERVER,
    SERVICE_MANAGER,
    TEAM_MANAGER,
    forbid_unless,
    get_or_403,
    requires,
)
from qaweb.core.steps import reason_step, take_step
from qaweb.core.text import counted
from qaweb.core.timefmt import format_date, format_time, to_london, today_london
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team, User, UserRole
from qaweb.organisation.services import person_options, team_options
from qaweb.practice_week import calendar, exports, importer, services
from qaweb.practice_week.blueprint import ERRORS, bp, load_week
from qaweb.practice_week.forms import (
    BoardFilterForm,
    CancelForm,
    FeedbackChoiceForm,
    ImportForm,
    NotHeldForm,
    ObservationForm,
    ReflectionsForm,
)
from qaweb.practice_week.models import (
    CANCELLED,
    NOT_HELD_REASONS,
    REQUESTED,
    LearningTheme,
    MeetingType,
    Observation,
    ScheduleImport,
)

OBSERVER_ROLES = (OBSERVER, SERVICE_MANAGER, TEAM_MANAGER)


def _observation(observation_id, check=services.can_view) -> Observation:
    return get_or_403(Observation, observation_id, check)


# -- choices --------------------------------------------------------------------------------


def _people(*conditions):
    """(id, "Surname, First name (Team)") of active people for a drop-down, by surname."""
    return [(p.id, p.label) for p in person_options(User.active.is_(True), *conditions)]


def _observers():
    holders = select(UserRole.user_id).where(UserRole.role.in_(OBSERVER_ROLES))
    return _people(User.id.in_(holders))


def _practitioners(team_id=None):
    return _people(User.team_id == team_id) if team_id is not None else _people()


def _meeting_types(current_id=None):
    stmt = select(MeetingType).where(
        MeetingType.active.is_(True) | (MeetingType.id == (current_id or 0))
    )
    return [(t.id, t.name) for t in db.session.scalars(stmt.order_by(MeetingType.name))]


def _set_choices(form, offering=False, current=None):
    if offering:
        form.observer_id.choices = choices([], blank="An organiser will assign an observer")
        team_id = current_user.team_id if not services.can_organise(current_user) else None
        form.practitioner_id.choices = choices(_practitioners(team_id), blank="")
    else:
        form.observer_id.choices = choices(_observers(), blank="Not yet assigned")
        form.practitioner_id.choices = choices(_practitioners(), blank="")
    form.meeting_type_id.choices = choices(
        _meeting_types(current.meeting_type_id if current else None), blank=""
    )


def _booking(form) -> services.Booking:
    observer = db.session.get(User, form.observer_id.data) if form.observer_id.data else None
    return services.Booking(
        observer=observer,
        practitioner=db.session.get(User, form.practitioner_id.data),
        meeting_type_id=form.meeting_type_id.data,
        starts_at=services.at_london(form.day.data, services.parse_time(form.starts.data)),
        ends_at=services.at_london(form.day.data, services.parse_time(form.ends.data)),
        place=form.place.data or "",
        is_virtual=bool(form.is_virtual.data),
        case_reference=form.case_reference.data or "",
        family_agreed=form.family_agreed.data == "yes",
        notes=form.notes.data or "",
    )


def _form_for(observation: Observation) -> ObservationForm:
    starts = to_london(observation.starts_at)
    return ObservationForm(
        formdata=None,
        data={
            "version": observation.version,
            "observer_id": observation.observer_id,
            "practitioner_id": observation.practitioner_id,
            "meeting_type_id": observation.meeting_type_id,
            "day": starts.date(),
            "starts": services.format_time(observation.starts_at),
            "ends": services.format_time(observation.ends_at),
            "place": observation.place,
            "is_virtual": observation.is_virtual,
            "case_reference": observation.case_reference,
            "family_agreed": "yes" if observation.family_agreed else "no",
            "notes": observation.notes,
        },
    )


def _offered(field) -> bool:
    """Whether the select's value is one it offers (a crafted id is not)."""
    return field.data in {int(c.value) for c in field.choices if c.value}


def _clashes_for(week, form, exclude_id=None):
    """The clashes the form's values would cause, or None if the form is not complete yet."""
    if not (form.practitioner_id.data and form.day.data and form.starts.data and form.ends.data):
        return None
    if not _offered(form.practitioner_id) or (
        form.observer_id.data and not _offered(form.observer_id)
    ):
        return None
    try:
        booking = _booking(form)
    except (ValueError, TypeError):
        return None
    if booking.practitioner is None or booking.ends_at <= booking.starts_at:
        return None
    return services.clashes(services.slot_for(week, booking, exclude_id))


def _schedule_page(week, form, observation=None, offering=False):
    """Book (or change) an observation; clashes shown in place, hard ones refused."""
    problem = None
    found = None
    if request.method == "POST":
        valid = form.validate()
        found = _clashes_for(week, form, observation.id if observation else None)
        if valid:
            booking = _booking(form)
            reason = form.override_reason.data or ""

            def apply():
                if observation is None:
                    return services.schedule(week, booking, current_user, reason)
                return services.reschedule(observation, booking, current_user, reason)

            if observation is None:
                if (repeat := submissions.repeat_of(db.session, form)) is not None:
                    return repeat
                try:
                    made = apply()
                except services.ClashRefused as error:
                    db.session.rollback()
                    problem = str(error)
                    found = error.clashes
                except services.PracticeWeekError as error:
                    db.session.rollback()
                    problem = str(error)
                else:
                    url = url_for(".observation", observation_id=made.id)
                    submissions.saved(db.session, form, url)
                    db.session.commit()
                    flash(_booked_message(made), "success")
                    return redirect(url_for(".observation", observation_id=made.id))
            else:
                problem = save_versioned(db.session, observation, form, apply, ERRORS)
                if problem is None:
                    flash(_booked_message(observation, changed=True), "success")
                    return redirect(url_for(".observation", observation_id=observation.id))
    template = "practice_week/observation_form.html"
    return render_template(
        template,
        week=week,
        form=form,
        observation=observation,
        offering=offering,
        clashes=found,
        problem=problem,
        check_url=url_for(
            ".check_clashes", week_id=week.id, exclude=observation.id if observation else None
        ),
    )


def _booked_message(observation, changed=False):
    if observation.observer is None:
        return (
            f"{observation.practitioner.name}'s {observation.meeting_type.name.lower()} is "
            "listed as available to observe."
        )
    verb = "changed" if changed else "scheduled"
    return (
        f"Observation {observation.reference} {verb}: {observation.observer.name} observes "
        f"{observation.practitioner.name}. A meeting request has been emailed to both."
    )


@bp.route("/<int:week_id>/observations/new", methods=["GET", "POST"])
@requires(services.can_organise)
def schedule(week_id):
    week = load_week(week_id)
    form = ObservationForm(data={"day": week.starts_on} if request.method == "GET" else None)
    _set_choices(form)
    return _schedule_page(week, form)


@bp.route("/<int:week_id>/offer", methods=["GET", "POST"])
@requires(services.can_offer)
def offer(week_id):
    week = load_week(week_id)
    form = ObservationForm(data={"day": week.starts_on} if request.method == "GET" else None)
    _set_choices(form, offering=True)
    if request.method == "POST":
        form.observer_id.data = None  # offering never chooses the observer
        posted = request.form.get("practitioner_id", "")
        allowed = {str(c.value) for c in form.practitioner_id.choices}
        forbid_unless(not posted or posted in allowed)
    return _schedule_page(week, form, offering=True)


@bp.post("/<int:week_id>/observations/check")
@requires(services.can_offer)
def check_clashes(week_id):
    """The clash panel for the values typed so far (htmx, as the form changes)."""
    week = load_week(week_id)
    form = ObservationForm()
    offering = not services.can_organise(current_user)
    _set_choices(form, offering=offering)
    if offering:
        form.observer_id.data = None  # a team manager checks their own practitioner only
    found = _clashes_for(week, form, as_id(request.args.get("exclude")))
    return render_template("practice_week/_clashes.html", clashes=found, checked=True)


@dataclass(frozen=True)
class BoardCard:
    """One observation on the schedule board: the few columns a card shows, read in one
    query (a large council's week has well over a thousand)."""

    id: int
    status: str
    starts_at: datetime
    ends_at: datetime
    observer_name: str
    practitioner_name: str
    team_name: str
    meeting_type_name: str
    family_agreed: bool
    place: str
    is_virtual: bool
    times: str  # "9:30am to 11am", London time
    day: date

    status_label = Observation.status_label
    where = Observation.where


def board_cards(stmt) -> list[BoardCard]:
    """The board's cards for ``stmt`` (a SELECT of observations with the board's filters)."""
    stmt, observer, practitioner = exports.people_columns(
        stmt.with_only_columns(
            Observation.id,
            Observation.status,
            Observation.starts_at,
            Observation.ends_at,
        )
    )
    rows = db.session.execute(
        stmt.add_columns(
            observer.first_name,
            observer.last_name,
            practitioner.first_name,
            practitioner.last_name,
            Team.name,
            MeetingType.name,
            Observation.family_agreed,
            Observation.place,
            Observation.is_virtual,
        ).order_by(Observation.starts_at, Observation.id)
    )
    # A week has a handful of distinct start and end times: format each once.
    times: dict[datetime, str] = {}
    days: dict[datetime, date] = {}

    def clock(moment):
        if moment not in times:
            times[moment] = format_time(moment)
            days[moment] = to_london(moment).date()
        return times[moment]

    return [
        BoardCard(
            row[0],
            row[1],
            row[2],
            row[3],
            f"{row[4]} {row[5]}" if row[4] is not None else "",
            f"{row[6]} {row[7]}",
            row[8] or "",
            *row[9:],
            times=f"{clock(row[2])} to {clock(row[3])}",
            day=days[row[2]],
        )
        for row in rows
    ]


#: Cards per page of the board: a large council books well over a thousand in a week.
BOARD_PAGE_SIZE = 150


@bp.get("/<int:week_id>/board")
@requires(services.can_organise)
def board(week_id):
    week = load_week(week_id)
    form, stmt = _board_filters(week)
    # Meetings waiting for an observer are few and listed apart; the rest, by time, in pages.
    unassigned = board_cards(stmt.where(Observation.status == REQUESTED))
    pagination = paginate(
        stmt.with_only_columns(Observation.id)
        .where(Observation.status != REQUESTED)
        .order_by(Observation.starts_at, Observation.id),
        per_page=BOARD_PAGE_SIZE,
    )
    ids = list(pagination.items)
    # One page shows every day of the week; pages of a long week show the days they reach.
    by_day = {day: [] for day in week.days} if pagination.pages <= 1 else {}
    for card in board_cards(stmt.where(Observation.id.in_(ids))):
        by_day.setdefault(card.day, []).append(card)
    return render(
        "practice_week/board.html",
        block="results",
        week=week,
        form=form,
        by_day=by_day,
        total=pagination.total,
        unassigned=unassigned,
        pager=pagination_params(pagination, ".board", form.active_args(), week_id=week.id),
        observation_url=url_for(".observation", observation_id=0).removesuffix("0"),
        export_url=url_for(".schedule_export", week_id=week.id, **form.active_args()),
        services=services,
    )


def _board_filters(week):
    form = BoardFilterForm()
    areas = db.session.execute(select(ServiceArea.id, ServiceArea.name).order_by(ServiceArea.name))
    form.area.choices = choices(areas, blank="All service areas")
    form.team.choices = choices(team_options(), blank="All teams")
    form.observer.choices = choices(_observers(), blank="All observers")
    return form, services.board_statement(week, form.cleaned())


@bp.get("/<int:week_id>/schedule.xlsx")
@requires(services.can_organise)
def schedule_export(week_id):
    week = load_week(week_id)
    form, stmt = _board_filters(week)
    return send_workbook(
        f"practice-week-{week.starts_on.isoformat()}-schedule.xlsx",
        "Schedule",
        exports.SCHEDULE_COLUMNS,
        exports.schedule_rows(stmt.order_by(Observation.starts_at, Observation.id)),
        about=About(
            f"Practice week schedule: {week.theme}",
            period=f"{format_date(week.starts_on)} to {format_date(week.ends_on)}",
            filters=form.labels(),
        ),
    )


# -- one observation ------------------------------------------------------------------------------


@bp.get("/observations/<int:observation_id>")
@login_required
def observation(observation_id):
    observation = _observation(observation_id)
    sees_record = services.can_view_record(current_user, observation)
    can_record = services.can_record(current_user, observation)
    feedback_form = FeedbackChoiceForm(
        data={
            "version": observation.version,
            "family_feedback": observation.family_feedback or None,
            "child_feedback": observation.child_feedback or None,
        }
    )
    actions = actions_for("observation", observation.id) if sees_record else []
    return render_template(
        "practice_week/observation.html",
        observation=observation,
        week=observation.week,
        sees_record=sees_record,
        can_record=can_record,
        can_reschedule=services.can_reschedule(current_user, observation),
        feedback_form=feedback_form,
        missing=services.missing_for_completion(observation) if can_record else [],
        actions=actions,
        history=history_for(db.session, observation) if sees_record else [],
        services=services,
        reasons=NOT_HELD_REASONS,
        today=today_london(),
    )


@bp.route("/observations/<int:observation_id>/edit", methods=["GET", "POST"])
@login_required
def edit_observation(observation_id):
    observation = _observation(observation_id, services.can_reschedule)
    form = _form_for(observation) if request.method == "GET" else ObservationForm()
    _set_choices(form, current=observation)
    return _schedule_page(observation.week, form, observation)


def _reason_page(observation, form, template, apply, done):
    back = url_for(".observation", observation_id=observation.id)
    return reason_step(
        observation, form, apply, done, back, template, ERRORS, observation=observation
    )


@bp.route("/observations/<int:observation_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_observation(observation_id):
    # A post is checked against who may cancel, not the observation's state: a colleague's
    # cancel meanwhile is then shown as their change, the reason typed here kept (not a 403).
    observation = _observation(
        observation_id,
        services.can_reschedule if request.method == "GET" else services.may_reschedule,
    )
    form = CancelForm(version=observation.version)
    return _reason_page(
        observation,
        form,
        "practice_week/cancel.html",
        lambda: services.cancel(observation, form.reason.data),
        f"Observation {observation.reference} cancelled: download the cancellation to send it.",
    )


def _may_say_not_held(user, observation) -> bool:
    return services.can_record(user, observation) or services.can_reschedule(user, observation)


def _may_say_not_held_ever(user, observation) -> bool:
    """Who may say it did not take place, whatever its state (see cancel_observation)."""
    return observation.observer_id == user.id or services.may_reschedule(user, observation)


@bp.route("/observations/<int:observation_id>/not-held", methods=["GET", "POST"])
@login_required
def not_held(observation_id):
    observation = _observation(
        observation_id, _may_say_not_held if request.method == "GET" else _may_say_not_held_ever
    )
    form = NotHeldForm(version=observation.version)
    return _reason_page(
        observation,
        form,
        "practice_week/not_held.html",
        lambda: services.did_not_take_place(observation, form.reason.data, form.detail.data or ""),
        f"Observation {observation.reference} recorded as not taking place.",
    )


def _step(observation_id, change, done, anchor=""):
    observation = _observation(observation_id, services.can_record)
    back = url_for(".observation", observation_id=observation.id) + anchor
    return take_step(observation, lambda: change(observation), done, back, ERRORS)


@bp.post("/observations/<int:observation_id>/start")
@login_required
def start_record(observation_id):
    observation = _observation(observation_id, services.can_record)
    try:
        response = services.start_record(observation, current_user)
    except services.PracticeWeekError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".observation", observation_id=observation.id))
    db.session.commit()
    return redirect(url_for("responses.show", response_id=response.id))


@bp.post("/observations/<int:observation_id>/feedback")
@login_required
def feedback(observation_id):
    observation = _observation(observation_id, services.can_record)
    form = FeedbackChoiceForm()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "error")
        return redirect(url_for(".observation", observation_id=observation.id) + "#feedback")

    def apply():
        # Each is saved as soon as it is known: one can be recorded before the other.
        for whose in ("family", "child"):
            choice = getattr(form, f"{whose}_feedback").data
            if choice:
                services.set_feedback(observation, whose, choice, current_user)

    return _step(observation_id, lambda o: apply(), "Feedback recorded.", "#feedback")


@bp.route("/observations/<int:observation_id>/reflections", methods=["GET", "POST"])
@login_required
def reflections(observation_id):
    observation = _observation(observation_id, services.can_record)
    form = ReflectionsForm(
        data={
            "version": observation.version,
            "reflections": observation.reflections,
            "themes": [str(t.id) for t in observation.themes],
        }
        if request.method == "GET"
        else None
    )
    current = {t.id for t in observation.themes}
    form.themes.choices = choices(
        (t.id, t.name)
        for t in db.session.scalars(select(LearningTheme).order_by(LearningTheme.name))
        if t.active or t.id in current
    )
    problem = None
    if form.validate_on_submit():
        problem = save_versioned(
            db.session,
            observation,
            form,
            lambda: services.save_reflections(
                observation, form.reflections.data, [int(i) for i in form.themes.data]
            ),
            ERRORS,
        )
        if problem is None:
            flash("Reflections and learning themes saved.", "success")
            return redirect(url_for(".observation", observation_id=observation.id))
    return render_template(
        "practice_week/reflections.html", observation=observation, form=form, problem=problem
    )


@bp.post("/observations/<int:observation_id>/complete")
@login_required
def complete(observation_id):
    return _step(
        observation_id,
        services.complete,
        "Observation completed: the practitioner and their manager can now read it.",
    )


@bp.route("/observations/<int:observation_id>/actions/new", methods=["GET", "POST"])
@login_required
def new_action(observation_id):
    observation = _observation(
        observation_id,
        lambda u, o: (
            o.observer_id == u.id
            and o.status != CANCELLED
            or (services.can_organise(u) and services.can_view_record(u, o))
        ),
    )
    return raise_page(
        source_type="observation",
        source_id=observation.id,
        source_label=f"{observation.reference}, {observation.practitioner.name}",
        back_url=url_for(".observation", observation_id=observation.id),
        caption=f"{observation.reference} · observation of {observation.practitioner.name}",
        default_owner=observation.practitioner,
    )


# -- calendar invites ---------------------------------------------------------------------------


@bp.get("/observations/<int:observation_id>/invite.ics")
@login_required
def observation_invite(observation_id):
    """The invite for the observer and the practitioner (never the observer's notes)."""
    observation = _observation(observation_id)
    if observation.status == REQUESTED:
        abort(404)
    url = url_for(".observation", observation_id=observation.id, _external=True)
    body = calendar.invite(
        calendar.observation_event(observation, url),
        cancelled=calendar.observation_cancelled(observation),
    )
    return calendar.send(body, f"{observation.reference.lower()}.ics")


@bp.get("/<int:week_id>/calendar.ics")
@login_required
def person_calendar(week_id):
    """A person's whole schedule for the week (their own, or anyone's for an organiser), or a
    page saying there is nothing to add: never an empty calendar."""
    week = load_week(week_id)
    person_id = as_id(request.args.get("person")) or current_user.id
    forbid_unless(person_id == current_user.id or services.can_organise(current_user))
    person = db.get_or_404(User, person_id)
    observations, week_sessions = calendar.person_week(week, person)
    if not observations and not week_sessions:
        return render_template("practice_week/nothing_to_add.html", week=week, person=person)
    events = [
        calendar.observation_event(
            o, url_for(".observation", observation_id=o.id, _external=True), attendees=False
        )
        for o in observations
    ]
    events += [
        calendar.session_event(s, url_for(".session", session_id=s.id, _external=True))
        for s in week_sessions
    ]
    body = calendar.feed(events, f"Practice Week: {week.theme} ({person.name})")
    return calendar.send(body, f"practice-week-{week.starts_on.isoformat()}-{person.id}.ics")


# -- importing a schedule ----------------------------------------------------------------------


@bp.route("/<int:week_id>/import", methods=["GET", "POST"])
@requires(services.can_organise)
def import_schedule(week_id):
    week = load_week(week_id)
    form = ImportForm()
    problem = None
    if form.validate_on_submit():
        upload = request.files.get("upload")
        if not upload or not upload.filename:
            problem = "Choose the schedule file to upload"
        else:
            # The whole file or a refusal (on the file field): never the first few megabytes.
            pending = stage_upload(
                form,
                importer.LIMITS,
                lambda filename, data: importer.stage(week, filename, data, current_user),
                field=form.upload,
            )
            if pending is not None:
                return redirect(url_for(".import_preview", import_id=pending.id))
    return render_template(
        "practice_week/import.html",
        week=week,
        form=form,
        problem=problem,
        headers=importer.HEADERS,
        required=importer.REQUIRED,
    )


@bp.route("/imports/<int:import_id>", methods=["GET", "POST"])
@requires(services.can_organise)
def import_preview(import_id):
    pending = db.get_or_404(ScheduleImport, import_id)
    week = load_week(pending.week_id)
    problem = None
    if request.method == "POST":
        try:
            made = importer.apply(pending, current_user)
        except services.PracticeWeekError as error:
            db.session.rollback()
            problem = str(error)
        else:
            db.session.commit()
            flash(f"{counted(made, 'observation')} imported into the schedule.", "success")
            return redirect(url_for(".board", week_id=week.id))
    rows = pending.rows
    return render_template(
        "practice_week/import_preview.html",
        week=week,
        pending=pending,
        rows=rows,
        bad=[r for r in rows if r["problems"]],
        error_list=[
            {"text": f"Row {r['row']}: {r['problems'][0]}", "href": f"#row-{r['row']}"}
            for r in rows
            if r["problems"]
        ][:20],
        problem=problem,
    )


@bp.get("/import-template.xlsx")
@requires(services.can_organise)
def import_template():
    return send_import_template(
        "practice-week-schedule-template.xlsx",
        "Schedule",
        importer.template_columns(),
        importer.TEMPLATE_INSTRUCTIONS,
    )
