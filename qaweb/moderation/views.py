from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, load_only, selectinload

from qaweb.case_audits.models import CaseAudit, CaseFile
from qaweb.case_audits.services import add_months, month_label
from qaweb.core.forms import choices
from qaweb.core.history import create_or_save_versioned, save_versioned
from qaweb.core.htmx import render
from qaweb.core.lists import paginate, pagination_params
from qaweb.core.permissions import get_or_403, requires
from qaweb.core.samples import save_draw, save_swap
from qaweb.core.steps import take_step
from qaweb.core.timefmt import today_london
from qaweb.core.years import month_from_url
from qaweb.extensions import db
from qaweb.moderation import panel, services
from qaweb.moderation.forms import (
    DrawForm,
    MeetingForm,
    ModeratorForm,
    StepForm,
    SwapForm,
    outcome_form,
)
from qaweb.moderation.models import SELECTED, ModerationLine, ModerationSample, PanelMeeting
from qaweb.organisation.models import Team, User
from qaweb.organisation.services import person_choices

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
ERRORS = (services.ModerationError,)


@bp.get("/")
@requires(services.can_draw)
def index():
    """The last 12 months: audits completed and audits drawn for moderation."""
    this = today_london().replace(day=1)
    months = [add_months(this, -n) for n in range(12)]
    overview = services.months_overview(months)
    low, high = services.target()
    rows = [
        {
            "month": m,
            "label": month_label(m),
            "completed": overview[m][0],
            "drawn": overview[m][1],
        }
        for m in months
    ]
    return render_template("moderation/index.html", rows=rows, low=low, high=high)


def _sample_for(month: date) -> ModerationSample | None:
    return db.session.scalar(select(ModerationSample).where(ModerationSample.month == month))


def _lines(sample):
    if sample is None:
        return []
    return sorted(
        sample.lines,
        key=lambda line: (line.status != SELECTED, line.audit.team.name.lower(), line.audit.id),
    )


@bp.route("/months/<int:year>/<int:month>", methods=["GET", "POST"])
@requires(services.can_draw)
def sample(year, month):
    first = month_from_url(year, month)
    existing = _sample_for(first)
    if request.method == "GET":
        form = DrawForm(
            share=existing.share if existing else services.default_share(),
            rules=services.rules_text(existing.rules) if existing else services.DEFAULT_RULES,
            version=existing.version if existing else "",
        )
    else:
        form = DrawForm()
    problem = None
    if form.validate_on_submit():

        def draw(rules):
            services.draw(first, form.share.data, rules, current_user, form.seed.data)

        drawn, problem = save_draw(form, existing, services.parse_rules, draw, ERRORS)
        if drawn:
            flash(f"Moderation sample drawn for {month_label(first)}.", "success")
            return redirect(url_for(".sample", year=year, month=month))
    existing = _sample_for(first)
    completed = services.completed_count(first)
    return render_template(
        "moderation/sample.html",
        form=form,
        problem=problem,
        sample=existing,
        lines=_lines(existing),
        share=services.share_drawn(existing, completed),
        due={line.id: services.due_on(line) for line in _lines(existing)},
        overdue={line.id for line in _lines(existing) if services.is_overdue(line, today_london())},
        blinded=panel.blinded_ids(current_user),
        month=first,
        month_label=month_label(first),
    )


@bp.route("/lines/<int:line_id>/swap", methods=["GET", "POST"])
@requires(services.can_draw)
def swap(line_id):
    line = get_or_403(ModerationLine, line_id)
    form = SwapForm(version=line.version)
    problem = None
    if line.status != SELECTED:
        problem = "Only an audit still in the sample can be swapped out"
    elif form.validate_on_submit():
        problem, drawn = save_swap(form, line, lambda why: services.swap(line, why), ERRORS)
        if problem is None:
            month = line.sample.month
            if drawn is not None:
                flash(
                    f"{line.audit.reference} swapped out for {drawn.audit.reference}.",
                    "success",
                )
            else:
                flash(
                    f"{line.audit.reference} swapped out: no other audit completed in "
                    f"{month_label(month)} is left to moderate.",
                    "success",
                )
            return redirect(url_for(".sample", year=month.year, month=month.month))
    return render_template("moderation/swap.html", line=line, form=form, problem=problem)


# -- independent (blind) grading -------------------------------------------------------------


def _moderator_form(line, formdata=None):
    form = ModeratorForm(formdata=formdata, version=line.version)
    form.moderator.choices = person_choices(User.active, blank="Select")
    if formdata is None:
        form.moderator.data = line.moderator_id
    return form


@bp.get("/lines/<int:line_id>")
@login_required
def line(line_id):
    item = get_or_403(ModerationLine, line_id, services.can_view_line)
    return _line_page(item)


def _line_page(item, form=None, problem=None):
    audit = item.audit
    moderator = item.moderator_id == current_user.id
    # Blind: the moderator sees the auditor's grades only once their own are submitted.
    compare = item.moderated_at is not None and item.response_id is not None
    from qaweb.actions.services import actions_for

    at_panel = item.meeting is not None and panel.can_edit_meeting(current_user, item.meeting)
    show_outcome = item.moderated_at is not None and (
        item.confirmed_at is not None
        or at_panel
        or panel.member_of(current_user, item)
        or services.can_draw(current_user)
    )
    return render_template(
        "moderation/line.html",
        line=item,
        audit=audit,
        outcome_rows=panel.section_grades(item) if show_outcome else [],
        show_outcome=show_outcome,
        can_record=panel.can_record_outcome(current_user, item),
        can_raise=_can_raise(current_user, item),
        actions=actions_for("moderation", item.id) if show_outcome else [],
        texts=panel.TEXTS,
        is_moderator=moderator,
        can_assign=services.can_draw(current_user) and item.response_id is None,
        form=form or _moderator_form(item),
        problem=problem,
        step=StepForm(version=item.version),
        sections=services.comparison(item) if compare else [],
        due_on=services.due_on(item),
        overdue=services.is_overdue(item, today_london()),
        month_label=month_label(item.sample.month),
    )


@bp.post("/lines/<int:line_id>/moderator")
@requires(services.can_draw)
def assign(line_id):
    item = get_or_403(ModerationLine, line_id)
    form = _moderator_form(item, request.form)
    problem = None
    if form.validate_on_submit():
        chosen = db.session.get(User, form.moderator.data)
        problem = save_versioned(
            db.session, item, form, lambda: services.assign(item, chosen), ERRORS
        )
        if problem is None:
            flash(f"{chosen.name} will moderate {item.audit.reference}.", "success")
            return redirect(url_for(".line", line_id=item.id))
    return _line_page(item, form, problem), 200


@bp.post("/lines/<int:line_id>/start")
@login_required
def start(line_id):
    item = get_or_403(ModerationLine, line_id, services.is_moderator)
    made = []
    back = url_for(".line", line_id=item.id)
    result = take_step(
        item,
        lambda: made.append(services.start(item, current_user)),
        "Moderation started: grade the case on the audit's form, without the auditor's grades.",
        back,
        ERRORS,
    )
    if made:
        return redirect(url_for("responses.show", response_id=made[0].id))
    return result


@bp.post("/lines/<int:line_id>/submit")
@login_required
def submit(line_id):
    item = get_or_403(ModerationLine, line_id, services.is_moderator)
    return take_step(
        item,
        lambda: services.submit(item, current_user),
        "Moderation submitted: the auditor's grades are now shown beside yours.",
        url_for(".line", line_id=item.id),
        ERRORS,
    )


# -- agreement figures -----------------------------------------------------------------------

PERIODS = {"month": "Month", "quarter": "Quarter", "year": "Year"}


@bp.get("/agreement")
@requires(services.can_draw)
def agreement():
    from qaweb.moderation import agreement as figures

    period = request.args.get("period", "month")
    if period not in PERIODS:
        period = "month"
    return render(
        "moderation/agreement.html",
        block="results",
        report=figures.report(period),
        before_after=figures.grades_before_after(),
        agreed=dict(figures.grades_agreed()),
        period=period,
        periods=PERIODS,
        generous=figures.GENEROUS,
        min_pairs=figures.MIN_PAIRS,
    )


@bp.get("/agreement/workbook.xlsx")
@requires(services.can_draw)
def agreement_workbook():
    from qaweb.core.excel import About, send_workbook
    from qaweb.moderation import agreement as figures

    period = request.args.get("period", "month")
    if period not in PERIODS:
        period = "month"
    columns, rows, sheets = figures.workbook_parts(period)
    return send_workbook(
        f"grade-agreement-by-{period}.xlsx",
        "Agreement",
        columns,
        rows,
        sheets=sheets,
        about=About(
            "Grade agreement between auditors and moderators",
            filters=[("Figures by", PERIODS[period])],
            notes=(
                "Each pair is one graded question in a submitted moderation: the auditor's "
                "grade and the moderator's.",
                "Weighted kappa: Cohen's kappa with linear weights; 'Not enough variation' "
                "when fewer than 2 pairs or every pair has the same single grade.",
                "Mean difference: the moderator's grade minus the auditor's in grades; above "
                "0 the auditor grades more generously than the panel.",
            ),
        ),
    )


# -- the Moderation Panel ----------------------------------------------------------------------


@bp.get("/panels")
@requires(panel.can_arrange)
def panels():
    """Panel meetings, newest first, a page at a time, with the audits each considered and
    confirmed."""
    pagination = paginate(panel.meetings_statement(), rows=panel.MEETING_ROWS)
    return render_template(
        "moderation/panels.html",
        pagination=pagination,
        pager=pagination_params(pagination, ".panels", {}),
        meetings=panel.meeting_counts(pagination.items),
        waiting=panel.open_lines_count(),
        can_new=panel.can_arrange(current_user),
    )


def _meeting_form(meeting=None, formdata=None):
    data = {}
    if meeting is not None and formdata is None:
        data = {
            "held_on": meeting.held_on,
            "chair": meeting.chair_id,
            "members": [str(m.id) for m in meeting.members],
            "notes": meeting.notes,
            "lines": [str(line.id) for line in meeting.lines if line.confirmed_at is None],
            "version": meeting.version,
        }
    form = MeetingForm(formdata=formdata, **data)
    # The same people for both: managers, the QA team and Board, panel chairs, and those
    # already on this meeting (panel.panel_people), by surname.
    people = panel.panel_people(meeting)
    form.chair.choices = choices(((p.id, p.label) for p in people), blank="Select")
    form.members.choices = choices((p.id, p.label) for p in people)
    offered = [line for line in panel.open_lines(meeting) if line.confirmed_at is None]
    form.lines.choices = choices(
        (
            line.id,
            f"{line.audit.reference}: case {line.audit.case.case_number}, "
            f"{line.audit.team.name}, audited by "
            f"{line.audit.auditor.name if line.audit.auditor else 'nobody'}",
        )
        for line in offered
    )
    return form


def _save_meeting(meeting, form):
    if not form.validate_on_submit():
        return None, None
    chair = db.session.get(User, form.chair.data)
    members = list(
        db.session.scalars(select(User).where(User.id.in_([int(i) for i in form.members.data])))
    )
    made = []

    def apply():
        made.append(
            panel.save_meeting(
                meeting,
                form.held_on.data,
                chair,
                members,
                form.notes.data or "",
                [int(i) for i in form.lines.data],
            )
        )

    problem = create_or_save_versioned(db.session, meeting, form, apply, ERRORS)
    return problem, (made[0] if made else None)


@bp.route("/panels/new", methods=["GET", "POST"])
@requires(panel.can_arrange)
def new_panel():
    form = _meeting_form(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.chair.data = current_user.id
        form.held_on.data = today_london()
    problem, made = _save_meeting(None, form) if request.method == "POST" else (None, None)
    if request.method == "POST" and made is not None and problem is None:
        flash(f"Panel meeting of {made.held_on:%-d %B %Y} arranged.", "success")
        return redirect(url_for(".panel_meeting", meeting_id=made.id))
    return render_template("moderation/panel_form.html", form=form, problem=problem, meeting=None)


@bp.route("/panels/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit_panel(meeting_id):
    meeting = get_or_403(PanelMeeting, meeting_id, panel.can_edit_meeting)
    posted = request.method == "POST"
    form = _meeting_form(meeting, request.form if posted else None)
    problem, made = _save_meeting(meeting, form) if posted else (None, None)
    if posted and made is not None and problem is None:
        flash("Panel meeting saved.", "success")
        return redirect(url_for(".panel_meeting", meeting_id=meeting.id))
    return render_template(
        "moderation/panel_form.html", form=form, problem=problem, meeting=meeting
    )


def _named(relationship):
    """Load a person of ``relationship`` with their name only (not their team, its service
    area and their roles, each person's roles a statement of its own)."""
    return joinedload(relationship).load_only(User.first_name, User.last_name).lazyload("*")


#: What the panel meeting's page shows, and no more: the chair's and members' names, and of
#: each line its audit (reference, case number, team's name, auditor's name, completion date
#: for the due date), its moderator's name, status and the agreed grade. Without these the
#: page loaded every person with their team, service area and roles, and each audit with its
#: practitioner and grade: fourteen statements and 20 ms of Python for a meeting of 50 lines.
MEETING_PAGE = (
    _named(PanelMeeting.chair),
    selectinload(PanelMeeting.members).load_only(User.first_name, User.last_name).lazyload("*"),
    selectinload(PanelMeeting.lines).options(
        load_only(
            ModerationLine.meeting_id,
            ModerationLine.audit_id,
            ModerationLine.moderator_id,
            ModerationLine.status,
            ModerationLine.agreed_grade_level_id,
            ModerationLine.confirmed_at,
        ),
        _named(ModerationLine.moderator),
        joinedload(ModerationLine.audit).options(
            load_only(
                CaseAudit.case_id,
                CaseAudit.team_id,
                CaseAudit.auditor_id,
                CaseAudit.completed_on,
            ),
            joinedload(CaseAudit.case).load_only(CaseFile.case_number).lazyload("*"),
            joinedload(CaseAudit.team).load_only(Team.name).lazyload("*"),
            _named(CaseAudit.auditor),
            lazyload(CaseAudit.practitioner),
            lazyload(CaseAudit.grade),
        ),
    ),
)


@bp.get("/panels/<int:meeting_id>")
@login_required
def panel_meeting(meeting_id):
    meeting = get_or_403(PanelMeeting, meeting_id, panel.can_view_meeting, MEETING_PAGE)
    today = today_london()
    return render_template(
        "moderation/panel.html",
        meeting=meeting,
        can_edit=panel.can_edit_meeting(current_user, meeting),
        due={line.id: services.due_on(line) for line in meeting.lines},
        overdue={line.id for line in meeting.lines if services.is_overdue(line, today)},
    )


def _grade_choices():
    from qaweb.core.grading import levels

    return choices(((g.id, g.label) for g in levels()), blank="Select")


@bp.route("/lines/<int:line_id>/outcome", methods=["GET", "POST"])
@login_required
def outcome(line_id):
    item = get_or_403(ModerationLine, line_id, panel.can_record_outcome)
    rows = panel.section_grades(item)
    if request.method == "POST":
        form = outcome_form(rows, _grade_choices(), request.form)
    else:
        data = {"version": item.version}
        for row in rows:
            data[f"grade_{row.key}"] = (
                row.agreed.id if row.agreed else (row.moderator.id if row.moderator else None)
            )
            data[f"reason_{row.key}"] = row.reason
        for name in panel.TEXTS:
            data[name] = getattr(item, name)
        form = outcome_form(rows, _grade_choices(), None, **data)
    problem = None
    if form.validate_on_submit():
        chosen = {
            row.key: (form[f"grade_{row.key}"].data, form[f"reason_{row.key}"].data or "")
            for row in rows
        }
        # A change from the auditor's grade needs its reason (said beside the reason box).
        missing = {
            key: message
            for key, message in panel.outcome_problems(rows, chosen).items()
            if chosen[key][0] is not None
        }
        for key, message in missing.items():
            form[f"reason_{key}"].errors = [*form[f"reason_{key}"].errors, message]
        if not missing:
            texts = {name: form[name].data for name in panel.TEXTS}
            problem = save_versioned(
                db.session, item, form, lambda: panel.save_outcome(item, chosen, texts), ERRORS
            )
            if problem is None:
                flash("The panel's outcome is saved. Confirm it when the panel agrees.", "success")
                return redirect(url_for(".line", line_id=item.id) + "#outcome")
    return render_template(
        "moderation/outcome.html",
        line=item,
        audit=item.audit,
        rows=rows,
        form=form,
        problem=problem,
    )


@bp.post("/lines/<int:line_id>/confirm")
@login_required
def confirm(line_id):
    item = get_or_403(ModerationLine, line_id, panel.can_record_outcome)
    return take_step(
        item,
        lambda: panel.confirm(item, current_user),
        "The panel's moderation is confirmed: the auditor and the team manager can read it "
        "and are emailed.",
        url_for(".line", line_id=item.id) + "#outcome",
        ERRORS,
    )


def _can_raise(user, line) -> bool:
    return bool(
        line.moderated_at is not None
        and line.meeting is not None
        and panel.can_edit_meeting(user, line.meeting)
    )


@bp.route("/lines/<int:line_id>/actions/new", methods=["GET", "POST"])
@login_required
def new_action(line_id):
    from qaweb.actions.views import raise_page
    from qaweb.case_audits.services import action_due_date

    item = get_or_403(ModerationLine, line_id, _can_raise)
    audit = item.audit
    return raise_page(
        source_type="moderation",
        source_id=item.id,
        source_label=f"Moderation of {audit.reference}, case {audit.case.case_number}",
        back_url=url_for(".line", line_id=item.id) + "#outcome",
        caption=f"Moderation of {audit.reference} · case {audit.case.case_number}",
        default_owner=audit.practitioner,
        default_due_on=action_due_date(today_london()),
    )
