from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from qaweb.actions.services import actions_for
from qaweb.actions.views import raise_page
from qaweb.core import submissions, years
from qaweb.core.council_lists import KeptList, entries, entry_form, handle_post
from qaweb.core.excel import About, Column, send_workbook
from qaweb.core.forms import choices
from qaweb.core.history import history_for, save_versioned
from qaweb.core.htmx import is_htmx, render
from qaweb.core.lists import render_list
from qaweb.core.permissions import forbid_unless, get_or_403, requires
from qaweb.core.signoff import save_decision
from qaweb.core.steps import take_step
from qaweb.core.timefmt import today_london
from qaweb.core.word import docx_response
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team, User
from qaweb.organisation.services import person_choices
from qaweb.thematic import exports, listing, services
from qaweb.thematic.forms import (
    MAX_LINES,
    DecisionForm,
    FindingForm,
    PlanEntryForm,
    TermsForm,
    ThematicFilterForm,
)
from qaweb.thematic.models import FINDING_KINDS, ThematicAudit, Theme
from qaweb.tools.models import PUBLISHED, ToolVersion

bp = Blueprint("thematic", __name__, url_prefix="/thematic")
ERRORS = (services.ThematicError,)


def _audit(audit_id, check=services.can_view):
    return get_or_403(ThematicAudit, audit_id, check)


def _this_year():
    return years.year_for(today_london())


def _year_options():
    found = set(db.session.scalars(select(ThematicAudit.plan_year).distinct()))
    now = _this_year()
    return sorted(found | {now - 1, now, now + 1}, reverse=True)


# -- list and forward plan ---------------------------------------------------------------


def _filters():
    form = ThematicFilterForm()
    form.year.choices = choices(
        ((y, years.year_label(y)) for y in _year_options()), blank="Any year"
    )
    form.theme.choices = choices(
        ((t.id, t.name) for t in services.themes(False)), blank="Any theme"
    )
    return form, form.cleaned()


@bp.get("/")
@requires(services.can_view)
def index():
    form, filters = _filters()
    return render_list(
        "thematic/index.html",
        form,
        services.filtered(filters),
        ".index",
        ".export",
        rows=listing.LIST_ROWS,
        years=years,
        services=services,
    )


@bp.get("/export.xlsx")
@requires(services.can_view)
def export():
    form, filters = _filters()
    rows = (
        (
            a.reference,
            a.title,
            a.theme.name if a.theme else "",
            years.year_label(a.plan_year),
            f"Q{a.quarter}",
            a.status_label,
            a.lead.name if a.lead else "",
            a.report_due_on,
            len(a.terms.get("lines", [])),
            sum(1 for f in a.findings if not f.withdrawn),
        )
        for a in db.session.scalars(services.filtered(filters))
    )
    return send_workbook(
        f"thematic-audits-{today_london().isoformat()}.xlsx",
        "Thematic audits",
        [
            Column("Reference", 11),
            Column("Title", 40),
            Column("Theme", 28),
            Column("Plan year", 24),
            Column("Quarter", 9),
            Column("Status", 22),
            Column("Lead", 24),
            Column("Report due", 12, "date"),
            Column("Lines of enquiry", 15, "number"),
            Column("Findings", 10, "number"),
        ],
        rows,
        about=About("Thematic audits", filters=form.labels()),
    )


@bp.route("/plan", methods=["GET", "POST"])
@requires(services.can_view)
def plan():
    try:
        year = int(request.values.get("year", _this_year()))
    except ValueError:
        year = _this_year()
    if not 2000 <= year <= 2100:
        year = _this_year()
    form = PlanEntryForm()
    form.quarter.choices = choices(
        ((q, years.quarter_label(year, q)) for q in range(1, 5)), blank=""
    )
    form.theme_id.choices = choices(((t.id, t.name) for t in services.themes()), blank="")
    if request.method == "POST":
        forbid_unless(services.can_edit(current_user))
        if form.validate_on_submit():
            if (repeat := submissions.repeat_of(db.session, form)) is not None:
                return repeat
            theme = db.session.get(Theme, form.theme_id.data) if form.theme_id.data else None
            audit = services.add_to_plan(form.title.data, year, int(form.quarter.data), theme)
            submissions.saved(db.session, form, url_for(".plan", year=year))
            db.session.commit()
            flash(f"{audit.title} added to the forward plan.", "success")
            return redirect(url_for(".plan", year=year))
    audits = list(
        db.session.scalars(
            select(ThematicAudit)
            .where(ThematicAudit.plan_year == year)
            .order_by(ThematicAudit.quarter, ThematicAudit.id)
        )
    )
    quarters = [
        {
            "number": q,
            "label": years.quarter_label(year, q),
            "audits": [a for a in audits if a.quarter == q],
        }
        for q in range(1, 5)
    ]
    return render_template(
        "thematic/plan.html",
        form=form,
        year=year,
        year_label=years.year_label(year),
        quarters=quarters,
        years=_year_options(),
        can_edit=services.can_edit(current_user),
        can_manage_themes=services.can_manage_themes(current_user),
    )


# -- one audit -----------------------------------------------------------------------------


def _actions(audit):
    return actions_for("thematic_audit", audit.id)


@bp.get("/<int:audit_id>")
@login_required
def audit(audit_id):
    return _audit_page(_audit(audit_id))


def _audit_page(audit, finding_form=None):
    return render_template(
        "thematic/audit.html",
        audit=audit,
        services=services,
        terms=services.readable(audit.terms) if audit.terms else None,
        actions=_actions(audit),
        history=history_for(db.session, audit),
        finding_form=finding_form or FindingForm(),
        kinds=FINDING_KINDS,
        today=today_london(),
        quarter=years.quarter_label(audit.plan_year, audit.quarter),
    )


def _terms_form(audit, formdata=None):
    data = dict(audit.terms or {})
    data.setdefault("title", audit.title)
    for key in (
        "period_from",
        "period_to",
        "start_on",
        "fieldwork_end_on",
        "report_due_on",
        "board_on",
    ):
        if data.get(key):
            data[key] = date.fromisoformat(data[key])
    for key in ("theme_id", "tool_version_id", "lead_id"):
        data[key] = str(data[key]) if data.get(key) else ""
    data["areas"] = [str(x) for x in data.get("areas_ids", [])]
    data["teams"] = [str(x) for x in data.get("teams_ids", [])]
    data["lines"] = data.get("lines") or [""]
    data["members"] = "\n".join(data.get("members") or [])
    data["version"] = audit.version
    form = TermsForm(formdata=formdata, data=data)  # None: the stored terms, even on a post
    form.theme_id.choices = choices(((t.id, t.name) for t in services.themes()), blank="")
    areas = list(
        db.session.scalars(select(ServiceArea).where(ServiceArea.active).order_by(ServiceArea.name))
    )
    form.areas.choices = choices((a.id, a.name) for a in areas)
    teams = list(db.session.scalars(select(Team).where(Team.active).order_by(Team.name)))
    form.teams.choices = choices((t.id, t.name) for t in teams)
    tools = list(db.session.scalars(select(ToolVersion).where(ToolVersion.status == PUBLISHED)))
    form.tool_version_id.choices = choices(
        ((v.id, f"{v.tool.name} ({v.tool.council}), version {v.number}") for v in tools),
        blank="No audit tool",
    )
    people = list(
        db.session.scalars(
            select(User).where(User.active).order_by(User.last_name, User.first_name)
        )
    )
    form.lead_id.choices = person_choices(User.active, blank="")
    return form, {"areas": areas, "teams": teams, "tools": tools, "people": people}


def _terms_from(form, options) -> dict:
    """The form's answers as the stored terms: ids to act on, names to read later."""

    def names(ids, items):
        wanted = {int(i) for i in ids}
        return [str(x) for x in items if x.id in wanted]

    theme = db.session.get(Theme, form.theme_id.data) if form.theme_id.data else None
    tool = next((v for v in options["tools"] if str(v.id) == form.tool_version_id.data), None)
    lead = next((p for p in options["people"] if str(p.id) == form.lead_id.data), None)
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "title": form.title.data,
        "theme_id": theme.id if theme else None,
        "theme": theme.name if theme else "",
        "context": form.context.data or "",
        "prompted_by": form.prompted_by.data or [],
        "areas_ids": [int(i) for i in form.areas.data or []],
        "areas": names(form.areas.data or [], options["areas"]),
        "teams_ids": [int(i) for i in form.teams.data or []],
        "teams": names(form.teams.data or [], options["teams"]),
        "period_from": iso(form.period_from.data),
        "period_to": iso(form.period_to.data),
        "cohort": form.cohort.data or "",
        "sample_method": form.sample_method.data,
        "sample_size": form.sample_size.data,
        "lines": [e.data.strip() for e in form.lines.entries if (e.data or "").strip()],
        "methodology": form.methodology.data or [],
        "tool_version_id": tool.id if tool else None,
        "tool": f"{tool.tool.name}, version {tool.number}" if tool else "",
        "lead_id": lead.id if lead else None,
        "lead": lead.name if lead else "",
        "members": [m.strip() for m in (form.members.data or "").splitlines() if m.strip()],
        "start_on": iso(form.start_on.data),
        "fieldwork_end_on": iso(form.fieldwork_end_on.data),
        "report_due_on": iso(form.report_due_on.data),
        "board_on": iso(form.board_on.data),
    }


def _focus_after(action: str, count: int) -> int:
    """Which line's box has focus after the change, so keyboard users stay in place."""
    verb, _, number = action.partition("-")
    n = int(number) if number.isascii() and number.isdigit() else 0
    target = {"add": count - 1, "up": n - 1, "down": n + 1, "remove": n}.get(verb, 0)
    return max(0, min(target, count - 1))


def _moved_lines(action: str) -> MultiDict:
    """The posted form with its lines of enquiry added to, removed or reordered."""
    posted = MultiDict(request.form)
    lines = []
    index = 0
    while f"lines-{index}" in posted:
        lines.append(posted.get(f"lines-{index}", ""))
        index += 1
    verb, _, number = action.partition("-")
    try:
        n = int(number) if number else -1
    except ValueError:
        n = -1
    if verb == "add" and len(lines) < MAX_LINES:
        lines.append("")
    elif verb == "remove" and 0 <= n < len(lines):
        lines.pop(n)
    elif verb == "up" and 0 < n < len(lines):
        lines[n - 1], lines[n] = lines[n], lines[n - 1]
    elif verb == "down" and 0 <= n < len(lines) - 1:
        lines[n + 1], lines[n] = lines[n], lines[n + 1]
    for key in [k for k in posted if k.startswith("lines-")]:
        posted.poplist(key)
    for i, line in enumerate(lines or [""]):
        posted[f"lines-{i}"] = line
    return posted


@bp.route("/<int:audit_id>/terms", methods=["GET", "POST"])
@login_required
def terms(audit_id):
    audit = _audit(audit_id, services.can_edit)
    if audit.status not in ("planned", "draft"):
        flash(
            "These terms are with the QA Board or approved: start a new version to change them.",
            "info",
        )
        return redirect(url_for(".audit", audit_id=audit.id))
    line_action = request.form.get("line_action")
    focus = None
    if request.method == "POST" and line_action:
        form, options = _terms_form(audit, formdata=_moved_lines(line_action))
        focus = _focus_after(line_action, len(form.lines.entries))
        if is_htmx():
            return render("thematic/terms.html", block="lines", form=form, audit=audit, focus=focus)
        return render_template(
            "thematic/terms.html", form=form, audit=audit, focus=focus, problem=None
        )
    form, options = _terms_form(audit, formdata=request.form if request.method == "POST" else None)
    problem = None
    if request.method == "POST" and form.validate_on_submit():
        problem = save_versioned(
            db.session,
            audit,
            form,
            lambda: services.save_terms(audit, _terms_from(form, options)),
            ERRORS,
            current=lambda: _terms_form(audit)[0],  # the terms are not in the change log
        )
        if problem is None:
            flash("Terms of reference saved.", "success")
            return redirect(url_for(".audit", audit_id=audit.id))
    return render_template(
        "thematic/terms.html", form=form, audit=audit, problem=problem, focus=focus
    )


def _step(audit_id, check, change, done):
    audit = _audit(audit_id, check)
    return take_step(
        audit, lambda: change(audit), done, url_for(".audit", audit_id=audit.id), ERRORS
    )


@bp.post("/<int:audit_id>/submit")
@login_required
def submit(audit_id):
    return _step(
        audit_id,
        services.can_edit,
        lambda a: services.submit(a, current_user),
        "Terms of reference submitted to the QA Board.",
    )


@bp.post("/<int:audit_id>/revise")
@login_required
def revise(audit_id):
    return _step(
        audit_id,
        services.can_edit,
        services.revise,
        "A new version of the terms is being drafted: it goes to the QA Board again.",
    )


@bp.post("/<int:audit_id>/advance")
@login_required
def advance(audit_id):
    return _step(audit_id, services.can_edit, services.advance, "Audit moved on.")


@bp.route("/<int:audit_id>/decision", methods=["GET", "POST"])
@login_required
def decision(audit_id):
    audit = _audit(audit_id, services.can_decide)
    form = DecisionForm()
    problem = None
    if form.validate_on_submit():
        approve, problem = save_decision(
            form,
            audit,
            lambda approve, comments: services.decide(audit, current_user, approve, comments),
            ERRORS,
        )
        if problem is None:
            flash(
                "Terms of reference approved."
                if approve
                else "Terms returned to the QA team with your comments.",
                "success",
            )
            return redirect(url_for(".audit", audit_id=audit.id))
    return render_template(
        "thematic/decision.html",
        audit=audit,
        form=form,
        problem=problem,
        terms=services.readable(audit.pending_version.terms) if audit.pending_version else None,
    )


@bp.get("/<int:audit_id>/compare")
@login_required
def compare(audit_id):
    audit = _audit(audit_id)
    numbers = [v.number for v in audit.versions]
    if not numbers:
        abort(404)
    try:
        new_number = int(request.args.get("to", numbers[-1]))
        earlier = [n for n in numbers if n < new_number]
        old_number = int(request.args.get("from", earlier[-1] if earlier else new_number))
    except ValueError:
        abort(404)
    by_number = {v.number: v for v in audit.versions}
    if old_number not in by_number or new_number not in by_number:
        abort(404)
    old, new = by_number[old_number], by_number[new_number]
    return render_template(
        "thematic/compare.html",
        audit=audit,
        old=old,
        new=new,
        rows=services.diff(old.terms, new.terms),
        numbers=numbers,
    )


@bp.post("/<int:audit_id>/findings")
@login_required
def add_finding(audit_id):
    audit = _audit(audit_id, services.can_edit)
    form = FindingForm()
    if form.validate_on_submit():
        if (repeat := submissions.repeat_of(db.session, form)) is not None:
            return repeat
        try:
            services.add_finding(audit, form.kind.data, form.text.data, form.evidence.data or "")
        except services.ThematicError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            url = url_for(".audit", audit_id=audit.id) + "#findings"
            submissions.saved(db.session, form, url)
            db.session.commit()
            flash("Finding added.", "success")
        return redirect(url_for(".audit", audit_id=audit.id) + "#findings")
    return _audit_page(audit, finding_form=form)


@bp.post("/<int:audit_id>/findings/<int:finding_id>/withdraw")
@login_required
def withdraw_finding(audit_id, finding_id):
    audit = _audit(audit_id, services.can_edit)
    finding = next((f for f in audit.findings if f.id == finding_id), None)
    if finding is None:
        abort(404)
    if audit.status not in ("in_progress", "reporting"):
        flash("Findings can change only while the audit is under way.", "error")
        return redirect(url_for(".audit", audit_id=audit.id))
    finding.withdrawn = True
    db.session.commit()
    flash("Finding withdrawn.", "success")
    return redirect(url_for(".audit", audit_id=audit.id) + "#findings")


@bp.route("/<int:audit_id>/actions/new", methods=["GET", "POST"])
@login_required
def new_action(audit_id):
    audit = _audit(audit_id, services.can_edit)
    if audit.status not in ("approved", "in_progress", "reporting"):
        flash("Actions are added once the terms are approved and before the audit closes.", "error")
        return redirect(url_for(".audit", audit_id=audit.id))
    return raise_page(
        source_type="thematic_audit",
        source_id=audit.id,
        source_label=f"{audit.reference}, {audit.title}",
        back_url=url_for(".audit", audit_id=audit.id),
        caption=f"{audit.reference} · {audit.title}",
    )


@bp.get("/<int:audit_id>/print")
@login_required
def print_view(audit_id):
    audit = _audit(audit_id)
    paper = services.paper(audit)
    return render_template(
        "thematic/print.html",
        audit=audit,
        terms=services.readable(paper.terms),
        paper=paper,
        actions=_actions(audit),
        kinds=FINDING_KINDS,
    )


@bp.get("/<int:audit_id>.docx")
@login_required
def docx(audit_id):
    audit = _audit(audit_id)
    body = exports.docx_bytes(
        audit,
        services.paper(audit),
        _actions(audit),
        downloaded_by=current_user.name,
    )
    return docx_response(body, f"{audit.reference}.docx")


@bp.get("/<int:audit_id>.xlsx")
@login_required
def workbook(audit_id):
    audit = _audit(audit_id)
    columns, rows, sheets = exports.audit_sheets(
        audit, services.paper(audit).terms, _actions(audit)
    )
    return send_workbook(
        f"{audit.reference}.xlsx",
        "Terms of reference",
        columns,
        rows,
        sheets=sheets,
        about=About(
            f"Thematic audit {audit.reference}: {audit.title}",
            period=f"{years.year_label(audit.plan_year)}, quarter {audit.quarter}",
        ),
    )


# -- themes ----------------------------------------------------------------------------------


THEMES = KeptList(
    "theme", Theme, "theme", "Themes", "The subjects thematic audits are chosen from."
)


@bp.route("/themes", methods=["GET", "POST"])
@requires(services.can_manage_themes)
def themes():
    forms = {THEMES.key: entry_form(THEMES)}
    if request.method == "POST" and (done := handle_post([THEMES], forms, url_for(".themes"))):
        return done
    return render_template(
        "thematic/themes.html",
        kept=THEMES,
        form=forms[THEMES.key],
        themes=entries([THEMES])[THEMES.key],
        can_view=services.can_view(current_user),
    )
