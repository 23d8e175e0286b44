from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from qaweb.actions.views import raise_page
from qaweb.core.excel import About, send_workbook
from qaweb.core.forms import choices
from qaweb.core.history import history_for, save_versioned
from qaweb.core.htmx import render
from qaweb.core.lists import render_list
from qaweb.core.permissions import (
    QA_OFFICER,
    SERVICE_MANAGER,
    forbid_unless,
    get_or_403,
    has_any_role,
    requires,
    service_area_of,
)
from qaweb.core.steps import reason_step, take_step
from qaweb.core.text import counted
from qaweb.core.timefmt import today_london
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, User
from qaweb.organisation.services import person_choices, team_options
from qaweb.supervision import exports, listing, reports, services
from qaweb.supervision.forms import (
    AuditFilterForm,
    CancelForm,
    CoverageFilterForm,
    DetailsForm,
    FeedbackForm,
    PlanForm,
    ReflectiveForm,
)
from qaweb.supervision.models import SupervisionAudit
from qaweb.tools import reports as tool_reports

bp = Blueprint("supervision", __name__, url_prefix="/supervision")
COMBINABLE = {"agree_scale", "yes_partly_no", "grade"}
ERRORS = (services.SupervisionError,)


def _years():
    this_year = services.year_for(today_london())
    found = set(db.session.scalars(select(SupervisionAudit.year).distinct()))
    return sorted(found | {this_year, this_year + 1}, reverse=True)


def _year_choices(blank=None):
    return choices(services.year_labels(_years()).items(), blank=blank)


def _chosen_year(value) -> int:
    """The year asked for, or this one if the value is not a sensible year."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = 0
    return year if 2000 <= year <= 2100 else services.year_for(today_london())


# -- the list ------------------------------------------------------------------------------


def _list_filters():
    form = AuditFilterForm()
    form.year.choices = _year_choices(blank="Any year")
    form.team.choices = choices(team_options(), blank="Any team")
    return form, form.cleaned()


@bp.get("/")
@login_required
def index():
    form, filters = _list_filters()
    return render_list(
        "supervision/index.html",
        form,
        services.filtered(current_user, filters),
        ".index",
        ".export",
        rows=listing.LIST_ROWS,
        today=today_london(),
        can_plan=services.can_plan(current_user),
    )


@bp.get("/export.xlsx")
@login_required
def export():
    form, filters = _list_filters()
    today = today_london()
    return send_workbook(
        f"supervision-audits-{today.isoformat()}.xlsx",
        "Supervision audits",
        exports.COLUMNS,
        exports.rows(
            services.filtered(current_user, filters), today, services.year_labels(_years())
        ),
        about=About("Supervision audits", filters=form.labels()),
    )


# -- the plan ------------------------------------------------------------------------------


def _plan_area():
    """A service manager plans for their own area; the QA team for everyone."""
    if has_any_role(current_user, QA_OFFICER):
        return None
    return service_area_of(current_user) or -1


@bp.route("/plan", methods=["GET", "POST"])
@requires(services.can_plan)
def plan():
    year = _chosen_year(request.values.get("year"))
    lines = services.propose_plan(year, _plan_area())
    supervisors = list(
        db.session.scalars(services.supervisors_stmt().order_by(User.last_name, User.first_name))
    )
    supervisor_choices = person_choices(
        User.id.in_(services.supervisors_stmt().with_only_columns(User.id)),
        blank="Choose someone",
    )
    auditors = {a.id: a for a in services.auditors(_plan_area())}
    if request.method == "GET":
        form = PlanForm(
            due_on=services.year_bounds(year)[1],
            lines=[
                {
                    "include": line.supervisor is not None,
                    "auditor_id": line.auditor.id,
                    "supervisor_id": str(line.supervisor.id) if line.supervisor else "",
                }
                for line in lines
            ],
        )
    else:
        form = PlanForm()
    for entry in form.lines:
        entry.form.supervisor_id.choices = supervisor_choices
    row_errors = {}
    if request.method == "POST" and form.validate_on_submit():
        by_id = {s.id: s for s in supervisors}
        made = 0
        for index, entry in enumerate(form.lines.entries):
            line = entry.form
            if not line.include.data:
                continue
            try:
                auditor = auditors[int(line.auditor_id.data)]
            except (KeyError, TypeError, ValueError):
                abort(400)
            supervisor = by_id.get(int(line.supervisor_id.data or 0))
            if supervisor is None:
                row_errors[index] = "Choose a supervisor, or untick the line"
                continue
            try:
                with db.session.begin_nested():
                    services.confirm_line(
                        year,
                        auditor,
                        supervisor,
                        form.due_on.data,
                        current_user,
                        line.override_reason.data or "",
                    )
                made += 1
            except services.SupervisionError as error:
                row_errors[index] = str(error)
        if row_errors:
            db.session.rollback()
        else:
            db.session.commit()
            flash(f"{counted(made, 'audit')} planned for {services.year_label(year)}.", "success")
            return redirect(url_for(".index", year=year))
    return render_template(
        "supervision/plan.html",
        form=form,
        lines=lines,
        year=year,
        years=_years(),
        year_label=services.year_label(year),
        row_errors=row_errors,
        auditors=auditors,
        problem="Nothing has been planned" if row_errors or form.errors else None,
        error_list=_plan_errors(form, row_errors),
    )


def _plan_errors(form, row_errors) -> list[dict]:
    """The error summary: one link per line that needs attention, to the field itself."""
    errors = []
    if form.due_on.errors:
        errors.append({"text": form.due_on.errors[0], "href": f"#{form.due_on.name}-day"})
    for index, entry in enumerate(form.lines.entries):
        if index in row_errors:
            errors.append(
                {
                    "text": f"Line {index + 1}: {row_errors[index]}",
                    "href": f"#{entry.form.supervisor_id.id}",
                }
            )
        for field in (entry.form.supervisor_id, entry.form.override_reason):
            if field.errors:
                errors.append(
                    {"text": f"Line {index + 1}: {field.errors[0]}", "href": f"#{field.id}"}
                )
    return errors


# -- one audit -----------------------------------------------------------------------------


def _audit(audit_id, check=services.can_view):
    return get_or_403(SupervisionAudit, audit_id, check)


@bp.get("/audits/<int:audit_id>")
@login_required
def audit(audit_id):
    audit = _audit(audit_id)
    threshold = services.feedback_threshold()
    answered = services.answered_feedback(audit)
    combined = None
    if len(answered) >= threshold:
        ids = [f.response_id for f in answered]
        version = answered[0].response.tool_version
        # Only scales are combined: free text, or "your role", could name the person.
        combined = [
            {"question": q, "shares": tool_reports.answer_distribution(ids, q["key"])}
            for s in version.sections
            for q in s["questions"]
            if q["kind"] in COMBINABLE
        ]
    feedback_form = FeedbackForm(due_on=today_london())
    feedback_form.supervisees.choices = choices(
        (p.id, p.name) for p in services.supervisees_of(audit.supervisor)
    )
    return render_template(
        "supervision/audit.html",
        audit=audit,
        services=services,
        today=today_london(),
        history=history_for(db.session, audit),
        feedback_form=feedback_form,
        answered=answered,
        combined=combined,
        threshold=threshold,
        sees_each=services.sees_each_feedback(current_user, audit),
        actions=_actions_for(audit),
    )


def _actions_for(audit):
    from qaweb.actions.services import actions_for

    return actions_for("supervision_audit", audit.id)


def _step(audit_id, change, done):
    audit = _audit(audit_id, services.can_work_on)
    return take_step(
        audit, lambda: change(audit), done, url_for(".audit", audit_id=audit.id), ERRORS
    )


@bp.post("/audits/<int:audit_id>/start")
@login_required
def start(audit_id):
    return _step(
        audit_id,
        lambda a: services.start(a, current_user),
        "Audit started: complete the audit form and record the details.",
    )


@bp.post("/audits/<int:audit_id>/finish")
@login_required
def finish(audit_id):
    return _step(audit_id, services.finish_audit, "Audit finished.")


@bp.route("/audits/<int:audit_id>/details", methods=["GET", "POST"])
@login_required
def details(audit_id):
    audit = _audit(audit_id, services.can_work_on)
    form = DetailsForm(obj=audit)
    problem = None
    if form.validate_on_submit():

        def apply():
            for name in (
                "audited_on",
                "files_reviewed",
                "children_records",
                "period_covered",
                "strengths",
                "development",
                "observed_on",
                "observation_notes",
            ):
                value = getattr(form, name).data
                setattr(
                    audit,
                    name,
                    value
                    if value is not None
                    else (
                        ""
                        if name
                        in ("period_covered", "strengths", "development", "observation_notes")
                        else None
                    ),
                )

        problem = save_versioned(db.session, audit, form, apply, ERRORS)
        if problem is None:
            flash("Audit details saved.", "success")
            return redirect(url_for(".audit", audit_id=audit.id))
    return render_template("supervision/details.html", audit=audit, form=form, problem=problem)


@bp.post("/audits/<int:audit_id>/feedback")
@login_required
def feedback(audit_id):
    audit = _audit(audit_id, services.can_work_on)
    form = FeedbackForm()
    people = {p.id: p for p in services.supervisees_of(audit.supervisor)}
    form.supervisees.choices = choices((p.id, p.name) for p in people.values())
    if form.validate_on_submit():
        chosen = [people[int(i)] for i in form.supervisees.data]
        try:
            made = services.request_feedback(audit, chosen, form.due_on.data)
        except services.SupervisionError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Feedback asked of {counted(len(made), 'supervisee')}.", "success")
    else:
        first = next(iter(form.errors.values()))[0]
        flash(first, "error")
    return redirect(url_for(".audit", audit_id=audit.id) + "#feedback")


@bp.post("/audits/<int:audit_id>/feedback/<int:request_id>/withdraw")
@login_required
def withdraw_feedback(audit_id, request_id):
    audit = _audit(audit_id, services.can_work_on)
    feedback = next((f for f in audit.feedback if f.id == request_id), None)
    if feedback is None:
        abort(404)
    try:
        services.withdraw_feedback(feedback)
    except services.SupervisionError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        who = feedback.supervisee.name if feedback.supervisee else "the conversation"
        flash(f"Feedback from {who} is no longer awaited.", "success")
    return redirect(url_for(".audit", audit_id=audit.id) + "#feedback")


@bp.post("/audits/<int:audit_id>/conversation")
@login_required
def conversation(audit_id):
    audit = _audit(audit_id, services.can_work_on)
    try:
        made = services.record_conversation(audit, current_user)
    except services.SupervisionError as error:
        flash(str(error), "error")
        return redirect(url_for(".audit", audit_id=audit.id))
    db.session.commit()
    return redirect(url_for("responses.show", response_id=made.response_id))


@bp.route("/audits/<int:audit_id>/actions/new", methods=["GET", "POST"])
@login_required
def new_action(audit_id):
    audit = _audit(audit_id, services.can_work_on)
    return raise_page(
        source_type="supervision_audit",
        source_id=audit.id,
        source_label=f"{audit.reference}, {audit.supervisor.name}",
        back_url=url_for(".audit", audit_id=audit.id),
        caption=f"{audit.reference} · supervision audit of {audit.supervisor.name}",
        default_owner=audit.supervisor,
    )


@bp.route("/audits/<int:audit_id>/reflective", methods=["GET", "POST"])
@login_required
def reflective(audit_id):
    audit = _audit(audit_id, services.can_work_on)
    form = ReflectiveForm(version=audit.version)
    problem = None
    if form.validate_on_submit():
        problem = save_versioned(
            db.session,
            audit,
            form,
            lambda: services.record_reflective(
                audit, form.reflective_on.data, form.reflective_notes.data
            ),
            ERRORS,
        )
        if problem is None:
            flash("Reflective session recorded: the audit is complete.", "success")
            return redirect(url_for(".audit", audit_id=audit.id))
        form.version.data = audit.version
    return render_template("supervision/reflective.html", audit=audit, form=form, problem=problem)


@bp.route("/audits/<int:audit_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(audit_id):
    # A post is checked against who may cancel, not the audit's state: a colleague's cancel
    # meanwhile is then shown as their change, the reason typed here kept (not a 403).
    audit = _audit(
        audit_id, services.can_cancel if request.method == "GET" else services.may_cancel
    )
    form = CancelForm(version=audit.version)
    return reason_step(
        audit,
        form,
        lambda: services.cancel(audit, form.reason.data),
        f"Audit {audit.reference} cancelled.",
        url_for(".audit", audit_id=audit.id),
        "supervision/cancel.html",
        ERRORS,
        audit=audit,
    )


# -- coverage and the annual report ---------------------------------------------------------


def _coverage_filters():
    form = CoverageFilterForm()
    form.year.choices = _year_choices()
    areas = list(db.session.scalars(select(ServiceArea).order_by(ServiceArea.name)))
    if not has_any_role(current_user, QA_OFFICER):
        mine = service_area_of(current_user)
        areas = [a for a in areas if a.id == mine]
        form.area.choices = choices((a.id, a.name) for a in areas)
        if not form.area.data and areas:
            form.area.data = str(areas[0].id)
    else:
        form.area.choices = choices(((a.id, a.name) for a in areas), blank="All service areas")
    filters = form.cleaned()
    year = _chosen_year(filters.get("year"))
    form.year.data = str(year)
    area_id = int(filters["area"]) if filters.get("area") else None
    forbid_unless(has_any_role(current_user, QA_OFFICER) or area_id is not None)
    return form, year, area_id


def _can_see_coverage():
    return has_any_role(current_user, QA_OFFICER, SERVICE_MANAGER)


@bp.get("/coverage")
@login_required
def coverage():
    forbid_unless(_can_see_coverage())
    form, year, area_id = _coverage_filters()
    rows = reports.coverage(year, area_id)
    return render(
        "supervision/coverage.html",
        block="results",
        form=form,
        rows=rows,
        total=reports.totals(rows),
        year=year,
        year_label=services.year_label(year),
        grades=reports.grades(year, area_id),
        report_url=url_for(".annual_report", year=year, **({"area": area_id} if area_id else {})),
    )


@bp.get("/coverage/report.xlsx")
@login_required
def annual_report():
    forbid_unless(_can_see_coverage())
    form, year, area_id = _coverage_filters()
    return send_workbook(
        f"supervision-audits-{year}-{year + 1}.xlsx",
        **reports.annual_workbook(year, area_id),
        about=About(
            "Supervision audits: annual report",
            period=services.year_label(year),
            filters=[
                (label, value) for label, value in form.labels() if label != form.year.label.text
            ],
        ),
    )
