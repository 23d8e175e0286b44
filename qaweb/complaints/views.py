from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from qaweb.actions.services import actions_for
from qaweb.actions.views import raise_page
from qaweb.complaints import annual, exports, links, listing, points, reports, services
from qaweb.complaints.blueprint import ERRORS, _manage_only, _stage, bp
from qaweb.complaints.forms import (
    CloseForm,
    ComplaintFilterForm,
    ComplaintForm,
    ComplimentForm,
    EscalateForm,
    ExtendForm,
    LearningForm,
    NewComplaintForm,
    NotAcceptedForm,
    SelfAssessmentForm,
    stage_form_class,
)
from qaweb.complaints.models import (
    COMPLAINANTS,
    COMPLIMENT_SOURCES,
    HOW,
    LINK_REASONS,
    NOT_ACCEPTED,
    OMBUDSMAN_DECISIONS,
    OUTCOMES,
    PERSON_KINDS,
    POINT_OUTCOMES,
    PROCEDURES,
    STAGES,
    WITHOUT_POINTS,
    CategoryOption,
    Complaint,
    Compliment,
    ComplimentThemeOption,
    SelfAssessment,
)
from qaweb.core import submissions, years
from qaweb.core.council_lists import KeptList, entries, entry_form, handle_post
from qaweb.core.excel import About, send_workbook
from qaweb.core.forms import MaxLength, choices
from qaweb.core.history import history_for, save_versioned
from qaweb.core.htmx import render
from qaweb.core.lists import as_id, paginate, pagination_params, render_list
from qaweb.core.permissions import forbid_unless, get_or_403, requires, service_area_of
from qaweb.core.settings import get_setting
from qaweb.core.steps import reason_step
from qaweb.core.timefmt import today_london
from qaweb.core.word import docx_response
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team, User
from qaweb.organisation.services import person_choices

LABELS = {
    "point_outcomes": POINT_OUTCOMES,
    "kinds": PERSON_KINDS,
    "link_reasons": LINK_REASONS,
    "how": HOW,
    "who": COMPLAINANTS,
    "procedures": PROCEDURES,
    "stages": STAGES,
    "outcomes": OUTCOMES,
    "sources": COMPLIMENT_SOURCES,
    "not_accepted": NOT_ACCEPTED,
    "decisions": OMBUDSMAN_DECISIONS,
}


def _areas():
    """Every service area's id and name, by name (rows, not ServiceArea objects)."""
    return list(
        db.session.execute(select(ServiceArea.id, ServiceArea.name).order_by(ServiceArea.name))
    )


def _teams():
    """Every team's id and name, by name: two columns, not Team objects with their service
    area and paired team (a large council has hundreds of teams; the compliments page
    offers them all)."""
    return list(db.session.execute(select(Team.id, Team.name).order_by(Team.name)))


# -- list ------------------------------------------------------------------------------------


def _filters():
    form = ComplaintFilterForm()
    form.area.choices = choices(((a.id, a.name) for a in _areas()), blank="Any area")
    return form, form.cleaned()


@bp.get("/")
@requires(services.can_view)
def index():
    form, filters = _filters()
    return render_list(
        "complaints/index.html",
        form,
        services.filtered(current_user, filters),
        ".index",
        ".export",
        rows=listing.LIST_ROWS,
        services=services,
        today=today_london(),
        labels=LABELS,
        sees_personal=services.sees_personal_data(current_user),
    )


@bp.get("/export.xlsx")
@requires(services.can_view)
def export():
    form, filters = _filters()
    personal = services.sees_personal_data(current_user)
    return send_workbook(
        f"complaints-{today_london().isoformat()}.xlsx",
        "Complaints",
        exports.columns(personal),
        exports.rows(services.filtered(current_user, filters), personal),
        about=About("Complaints", filters=form.labels()),
    )


# -- one complaint ---------------------------------------------------------------------------


def _complaint_form(complaint=None, formdata=None, form_class=ComplaintForm):
    form = (
        form_class(formdata=formdata, obj=complaint)
        if formdata is not None
        else (form_class(obj=complaint))
    )
    form.service_area_id.choices = choices(((a.id, a.name) for a in _areas()), blank="")
    form.team_id.choices = choices(((t.id, t.name) for t in _teams()), blank="")
    if complaint is not None and complaint.legacy_reference and not complaint.complainant_name:
        # Brought in from an old log without a name: editing it must not mean inventing one.
        form.complainant_name.validators = [MaxLength(200, "Name")]
        form.complainant_name.flags.required = False
        form.complainant_name.label.text = "Complainant's name (optional: not in the old log)"
    form.categories.choices = choices(
        (c.id, c.name)
        for c in db.session.scalars(
            select(CategoryOption).where(CategoryOption.active).order_by(CategoryOption.name)
        )
    )
    if complaint is not None and formdata is None:
        form.service_area_id.data = complaint.service_area_id
        form.team_id.data = complaint.team_id
        form.categories.data = [str(c.id) for c in complaint.categories]
    return form


def _apply(complaint, form):
    for name in (
        "received_on",
        "received_how",
        "complainant_type",
        "complainant_name",
        "complainant_contact",
        "child_reference",
        "staff_involved",
        "summary",
        "outcome_wanted",
        "advocate_offered",
        "advocate_used",
        "procedure",
    ):
        value = getattr(form, name).data
        setattr(complaint, name, value if value is not None else "")
    complaint.service_area_id = form.service_area_id.data
    complaint.team_id = form.team_id.data
    wanted = {int(i) for i in form.categories.data}
    complaint.set_categories(
        list(db.session.scalars(select(CategoryOption).where(CategoryOption.id.in_(wanted))))
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(services.can_manage)
def new():
    form = _complaint_form(
        formdata=request.form if request.method == "POST" else None,
        form_class=NewComplaintForm,
    )
    if request.method == "GET":
        form.received_on.data = today_london()
    if request.method == "POST" and form.validate_on_submit():
        if (repeat := submissions.repeat_of(db.session, form)) is not None:
            return repeat
        complaint = Complaint(summary="", complainant_name="")
        _apply(complaint, form)
        stage = services.open_complaint(complaint, current_user)
        for text in points.split_points(form.points.data or ""):
            points.add_point(complaint, text)
        submissions.saved(db.session, form, url_for(".complaint", complaint_id=complaint.id))
        db.session.commit()
        flash(
            f"Complaint {complaint.reference} logged: Stage 1 response due "
            f"{stage.due_on.day} {stage.due_on:%B %Y}.",
            "success",
        )
        return redirect(url_for(".complaint", complaint_id=complaint.id))
    return render_template("complaints/form.html", form=form, complaint=None)


@bp.route("/<int:complaint_id>/edit", methods=["GET", "POST"])
@requires(services.can_manage)
def edit(complaint_id):
    complaint = db.get_or_404(Complaint, complaint_id)
    form = _complaint_form(complaint, request.form if request.method == "POST" else None)
    problem = None
    if request.method == "POST" and form.validate_on_submit():
        problem = save_versioned(
            db.session, complaint, form, lambda: _apply(complaint, form), ERRORS
        )
        if problem is None:
            flash("Complaint saved.", "success")
            return redirect(url_for(".complaint", complaint_id=complaint.id))
    return render_template("complaints/form.html", form=form, complaint=complaint, problem=problem)


@bp.get("/<int:complaint_id>")
@login_required
def complaint(complaint_id):
    complaint = get_or_403(Complaint, complaint_id, services.can_view)
    actions = actions_for("complaint", complaint.id)
    return render_template(
        "complaints/complaint.html",
        complaint=complaint,
        services=services,
        labels=LABELS,
        sees_personal=services.sees_personal_data(current_user),
        today=today_london(),
        can_manage=services.can_manage(current_user),
        actions=actions,
        links=links.links_of(complaint),
        can_view_complaint=lambda other: services.can_view(current_user, other),
        history=history_for(db.session, complaint),
    )


@bp.route("/<int:complaint_id>/stages/<int:number>", methods=["GET", "POST"])
@login_required
def stage(complaint_id, number):
    complaint, stage = _stage(complaint_id, number)
    form = stage_form_class(stage)(obj=stage)
    point_ids = getattr(form, "point_ids", [])
    if point_ids and form.outcome.data not in WITHOUT_POINTS:
        form.outcome.data = ""  # the stage's outcome is the points' (not a choice here)
    form.handler_id.choices = person_choices(User.active, blank="")
    if request.method == "GET":
        form.handler_id.data = stage.handler_id
        if point_ids:
            for point in complaint.points:
                form[f"point_{point.id}"].data = stage.outcome_of(point)
    problem = None
    if form.validate_on_submit():

        def apply():
            for name in (
                "acknowledged_on",
                "panel_on",
                "report_on",
                "responded_on",
                "outcome",
                "findings",
                "remedy",
            ):
                value = getattr(form, name).data
                setattr(
                    stage,
                    name,
                    value if value is not None else (None if name.endswith("_on") else ""),
                )
            if stage.stage == 4:
                stage.ombudsman_decision = form.ombudsman_decision.data or ""
            stage.handler_id = form.handler_id.data
            if point_ids:
                points.set_point_outcomes(
                    stage,
                    {pid: form[f"point_{pid}"].data or "" for pid in point_ids},
                    responded=stage.responded_on is not None,
                )
            services.update_stage(stage)

        problem = save_versioned(db.session, stage, form, apply, ERRORS)
        if problem is None:
            flash(f"{stage.label} saved.", "success")
            return redirect(url_for(".complaint", complaint_id=complaint.id))
    return render_template(
        "complaints/stage.html", complaint=complaint, stage=stage, form=form, problem=problem
    )


@bp.route("/<int:complaint_id>/stages/<int:number>/extend", methods=["GET", "POST"])
@login_required
def extend(complaint_id, number):
    complaint, stage = _stage(complaint_id, number)
    form = ExtendForm(version=stage.version)
    return reason_step(
        stage,
        form,
        lambda: services.extend(stage, form.reason.data),
        lambda: (
            f"{stage.label} extended: response now due {stage.due_on.day} {stage.due_on:%B %Y}."
        ),
        url_for(".complaint", complaint_id=complaint.id),
        "complaints/extend.html",
        ERRORS,
        complaint=complaint,
        stage=stage,
    )


@bp.route("/<int:complaint_id>/escalate", methods=["GET", "POST"])
@requires(services.can_manage)
def escalate(complaint_id):
    complaint = db.get_or_404(Complaint, complaint_id)
    form = EscalateForm(version=complaint.version)
    form.handler_id.choices = person_choices(User.active, blank="")
    problem = None
    if form.validate_on_submit():
        handler = db.session.get(User, form.handler_id.data) if form.handler_id.data else None
        problem = save_versioned(
            db.session,
            complaint,
            form,
            lambda: services.escalate(
                complaint, form.started_on.data, handler, form.late_reason.data or ""
            ),
            ERRORS,
        )
        if problem is None:
            flash(f"Escalated to {complaint.current_stage.label}.", "success")
            return redirect(url_for(".complaint", complaint_id=complaint.id))
    return render_template(
        "complaints/escalate.html", complaint=complaint, form=form, problem=problem
    )


@bp.route("/<int:complaint_id>/close", methods=["GET", "POST"])
@requires(services.can_manage)
def close(complaint_id):
    complaint = db.get_or_404(Complaint, complaint_id)
    form = CloseForm(version=complaint.version, closed_on=today_london())
    problem = None
    if form.validate_on_submit():
        problem = save_versioned(
            db.session,
            complaint,
            form,
            lambda: services.close(complaint, form.closed_on.data),
            ERRORS,
        )
        if problem is None:
            flash(f"Complaint {complaint.reference} closed.", "success")
            return redirect(url_for(".complaint", complaint_id=complaint.id))
    return render_template("complaints/close.html", complaint=complaint, form=form, problem=problem)


@bp.route("/<int:complaint_id>/not-accepted", methods=["GET", "POST"])
@requires(services.can_manage)
def not_accepted(complaint_id):
    """Record that the complaint is not accepted under the procedure, and why (counted in
    the annual report); it closes on the day decided."""
    complaint = db.get_or_404(Complaint, complaint_id)
    form = NotAcceptedForm(obj=complaint)
    if request.method == "GET" and not complaint.not_accepted_on:
        form.not_accepted_on.data = today_london()
    problem = None
    if form.validate_on_submit():

        def apply():
            services.not_accept(
                complaint,
                form.not_accepted_on.data,
                form.not_accepted_reason.data,
                form.not_accepted_note.data or "",
            )

        problem = save_versioned(db.session, complaint, form, apply, ERRORS)
        if problem is None:
            flash(f"Complaint {complaint.reference} recorded as not accepted.", "success")
            return redirect(url_for(".complaint", complaint_id=complaint.id))
    return render_template(
        "complaints/not_accepted.html", complaint=complaint, form=form, problem=problem
    )


@bp.route("/<int:complaint_id>/learning", methods=["GET", "POST"])
@requires(services.can_manage)
def learning(complaint_id):
    complaint = db.get_or_404(Complaint, complaint_id)
    form = LearningForm(obj=complaint)
    problem = None
    if form.validate_on_submit():

        def apply():
            complaint.learning = form.learning.data or ""
            complaint.practice_change = form.practice_change.data
            complaint.policy_change = form.policy_change.data

        problem = save_versioned(db.session, complaint, form, apply, ERRORS)
        if problem is None:
            flash("Learning saved.", "success")
            return redirect(url_for(".complaint", complaint_id=complaint.id))
    return render_template(
        "complaints/learning.html", complaint=complaint, form=form, problem=problem
    )


@bp.route("/<int:complaint_id>/actions/new", methods=["GET", "POST"])
@requires(services.can_manage)
def new_action(complaint_id):
    complaint = db.get_or_404(Complaint, complaint_id)
    return raise_page(
        source_type="complaint",
        source_id=complaint.id,
        source_label=complaint.reference,
        back_url=url_for(".complaint", complaint_id=complaint.id),
        caption=f"Complaint {complaint.reference}",
    )


# -- compliments -----------------------------------------------------------------------------


@bp.route("/compliments", methods=["GET", "POST"])
@requires(services.can_view)
def compliments():
    form = ComplimentForm()
    form.service_area_id.choices = choices(((a.id, a.name) for a in _areas()), blank="")
    form.team_id.choices = choices(((t.id, t.name) for t in _teams()), blank="")
    themes = list(
        db.session.scalars(
            select(ComplimentThemeOption)
            .where(ComplimentThemeOption.active)
            .order_by(ComplimentThemeOption.name)
        )
    )
    form.themes.choices = choices((t.id, t.name) for t in themes)
    if request.method == "GET":
        form.received_on.data = today_london()
    if request.method == "POST":
        _manage_only()
        if form.validate_on_submit():
            if (repeat := submissions.repeat_of(db.session, form)) is not None:
                return repeat
            compliment = Compliment(
                received_on=form.received_on.data,
                source=form.source.data,
                external=form.external.data == "external",
                service_area_id=form.service_area_id.data,
                team_id=form.team_id.data,
                staff_named=form.staff_named.data or "",
                valued=form.valued.data,
                consent_to_share=form.consent_to_share.data,
                shared_on=form.shared_on.data,
                themes=[t for t in themes if str(t.id) in (form.themes.data or [])],
            )
            db.session.add(compliment)
            submissions.saved(db.session, form, url_for(".compliments"))
            db.session.commit()
            flash("Compliment logged.", "success")
            return redirect(url_for(".compliments"))
    stmt = select(Compliment).order_by(Compliment.received_on.desc(), Compliment.id.desc())
    if not services.sees_personal_data(current_user) and not services.can_manage(current_user):
        area = service_area_of(current_user) or -1
        stmt = stmt.where(Compliment.service_area_id == area)
    pagination = paginate(stmt, rows=listing.COMPLIMENT_ROWS)
    return render_template(
        "complaints/compliments.html",
        form=form,
        pagination=pagination,
        labels=LABELS,
        pager=pagination_params(pagination, ".compliments", {}),
        can_manage=services.can_manage(current_user),
    )


# -- reports ---------------------------------------------------------------------------------


def _period():
    this_year, this_quarter = years.quarter_of(today_london())
    try:
        year = int(request.args.get("year", this_year))
        quarter = int(request.args.get("quarter", this_quarter))
    except ValueError:
        year, quarter = this_year, this_quarter
    if not 2000 <= year <= 2100:
        year = this_year
    if quarter not in (0, 1, 2, 3, 4):
        quarter = this_quarter
    return year, quarter


def _report_area() -> int | None:
    """The service area the report covers: the one asked for (``area``), or a service
    manager's own whatever was asked (``services.report_area``)."""
    return services.report_area(current_user, as_id(request.args.get("area")))


def _report_links(year, quarter, area_id):
    area = {"area": area_id} if area_id and area_id > 0 else {}
    return {
        "report_url": url_for(".report_workbook", year=year, quarter=quarter, **area),
        "annual_url": url_for(".annual_report", year=year, **area),
        "self_assessment_url": url_for(".self_assessment", year=year),
    }


@bp.get("/report")
@requires(services.can_view_reports)
def report():
    year, quarter = _period()
    area_id = _report_area()
    data = reports.build(year, quarter, area_id)
    chooses_area = services.report_area(current_user, None) is None
    return render(
        "complaints/report.html",
        block="results",
        data=data,
        year=year,
        quarter=quarter,
        area_id=area_id,
        areas=_areas() if chooses_area else [],
        chooses_area=chooses_area,
        years_list=[y for y in range(year - 3, year + 2)],
        can_manage=services.can_manage(current_user),
        can_list=services.can_view(current_user),
        years=years,
        **_report_links(year, quarter, area_id),
    )


@bp.get("/report.xlsx")
@requires(services.can_view_reports)
def report_workbook():
    year, quarter = _period()
    data = reports.build(year, quarter, _report_area())
    columns, rows, sheets = reports.workbook(data)
    return send_workbook(
        f"complaints-report-{data.period.slug}.xlsx",
        "Key figures",
        columns,
        rows,
        sheets=sheets,
        about=reports.about(data),
    )


@bp.get("/report/annual.docx")
@requires(services.can_view_reports)
def annual_report():
    """The annual report as a Word paper for the financial year ``year`` (and ``area``):
    counts, the learning with names taken out, and the officer's self-assessment."""
    year, _quarter = _period()
    body = annual.docx_bytes(
        annual.figures(year, _report_area()),
        council=get_setting("council_name"),
        downloaded_by=current_user.name,
    )
    return docx_response(body, f"complaints-annual-report-{year}-{(year + 1) % 100:02d}.docx")


@bp.route("/report/self-assessment", methods=["GET", "POST"])
@requires(services.can_manage)
def self_assessment():
    """The complaints officer's self-assessment for a financial year's annual report: one
    text per year, saved with its history (a stale copy is refused, nothing typed lost)."""
    year, _quarter = _period()
    record = db.session.scalar(select(SelfAssessment).where(SelfAssessment.year == year))
    form = SelfAssessmentForm(obj=record)
    problem = None
    if form.validate_on_submit():
        target = record or SelfAssessment(year=year, text="")

        def apply():
            target.text = form.text.data or ""
            db.session.add(target)

        problem = save_versioned(
            db.session,
            target,
            form,
            apply,
            ERRORS,
            duplicate="Someone else saved this year's self-assessment a moment ago: "
            "copy your text, reload the page and add it to theirs",
        )
        if problem is None:
            flash(f"Self-assessment for {years.year_label(year)} saved.", "success")
            return redirect(url_for(".report", year=year, quarter=0))
    return render_template(
        "complaints/self_assessment.html",
        form=form,
        problem=problem,
        year=year,
        years=years,
        record=record,
        history=history_for(db.session, record) if record is not None else [],
    )


# -- the council's lists and calendar ----------------------------------------------------------


def _already(kind: str) -> str:
    from qaweb.core.workdays import BANK_HOLIDAY

    return "That day is already " + (
        "an extra bank holiday" if kind == BANK_HOLIDAY else "a council closure day"
    )


def _added(kind: str, moved: int) -> str:
    from qaweb.core.workdays import BANK_HOLIDAY

    what = (
        "Extra bank holiday added: every complaint clock skips it"
        if kind == BANK_HOLIDAY
        else "Council closure day added: corporate-procedure clocks skip it (the statutory "
        "clock does not)"
    )
    return what + (f"; {moved} open deadline{'s' if moved != 1 else ''} moved." if moved else ".")


def _save_calendar_day() -> int | None:
    """Save the day just added and, in the same transaction, move the stored due dates of
    the open stages, so the list, My work, the overdue filter and the exports agree with the
    complaint page. How many deadlines moved; None (rolled back) when someone else added the
    same day a moment earlier."""
    from sqlalchemy.exc import IntegrityError

    from qaweb.core.db import is_unique_violation
    from qaweb.core.workdays import forget_days_off

    try:
        db.session.flush()
        moved = services.recompute_open_due_dates()
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        forget_days_off()
        if not is_unique_violation(error):
            raise
        return None
    forget_days_off()
    return moved


def _moved(day, moved: int | None) -> str:
    from qaweb.core.timefmt import format_date
    from qaweb.core.workdays import DAY_KINDS

    return f"{format_date(day.day)} is now: {DAY_KINDS[day.kind].lower()}" + (
        f"; {moved} open deadline{'s' if moved != 1 else ''} moved." if moved else "."
    )


LISTS = [
    KeptList("category", CategoryOption, "complaint category", "Complaint categories"),
    KeptList("theme", ComplimentThemeOption, "compliment theme", "Compliment themes"),
]


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Categories, compliment themes and closure days: the lists the council keeps."""
    from datetime import timedelta

    from qaweb.complaints.forms import ClosureDayForm, TargetsForm
    from qaweb.core.permissions import ADMIN, COMPLAINTS_OFFICER, has_any_role
    from qaweb.core.settings import Setting, get_setting, save_page
    from qaweb.core.workdays import BANK_HOLIDAY, CLOSURE, ClosureDay, calendar_ends

    forbid_unless(has_any_role(current_user, COMPLAINTS_OFFICER, ADMIN))
    forms = {kept.key: entry_form(kept) for kept in LISTS}
    closure_form = ClosureDayForm(prefix="closure")
    anchor_key = services.TARGET_SETTINGS[1]  # its row carries the targets' version
    if request.method == "POST" and request.form.get("what") == "targets":
        targets_form = TargetsForm(prefix="targets")
    else:  # the stored targets and their version, also beside another form's errors
        anchor = db.session.scalar(select(Setting).where(Setting.key == anchor_key))
        targets_form = TargetsForm(
            formdata=None,
            prefix="targets",
            version=getattr(anchor, "version", ""),
            **{f"stage{n}": get_setting(key) for n, key in services.TARGET_SETTINGS.items()},
        )
    targets_problem = None
    if request.method == "POST":
        if done := handle_post(LISTS, forms, url_for(".settings")):
            return done
        what = request.form.get("what")
        if what == "targets" and targets_form.validate_on_submit():
            posted = {
                key: targets_form[f"stage{n}"].data or ""
                for n, key in services.TARGET_SETTINGS.items()
            }
            fields = {key: f"stage{n}" for n, key in services.TARGET_SETTINGS.items()}
            targets_problem = save_page(targets_form, anchor_key, posted, fields)
            if targets_problem is None:
                flash("The council's own targets are saved.", "success")
                return redirect(url_for(".settings"))
        if what == "move":
            # A day on the wrong list (say a bank holiday recorded as a closure day before the
            # two lists were kept apart) moves to the other; open deadlines move with it.
            item = request.form.get("item", "")
            day_id = as_id(item)
            day = db.session.get(ClosureDay, day_id) if day_id else None
            if day is None:
                abort(404)
            day.kind = CLOSURE if day.kind == BANK_HOLIDAY else BANK_HOLIDAY
            moved = _save_calendar_day()
            flash(_moved(day, moved), "success")
            return redirect(url_for(".settings"))
        if what == "closure" and closure_form.validate_on_submit():
            day, kind = closure_form.day.data, closure_form.kind.data
            existing = db.session.scalar(select(ClosureDay).where(ClosureDay.day == day))
            if existing is not None:
                closure_form.day.errors.append(_already(existing.kind))
            else:
                db.session.add(
                    ClosureDay(day=day, kind=kind, reason=closure_form.reason.data.strip())
                )
                moved = _save_calendar_day()
                if moved is not None:
                    flash(_added(kind, moved), "success")
                    return redirect(url_for(".settings"))
                # Someone else added the day at the same moment.
                existing = db.session.scalar(select(ClosureDay).where(ClosureDay.day == day))
                closure_form.day.errors.append(_already(existing.kind if existing else kind))
    ends = calendar_ends()
    days = list(db.session.scalars(select(ClosureDay).order_by(ClosureDay.day.desc())))
    return render_template(
        "complaints/settings.html",
        lists=LISTS,
        forms=forms,
        entries=entries(LISTS),
        closure_form=closure_form,
        targets_form=targets_form,
        targets_problem=targets_problem,
        closures=[d for d in days if d.kind != BANK_HOLIDAY],
        bank_holidays=[d for d in days if d.kind == BANK_HOLIDAY],
        calendar_ends=ends,
        calendar_warning=ends - today_london() < timedelta(days=365),
    )
