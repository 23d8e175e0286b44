"""Practice weeks: the weeks, their learning materials, coverage and the week's report."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from qaweb.core import submissions
from qaweb.core.council_lists import KeptList, entries, entry_form, handle_post
from qaweb.core.excel import About, send_workbook
from qaweb.core.forms import choices
from qaweb.core.history import history_for, save_versioned
from qaweb.core.htmx import render
from qaweb.core.permissions import requires
from qaweb.core.steps import take_step
from qaweb.core.timefmt import format_date, today_london
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea
from qaweb.practice_week import calendar, exports, reports, services, sessions
from qaweb.practice_week.blueprint import ERRORS, bp, load_week
from qaweb.practice_week.forms import MaterialForm, WeekForm
from qaweb.practice_week.models import (
    PLANNING,
    LearningMaterial,
    LearningSession,
    LearningTheme,
    MeetingType,
    Observation,
    PracticeWeek,
)
from qaweb.tools import services as tool_services

MAX_UPLOAD = 10 * 1024 * 1024


# -- the weeks ------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    stmt = select(PracticeWeek).order_by(PracticeWeek.starts_on.desc())
    if not services.can_organise(current_user):
        stmt = stmt.where(PracticeWeek.status != PLANNING)
    weeks = list(db.session.scalars(stmt.limit(40)))
    condition = services.list_condition(current_user)
    mine = select(Observation).where(
        (Observation.observer_id == current_user.id)
        | (Observation.practitioner_id == current_user.id)
    )
    if condition is not None:
        mine = mine.where(condition)
    upcoming = list(db.session.scalars(mine.order_by(Observation.starts_at.desc()).limit(20)))
    return render_template(
        "practice_week/index.html",
        weeks=weeks,
        upcoming=upcoming,
        can_organise=services.can_organise(current_user),
        services=services,
    )


def _tool_choices(form):
    form.observation_tool_id.choices = choices(
        (
            (v.id, f"{v.tool.name} (version {v.number})")
            for v in tool_services.published_versions("practice_observation")
        ),
        blank="",
    )
    form.family_tool_id.choices = choices(
        (
            (v.id, f"{v.tool.name} (version {v.number})")
            for v in tool_services.published_versions("family_feedback")
        ),
        blank="",
    )


def _fill_week(week: PracticeWeek, form: WeekForm) -> None:
    week.theme = form.theme.data
    week.starts_on = form.starts_on.data
    week.ends_on = form.ends_on.data
    week.description = form.description.data or ""
    week.observation_tool_id = form.observation_tool_id.data
    week.family_tool_id = form.family_tool_id.data
    week.target_roles = list(form.target_roles.data or [])
    week.target_per_observer = form.target_per_observer.data
    week.max_per_practitioner = form.max_per_practitioner.data
    services.check_week(week)


@bp.route("/new", methods=["GET", "POST"])
@requires(services.can_organise)
def new_week():
    form = WeekForm(
        data={
            "target_roles": ["service_manager", "team_manager"],
            "target_per_observer": 1,
            "max_per_practitioner": 1,
        }
        if request.method == "GET"
        else None
    )
    _tool_choices(form)
    if request.method == "GET":
        for field, kind in (
            (form.observation_tool_id, "practice_observation"),
            (form.family_tool_id, "family_feedback"),
        ):
            version = tool_services.current_version(kind)
            field.data = version.id if version else None
    if form.validate_on_submit():
        if (repeat := submissions.repeat_of(db.session, form)) is not None:
            return repeat
        week = PracticeWeek()
        _fill_week(week, form)
        db.session.add(week)
        db.session.flush()
        submissions.saved(db.session, form, url_for(".week", week_id=week.id))
        db.session.commit()
        flash(f"Practice week “{week.theme}” set up. Open it when staff can see it.", "success")
        return redirect(url_for(".week", week_id=week.id))
    return render_template("practice_week/week_form.html", form=form, week=None)


@bp.get("/<int:week_id>")
@login_required
def week(week_id):
    week = load_week(week_id)
    week_sessions = list(
        db.session.scalars(
            select(LearningSession)
            .where(LearningSession.week_id == week.id)
            .order_by(LearningSession.starts_at)
        )
    )
    ids = [s.id for s in week_sessions]
    # The week's two tool versions, read once: the summary shows them and the history names
    # them (held here until the page is rendered, so neither reads them again).
    tools = services.chosen_tools(week)
    return render_template(
        "practice_week/week.html",
        week=week,
        sessions=week_sessions,
        places=sessions.places(ids),
        bookings=sessions.bookings_of(current_user.id, ids),
        positions=None,
        materials=[m for m in week.materials if not m.withdrawn],
        can_organise=services.can_organise(current_user),
        can_offer=services.can_offer(current_user),
        target_text=services.target_text(week),
        figures=reports.figures(week) if services.can_organise(current_user) else None,
        material_form=MaterialForm(),
        history=(
            history_for(db.session, week, known=tools)
            if services.can_organise(current_user)
            else []
        ),
        has_calendar=calendar.has_feed(week, current_user),
    )


@bp.route("/<int:week_id>/edit", methods=["GET", "POST"])
@requires(services.can_organise)
def edit_week(week_id):
    week = load_week(week_id)
    form = WeekForm(obj=week)
    _tool_choices(form)
    problem = None
    if request.method == "GET":
        form.observation_tool_id.data = week.observation_tool_id
        form.family_tool_id.data = week.family_tool_id
    if form.validate_on_submit():
        problem = save_versioned(db.session, week, form, lambda: _fill_week(week, form), ERRORS)
        if problem is None:
            flash("Practice week saved.", "success")
            return redirect(url_for(".week", week_id=week.id))
    return render_template("practice_week/week_form.html", form=form, week=week, problem=problem)


STATUS_CHANGES = {
    "open": (services.open_week, "The week is open: staff can see it and book sessions."),
    "close": (services.close_week, "The week is closed: no more observations can be booked."),
    "reopen": (services.reopen_week, "The week is open again."),
}


@bp.post("/<int:week_id>/status")
@requires(services.can_organise)
def change_status(week_id):
    week = load_week(week_id)
    change, done = STATUS_CHANGES.get(request.form.get("to", ""), (None, None))
    if change is None:
        flash("Choose open, close or reopen.", "error")
        return redirect(url_for(".week", week_id=week.id))
    return take_step(week, lambda: change(week), done, url_for(".week", week_id=week.id), ERRORS)


# -- learning materials -----------------------------------------------------------------------


@bp.post("/<int:week_id>/materials")
@requires(services.can_organise)
def add_material(week_id):
    week = load_week(week_id)
    form = MaterialForm()
    upload = request.files.get(form.upload.name)
    problem = None
    if form.validate_on_submit():
        data = upload.read(MAX_UPLOAD + 1) if upload and upload.filename else b""
        if len(data) > MAX_UPLOAD:
            problem = "The file must be smaller than 10 MB"
        elif not data and not form.url.data:
            problem = "Enter a link, or choose a file to upload"
        elif data and form.url.data:
            problem = "Enter a link or upload a file, not both"
        elif (repeat := submissions.repeat_of(db.session, form)) is not None:
            return repeat
        else:
            material = LearningMaterial(
                week=week,
                title=form.title.data,
                description=form.description.data or "",
                url=form.url.data or "",
            )
            if data:
                material.filename = upload.filename.rsplit("/", 1)[-1][:255]
                material.content_type = (upload.mimetype or "application/octet-stream")[:120]
                material.size = len(data)
                material.content = data
            db.session.add(material)
            submissions.saved(db.session, form, url_for(".week", week_id=week.id) + "#materials")
            db.session.commit()
            flash(f"“{material.title}” added to the learning materials.", "success")
            return redirect(url_for(".week", week_id=week.id) + "#materials")
    else:
        problem = next(iter(form.errors.values()))[0]
    flash(problem, "error")
    return redirect(url_for(".week", week_id=week.id) + "#materials")


@bp.get("/materials/<int:material_id>/download")
@login_required
def download_material(material_id):
    material = db.get_or_404(LearningMaterial, material_id)
    load_week(material.week_id)
    if material.withdrawn or not material.filename:
        abort(404)
    import io

    from flask import send_file

    # send_file writes any file name safely (RFC 5987), whatever its characters.
    response = send_file(
        io.BytesIO(material.content),
        mimetype=material.content_type or "application/octet-stream",
        as_attachment=True,
        download_name=material.filename,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/materials/<int:material_id>/withdraw")
@requires(services.can_organise)
def withdraw_material(material_id):
    material = db.get_or_404(LearningMaterial, material_id)
    material.withdrawn = True
    db.session.commit()
    flash(f"“{material.title}” is no longer shown to staff.", "success")
    return redirect(url_for(".week", week_id=material.week_id) + "#materials")


# -- the lists the council keeps ---------------------------------------------------------------

LISTS = [
    KeptList(
        "meeting_type",
        MeetingType,
        "meeting type",
        "Meeting types",
        "The kinds of meeting observed",
    ),
    KeptList(
        "theme",
        LearningTheme,
        "learning theme",
        "Learning themes",
        "What observers tag a record with; counted in the week's report",
    ),
]


@bp.route("/settings", methods=["GET", "POST"])
@requires(services.can_organise)
def settings():
    forms = {kept.key: entry_form(kept) for kept in LISTS}
    if request.method == "POST" and (done := handle_post(LISTS, forms, url_for(".settings"))):
        return done
    return render_template(
        "practice_week/settings.html", lists=LISTS, forms=forms, entries=entries(LISTS)
    )


# -- coverage and the week's report -----------------------------------------------------------


def _areas():
    return list(db.session.scalars(select(ServiceArea).order_by(ServiceArea.name)))


@bp.get("/<int:week_id>/coverage")
@requires(services.can_organise)
def coverage(week_id):
    week = load_week(week_id)
    areas = _areas()
    area_id = request.args.get("area", type=int)
    if area_id not in {a.id for a in areas}:
        area_id = None
    rows = reports.coverage(week, area_id)
    return render(
        "practice_week/coverage.html",
        block="results",
        week=week,
        areas=areas,
        area_id=area_id,
        rows=rows,
        total=reports.totals(rows),
        progress=reports.observers(week),
        target_text=services.target_text(week),
        today=today_london(),
    )


@bp.get("/<int:week_id>/report")
@requires(services.can_organise)
def report(week_id):
    week = load_week(week_id)
    previous = services.previous_week(week)
    this, before = reports.compared(week, previous)
    return render_template(
        "practice_week/report.html",
        week=week,
        previous=previous,
        this=this,
        before=before,
        reasons=reports.not_held_reasons(week),
        themes=reports.themes_ranked(week),
        family=reports.feedback_summary(week, "family"),
        child=reports.feedback_summary(week, "child"),
        feedback_label=reports.feedback_label,
        feedback_keys=reports.FEEDBACK_KEYS,
    )


@bp.get("/<int:week_id>/report.xlsx")
@requires(services.can_organise)
def report_workbook(week_id):
    week = load_week(week_id)
    args, kwargs = exports.report_workbook(week)
    return send_workbook(f"practice-week-{week.starts_on.isoformat()}-report.xlsx", *args, **kwargs)


@bp.get("/<int:week_id>/records.xlsx")
@requires(services.can_organise)
def records_export(week_id):
    week = load_week(week_id)
    return send_workbook(
        f"practice-week-{week.starts_on.isoformat()}-records.xlsx",
        "Observation records",
        exports.RECORD_COLUMNS,
        exports.record_rows(week),
        about=About(
            f"Practice week observation records: {week.theme}",
            period=f"{format_date(week.starts_on)} to {format_date(week.ends_on)}",
        ),
    )
