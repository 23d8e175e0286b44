from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from qaweb.case_audits import case_import, listing, reports, services
from qaweb.case_audits.forms import (
    AllocateForm,
    AuditFilterForm,
    CaseImportForm,
    ConfirmImportForm,
    DrawForm,
    RecordForm,
    ReportFilterForm,
    RespondForm,
    SettingsForm,
    SummaryFilterForm,
    SwapForm,
)
from qaweb.case_audits.models import (
    IN_PROGRESS,
    SAMPLED,
    CaseAudit,
    CaseFile,
    CaseImport,
    CaseSample,
)
from qaweb.core.excel import About, send_workbook
from qaweb.core.forms import choices
from qaweb.core.history import (
    guarded_save,
    history_for,
    save_versioned,
)
from qaweb.core.htmx import render
from qaweb.core.import_template import send_import_template
from qaweb.core.imports import confirm_import, preview_context, stage_upload
from qaweb.core.lists import as_id, render_list
from qaweb.core.permissions import (
    ADMIN,
    QA_OFFICER,
    SERVICE_MANAGER,
    TEAM_MANAGER,
    forbid_unless,
    get_or_403,
    has_any_role,
    roles_required,
)
from qaweb.core.samples import save_draw, save_swap
from qaweb.core.settings import DEFAULTS, Setting, get_setting, save_page
from qaweb.core.steps import take_step
from qaweb.core.text import counted
from qaweb.core.timefmt import today_london
from qaweb.core.years import month_from_url
from qaweb.extensions import db
from qaweb.moderation.panel import blinded_ids
from qaweb.organisation.models import ServiceArea, Team
from qaweb.organisation.services import team_options

bp = Blueprint("case_audits", __name__, url_prefix="/case-audits")
ERRORS = (services.CaseAuditError,)


def _month_choices(blank=None):
    """This month, the next and the last 12, newest first, as "YYYY-MM"."""
    this = today_london().replace(day=1)
    months = [services.add_months(this, n) for n in range(1, -13, -1)]
    return choices(((m.strftime("%Y-%m"), services.month_label(m)) for m in months), blank=blank)


# -- the list --------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    form = AuditFilterForm()
    form.month.choices = _month_choices(blank="Any month")
    form.team.choices = choices(team_options(), blank="Any team")
    filters = form.cleaned()
    this_month = today_london().replace(day=1)
    return render_list(
        "case_audits/index.html",
        form,
        services.filtered(current_user, filters),
        ".index",
        rows=listing.LIST_ROWS,
        today=today_london(),
        can_manage=services.can_manage(current_user),
        can_report=has_any_role(current_user, QA_OFFICER, SERVICE_MANAGER),
        can_summarise=has_any_role(current_user, QA_OFFICER, SERVICE_MANAGER, TEAM_MANAGER),
        this_month=this_month,
        next_month=services.add_months(this_month, 1),
        month_label=services.month_label,
    )


# -- the case list ---------------------------------------------------------------------------


@bp.route("/cases/import", methods=["GET", "POST"])
@roles_required(QA_OFFICER)
def import_cases():
    form = CaseImportForm()
    form.month.choices = _month_choices()
    if request.method == "GET":
        form.month.data = today_london().replace(day=1).strftime("%Y-%m")
    if form.validate_on_submit():
        month = services.parse_month(form.month.data)
        staged = stage_upload(
            form,
            case_import.LIMITS,
            lambda filename, data: case_import.stage(month, filename, data, current_user),
        )
        if staged is not None:
            return redirect(url_for(".import_preview", import_id=staged.id))
    return render_template(
        "case_audits/import.html",
        form=form,
        headers=case_import.HEADERS,
        case_types=case_import.ALLOWED_CASE_TYPES,
    )


@bp.get("/cases/import-template.xlsx")
@roles_required(QA_OFFICER)
def import_template():
    return send_import_template(
        "case-list-template.xlsx",
        "Cases",
        case_import.template_columns(),
        case_import.TEMPLATE_INSTRUCTIONS,
    )


@bp.route("/cases/import/<int:import_id>", methods=["GET", "POST"])
@roles_required(QA_OFFICER)
def import_preview(import_id):
    staged = db.get_or_404(CaseImport, import_id)
    form = ConfirmImportForm()
    if (totals := confirm_import(form, staged, case_import.apply)) is not None:
        flash(
            f"Cases imported for {services.month_label(staged.month)}: {totals['new']} "
            f"added, {totals['update']} updated, {totals['unchanged']} unchanged.",
            "success",
        )
        return redirect(url_for(".sample", year=staged.month.year, month=staged.month.month))
    return render_template(
        "case_audits/import_preview.html",
        staged=staged,
        **preview_context(staged.rows, case_import.totals),
        form=form,
        month_label=services.month_label(staged.month),
    )


# -- the sample ------------------------------------------------------------------------------


def _sample_for(month: date) -> CaseSample | None:
    return db.session.scalar(select(CaseSample).where(CaseSample.month == month))


@bp.route("/months/<int:year>/<int:month>", methods=["GET", "POST"])
@roles_required(QA_OFFICER)
def sample(year, month):
    first = month_from_url(year, month)
    existing = _sample_for(first)
    listed = db.session.scalar(
        select(db.func.count()).select_from(CaseFile).where(CaseFile.listed_month == first)
    )
    if request.method == "GET":
        form = DrawForm(
            per_team=existing.per_team if existing else services.per_team(),
            rules=services.rules_text(existing.rules) if existing else "",
            version=existing.version if existing else "",
        )
    else:
        form = DrawForm()
    problem = None
    if form.validate_on_submit():

        def draw(rules):
            services.draw(first, form.per_team.data, rules, current_user, form.seed.data)

        drawn, problem = save_draw(form, existing, services.parse_rules, draw, ERRORS)
        if drawn:
            flash(f"Sample drawn for {services.month_label(first)}.", "success")
            return redirect(url_for(".sample", year=year, month=month))
    existing = _sample_for(first)
    return render_template(
        "case_audits/sample.html",
        form=form,
        problem=problem,
        sample=existing,
        lines=_lines(existing),
        listed=listed,
        exclusion_months=services.exclusion_months(),
        month=first,
        month_label=services.month_label(first),
    )


def _lines(sample):
    if sample is None:
        return []
    return sorted(sample.audits, key=lambda a: (a.team.name.lower(), a.case.case_number))


@bp.route("/lines/<int:line_id>/swap", methods=["GET", "POST"])
@roles_required(QA_OFFICER)
def swap(line_id):
    line = db.get_or_404(CaseAudit, line_id)
    if line.sample is None:
        abort(404)
    form = SwapForm(version=line.version)
    problem = None
    if line.status != SAMPLED or line.sample.is_allocated:
        problem = "Only a case in a sample not yet allocated can be swapped out"
    elif form.validate_on_submit():
        problem, drawn = save_swap(form, line, lambda why: services.swap(line, why), ERRORS)
        if problem is None:
            month = line.sample.month
            if drawn is not None:
                flash(
                    f"Case {line.case.case_number} swapped out for case {drawn.case.case_number}.",
                    "success",
                )
            else:
                flash(
                    f"Case {line.case.case_number} swapped out: {line.team.name} has no other "
                    "case to sample this month.",
                    "success",
                )
            return redirect(url_for(".sample", year=month.year, month=month.month))
    return render_template("case_audits/swap.html", line=line, form=form, problem=problem)


# -- allocation ------------------------------------------------------------------------------


@bp.route("/months/<int:year>/<int:month>/allocate", methods=["GET", "POST"])
@roles_required(QA_OFFICER)
def allocate(year, month):
    first = month_from_url(year, month)
    sample = _sample_for(first)
    if sample is None:
        flash(f"Draw the sample for {services.month_label(first)} first.", "error")
        return redirect(url_for(".sample", year=year, month=month))
    pool = services.auditor_pool()
    by_id = {p.id: p for p in pool}
    lines = [a for a in _lines(sample) if a.status == SAMPLED]
    form = AllocateForm(version=sample.version)
    proposal = services.propose(sample)
    chosen = {line.id: proposal.get(line.id) for line in lines}
    problems: dict[int, str] = {}
    problem = None
    if request.method == "POST":
        for line in lines:
            picked = as_id(request.form.get(f"auditor-{line.id}"))
            chosen[line.id] = by_id.get(picked) if picked else None
            if picked and picked not in by_id:
                problems[line.id] = "Choose someone from the auditor pool"
        if form.validate_on_submit() and not problems:

            def apply():
                try:
                    services.allocate(sample, chosen, today_london())
                except services.AllocationRefused as refused:
                    problems.update(refused.problems)
                    raise

            problem = save_versioned(db.session, sample, form, apply, ERRORS)
            if problem is None:
                flash(
                    f"{counted(len(lines), 'audit')} allocated for "
                    f"{services.month_label(first)}: each auditor sees theirs in My work.",
                    "success",
                )
                return redirect(url_for(".index", month=first.strftime("%Y-%m")))
            # A refusal rolled back: the lines and pool are read again for the page.
            sample = _sample_for(first)
            lines = [a for a in _lines(sample) if a.status == SAMPLED]
    refusals = {line.id: {p.id: services.refusal(p, line) for p in pool} for line in lines}
    error_list = [
        {
            "text": f"Case {line.case.case_number}: {problems[line.id]}",
            "href": f"#auditor-{line.id}",
        }
        for line in lines
        if line.id in problems
    ]
    if problem and not error_list:
        error_list = [{"text": str(problem)}]
    return render_template(
        "case_audits/allocate.html",
        form=form,
        sample=sample,
        lines=lines,
        pool=pool,
        chosen=chosen,
        problems=problems,
        refusals=refusals,
        error_list=error_list,
        problem=problem if problem and getattr(problem, "stale", False) else None,
        month=first,
        month_label=services.month_label(first),
        allocated_on=services.allocation_date(first, today_london()),
        due_on=services.due_date(services.allocation_date(first, today_london())),
        load=services.audits_this_month(first),
    )


# -- one audit -------------------------------------------------------------------------------


def _audit(audit_id, check=services.can_view):
    item = get_or_403(CaseAudit, audit_id, check)
    forbid_unless(item.status not in (SAMPLED, "swapped") or services.can_manage(current_user))
    return item


@bp.get("/audits/<int:audit_id>")
@login_required
def audit(audit_id):
    from qaweb.actions.models import Action
    from qaweb.moderation.panel import confirmed_line
    from qaweb.moderation.services import can_view_line

    item = _audit(audit_id)
    manager = services.can_manage(current_user) or services.is_auditor(current_user, item)
    moderation = confirmed_line(item) if item.status == "completed" else None
    return render_template(
        "case_audits/audit.html",
        audit=item,
        moderation=moderation,
        moderation_readable=bool(moderation and can_view_line(current_user, moderation)),
        today=today_london(),
        history=history_for(db.session, item) if manager else [],
        month_label=services.month_label(item.month),
        can_work_on=services.can_work_on(current_user, item),
        can_respond=services.can_respond(current_user, item),
        missing=services.missing_for_completion(item) if item.status == IN_PROGRESS else [],
        original_readable=bool(
            item.follow_up_of and services.can_view(current_user, item.follow_up_of)
        ),
        follow_ups=[
            (f, services.can_view(current_user, f) and f.status not in (SAMPLED, "swapped"))
            for f in services.follow_ups(item)
        ],
        actions=list(
            db.session.scalars(
                select(Action)
                .where(Action.source_type == "case_audit", Action.source_id == item.id)
                .order_by(Action.due_on, Action.id)
            )
        ),
        respond_form=RespondForm(version=item.version),
    )


def _step(audit_id, change, done):
    item = _audit(audit_id, services.can_work_on)
    return take_step(item, lambda: change(item), done, url_for(".audit", audit_id=item.id), ERRORS)


@bp.post("/audits/<int:audit_id>/start")
@login_required
def start(audit_id):
    return _step(
        audit_id,
        lambda a: services.start(a, current_user),
        "Audit started: fill in the form a section at a time and record the feedback.",
    )


@bp.post("/audits/<int:audit_id>/complete")
@login_required
def complete(audit_id):
    made = []

    def change(item):
        made.extend(services.complete(item, today_london()))

    item = _audit(audit_id, services.can_work_on)
    problem = guarded_save(
        db.session, item, request.form.get("version"), lambda: change(item), ERRORS
    )
    if problem:
        flash(problem, "error")
    elif made:
        flash(
            f"Audit completed and shared. Graded {item.grade.label}: the team manager and "
            f"service manager are told today, and a re-audit ({made[0].due_on:%-d %B %Y}) and "
            f"a dip sample ({made[1].due_on:%-d %B %Y}) are allocated.",
            "success",
        )
    else:
        flash(
            "Audit completed and shared with the practitioner, their line manager and team "
            "manager.",
            "success",
        )
    return redirect(url_for(".audit", audit_id=item.id))


RECORD_FIELDS = (
    "sources_read",
    "child_feedback",
    "child_feedback_reason",
    "child_said",
    "family_feedback",
    "family_feedback_reason",
    "family_said",
    "conversation_on",
    "reflections",
    "judgement",
    "action_taken",
    "impact",
)


@bp.route("/audits/<int:audit_id>/record", methods=["GET", "POST"])
@login_required
def record(audit_id):
    item = _audit(audit_id, services.can_work_on)
    form = RecordForm(obj=item)
    problem = None
    if form.validate_on_submit():

        def apply():
            for name in RECORD_FIELDS:
                value = getattr(form, name).data
                setattr(
                    item,
                    name,
                    value if value is not None else ("" if name != "conversation_on" else None),
                )

        problem = save_versioned(db.session, item, form, apply, ERRORS)
        if problem is None:
            flash("Saved.", "success")
            return redirect(url_for(".audit", audit_id=item.id))
    return render_template("case_audits/record.html", audit=item, form=form, problem=problem)


@bp.route("/audits/<int:audit_id>/respond", methods=["POST"])
@login_required
def respond(audit_id):
    item = _audit(audit_id, services.can_respond)
    form = RespondForm()
    problem = None
    if form.validate_on_submit():
        problem = save_versioned(
            db.session,
            item,
            form,
            lambda: services.respond(item, current_user, form.response.data),
            ERRORS,
        )
        if problem is None:
            flash("Your response is added to the audit.", "success")
            return redirect(url_for(".audit", audit_id=item.id))
    else:
        problem = next(iter(form.errors.values()))[0]
    flash(str(problem), "error")
    return redirect(url_for(".audit", audit_id=item.id) + "#practitioner-response")


@bp.route("/audits/<int:audit_id>/actions/new", methods=["GET", "POST"])
@login_required
def new_action(audit_id):
    from qaweb.actions.views import raise_page

    item = _audit(audit_id, services.can_work_on)
    return raise_page(
        source_type="case_audit",
        source_id=item.id,
        source_label=f"{item.reference}, case {item.case.case_number}",
        back_url=url_for(".audit", audit_id=item.id),
        caption=f"{item.reference} · case-file audit of case {item.case.case_number}",
        default_owner=item.practitioner,
        default_due_on=services.action_due_date(today_london()),
    )


# -- settings --------------------------------------------------------------------------------

SETTING_KEYS = tuple(k for k in DEFAULTS if k.startswith("case_audit_"))


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(QA_OFFICER, ADMIN)
def settings():
    anchor = db.session.scalar(select(Setting).where(Setting.key == "case_audit_per_team"))
    if request.method == "GET":
        values = {key: get_setting(key) for key in SETTING_KEYS}
        values["case_audit_auditor_roles"] = services.auditor_roles()
        form = SettingsForm(version=getattr(anchor, "version", ""), **values)
    else:
        form = SettingsForm()
    from qaweb.tools.models import Tool

    form.case_audit_tool.choices = choices(
        (
            (t.key, f"{t.name} ({t.council})" if t.council else t.name)
            for t in db.session.scalars(
                select(Tool).where(Tool.kind == "case_file_audit").order_by(Tool.name)
            )
        ),
        blank="The case-file audit tool published most recently",
    )
    problem = None
    if form.validate_on_submit():
        posted = {key: form[key].data for key in SETTING_KEYS}
        posted["case_audit_auditor_roles"] = ";".join(posted["case_audit_auditor_roles"])
        # The cases-per-team row carries the version counter for the page.
        problem = save_page(form, "case_audit_per_team", posted)
        if problem is None:
            flash("Case-file audit settings saved.", "success")
            return redirect(url_for(".settings"))
    return render_template("case_audits/settings.html", form=form, problem=problem)


# -- reports ---------------------------------------------------------------------------------


def _report_months():
    this = today_london().replace(day=1)
    return [services.add_months(this, -n) for n in range(0, 36)]


def _can_report() -> bool:
    return has_any_role(current_user, QA_OFFICER, SERVICE_MANAGER)


def _report_filters():
    """The period (default: the 12 months to this one) and the area: a service manager's
    own, the QA team's choice."""
    forbid_unless(_can_report())
    form = ReportFilterForm()
    months = _report_months()
    month_choices = choices((m.strftime("%Y-%m"), services.month_label(m)) for m in months)
    form.start.choices = month_choices
    form.end.choices = month_choices
    areas = list(db.session.scalars(select(ServiceArea).order_by(ServiceArea.name)))
    if has_any_role(current_user, QA_OFFICER):
        form.area.choices = choices(((a.id, a.name) for a in areas), blank="All service areas")
    else:
        mine = current_user.team.service_area_id if current_user.team else None
        form.area.choices = choices((a.id, a.name) for a in areas if a.id == mine)
        forbid_unless(mine is not None)
        form.area.data = str(mine)
    filters = form.cleaned()
    end = services.parse_month(filters.get("end")) or months[0]
    start = services.parse_month(filters.get("start")) or services.add_months(end, -11)
    if start > end:
        start, end = end, start
    form.start.data, form.end.data = start.strftime("%Y-%m"), end.strftime("%Y-%m")
    area_id = as_id(form.area.data)
    period = reports.Period(
        start, end, moderated=filters.get("grades") == "moderated", blind_to=current_user.id
    )
    return form, period, area_id


@bp.get("/reports")
@login_required
def report():
    form, period, area_id = _report_filters()
    today = today_london()
    rows = reports.completion(period, today, area_id)
    now = reports.grades(period, area_id)
    before = reports.grades(period.year_before(), area_id)
    return render(
        "case_audits/report.html",
        block="results",
        form=form,
        period=period,
        rows=rows,
        total=reports.totals(rows),
        # Audits the reader moderates blind are left out of every figure (said on the page).
        moderating=bool(blinded_ids(current_user)),
        grades=list(zip(now, before, strict=True)),
        per_team=reports.grades_per_team(period, area_id),
        levels=[g["label"] for g in now],
        sections=reports.section_grades(period, area_id),
        tracker=reports.tracker_rows(reports.inadequate(period, area_id)),
        outstanding=reports.outstanding(period, area_id),
        workbook_url=url_for(".workbook", **form.active_args()),
    )


@bp.get("/reports/workbook.xlsx")
@login_required
def workbook():
    form, period, area_id = _report_filters()
    columns, rows, sheets, summary = reports.workbook_parts(period, today_london(), area_id)
    return send_workbook(
        f"case-file-audits-{period.start:%Y-%m}-to-{period.end:%Y-%m}.xlsx",
        "Completion",
        columns,
        rows,
        summary=summary,
        sheets=sheets,
        about=About(
            "Case-file audits",
            period=period.label,
            # Which grade the counts use is always said, "as audited" included.
            filters=[f for f in form.labels() if f[0] != "Grades"]
            + [("Grades counted", period.grades_label)],
        ),
    )


def _summary_teams():
    """The teams whose summary the person may read: the QA team all; a service manager
    their area's; a team manager their own."""
    stmt = select(Team).order_by(Team.name)
    if has_any_role(current_user, QA_OFFICER):
        return list(db.session.scalars(stmt))
    teams = []
    if has_any_role(current_user, SERVICE_MANAGER) and current_user.team:
        teams += db.session.scalars(
            stmt.where(Team.service_area_id == current_user.team.service_area_id)
        )
    if has_any_role(current_user, TEAM_MANAGER) and current_user.team:
        teams.append(current_user.team)
    return sorted({t.id: t for t in teams}.values(), key=lambda t: t.name.lower())


@bp.get("/summary")
@login_required
def summary():
    teams = _summary_teams()
    forbid_unless(bool(teams))
    form = SummaryFilterForm()
    months = _report_months()
    form.month.choices = choices((m.strftime("%Y-%m"), services.month_label(m)) for m in months)
    form.team.choices = choices((t.id, t.name) for t in teams)
    filters = form.cleaned()
    team = next((t for t in teams if t.id == as_id(filters.get("team"))), teams[0])
    # Without a month chosen: the team's latest month with audits (the summary to read now).
    month = services.parse_month(filters.get("month")) or (
        db.session.scalar(
            select(db.func.max(CaseAudit.month)).where(
                CaseAudit.team_id == team.id, CaseAudit.month <= months[0]
            )
        )
        or months[0]
    )
    form.month.data, form.team.data = month.strftime("%Y-%m"), str(team.id)
    audits = reports.team_summary(team.id, month)
    completed = [a for a in audits if a.status == "completed"]
    # Audits the reader is moderating blind: listed, their grades kept back until submitted
    # (one query for the whole list).
    blinded = blinded_ids(current_user)
    period = reports.Period(month, month, hidden=blinded)
    return render(
        "case_audits/summary.html",
        block="results",
        form=form,
        team=team,
        month_label=services.month_label(month),
        audits=audits,
        readable={a.id for a in audits if services.can_view(current_user, a, blinded)},
        blinded=blinded,
        completed=completed,
        grades=reports.grades(period, team_id=team.id),
        child_heard=sum(1 for a in completed if a.child_feedback == "given"),
        family_heard=sum(1 for a in completed if a.family_feedback == "given"),
        percent=reports.percent,
        today=today_london(),
    )
