import calendar
import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from qaweb.core import council_template, submissions
from qaweb.core import settings as setting_labels
from qaweb.core.excel import About, send_workbook
from qaweb.core.history import history_for, save_versioned
from qaweb.core.import_template import send_import_template
from qaweb.core.imports import confirm_import, preview_context, stage_upload
from qaweb.core.lists import render_list
from qaweb.core.permissions import ADMIN, roles_required
from qaweb.core.settings import Setting, get_setting, save_page
from qaweb.core.word import DOCX_TYPE, NEEDED_STYLES, TemplateError
from qaweb.extensions import db
from qaweb.organisation import exports, listing, services, staff_import
from qaweb.organisation.forms import (
    ConfirmImportForm,
    ImportForm,
    RemoveTemplateForm,
    ServiceAreaForm,
    SettingsForm,
    TeamForm,
    TemplateForm,
    UserFilterForm,
    UserForm,
    role_hint_params,
)
from qaweb.organisation.models import ServiceArea, Team, User

bp = Blueprint("organisation", __name__, url_prefix="/admin")

admin_only = roles_required(ADMIN)
SAVE_ERRORS = (services.DuplicateError,)


@bp.get("/")
@admin_only
def index():
    return render_template("organisation/index.html")


# -- service areas -----------------------------------------------------------------------


@bp.get("/service-areas")
@admin_only
def service_areas():
    return render_template("organisation/service_areas.html", areas=services.service_areas())


@bp.route("/service-areas/new", methods=["GET", "POST"])
@bp.route("/service-areas/<int:area_id>/edit", methods=["GET", "POST"])
@admin_only
def service_area_form(area_id=None):
    area = db.get_or_404(ServiceArea, area_id) if area_id else ServiceArea(active=True)
    form = ServiceAreaForm(obj=area)
    problem = None
    if form.validate_on_submit():
        if area.id is None and (repeat := submissions.repeat_of(db.session, form)) is not None:
            return repeat
        problem = _save(
            area,
            form,
            lambda: services.save_service_area(area, form),
            lambda: url_for(".service_areas"),
        )
        if problem is None:
            flash(f"Service area {area.name} saved.", "success")
            return redirect(url_for(".service_areas"))
        if not problem.stale:
            form.name.errors.append(problem)
            problem = None
    return render_template(
        "organisation/service_area_form.html",
        form=form,
        area=area,
        problem=problem,
        history=history_for(db.session, area) if area.id else [],
    )


#: What a person is told when someone else saved the same name (or email) a moment earlier.
DUPLICATES = {
    ServiceArea: "There is already a service area with this name",
    Team: "There is already a team with this name",
    User: "Someone already has this email address",
}


def _save(record, form, apply, shown_at):
    """Save a new or changed record; a new one notes its one-time form key's page
    (``shown_at()``), so the same Add form posted again is sent there."""
    new = record.id is None

    def apply_and_note():
        apply()
        if new:
            submissions.saved(db.session, form, shown_at())

    return save_versioned(
        db.session,
        record,
        form,
        apply_and_note,
        SAVE_ERRORS,
        duplicate=DUPLICATES[type(record)],
    )


# -- teams -------------------------------------------------------------------------------


@bp.get("/teams")
@admin_only
def teams():
    return render_template("organisation/teams.html", teams=services.team_rows())


@bp.route("/teams/new", methods=["GET", "POST"])
@bp.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
@admin_only
def team_form(team_id=None):
    team = db.get_or_404(Team, team_id) if team_id else Team(active=True)

    def make_form(**kwargs):
        form = TeamForm(obj=team, team_id=team.id, **kwargs)
        form.set_choices(services.service_areas(), services.teams())
        return form

    form = make_form()
    if request.method == "GET" and team.id:
        form.service_area_id.data = team.service_area_id
        form.paired_team_id.data = team.paired_team_id
    problem = None
    if form.validate_on_submit():
        if team.id is None and (repeat := submissions.repeat_of(db.session, form)) is not None:
            return repeat
        problem = _save(
            team, form, lambda: services.save_team(team, form), lambda: url_for(".teams")
        )
        if problem is None:
            flash(f"Team {team.name} saved.", "success")
            return redirect(url_for(".teams"))
        if not problem.stale:
            form.name.errors.append(problem)
            problem = None
    return render_template(
        "organisation/team_form.html",
        form=form,
        team=team,
        problem=problem,
        history=history_for(db.session, team) if team.id else [],
    )


# -- people ------------------------------------------------------------------------------


def _user_filters():
    form = UserFilterForm()
    from qaweb.core.forms import choices

    form.team.choices = choices(services.team_options(), blank="Any team")
    return form, form.cleaned()


@bp.get("/users")
@admin_only
def users():
    form, filters = _user_filters()
    return render_list(
        "organisation/users.html",
        form,
        services.people_filtered(filters),
        ".users",
        ".users_export",
        rows=listing.LIST_ROWS,
    )


@bp.get("/users/export.xlsx")
@admin_only
def users_export():
    form, filters = _user_filters()
    return send_workbook(
        "staff.xlsx",
        "Staff",
        exports.COLUMNS,
        exports.rows(services.people_filtered(filters)),
        about=About("Staff", filters=form.labels()),
    )


@bp.get("/users/<int:user_id>")
@admin_only
def user_detail(user_id):
    user = db.get_or_404(User, user_id)
    return render_template(
        "organisation/user_detail.html", user=user, history=history_for(db.session, user)
    )


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_only
def user_form(user_id=None):
    user = db.get_or_404(User, user_id) if user_id else User(active=True)

    def make_form(**kwargs):
        form = UserForm(obj=user, **kwargs)
        form.set_choices(
            services.teams(),
            services.person_choices(User.active, exclude_id=user.id, blank="No line manager"),
        )
        return form

    def load_current(form):
        form.team_id.data = user.team_id
        form.line_manager_id.data = user.line_manager_id
        form.roles.data = sorted(user.roles)

    form = make_form()
    if request.method == "GET":
        load_current(form)
    problem = None
    if form.validate_on_submit():
        if user.id is None and (repeat := submissions.repeat_of(db.session, form)) is not None:
            return repeat
        method = current_app.config["PASSWORD_HASH_METHOD"]
        problem = _save(
            user,
            form,
            lambda: services.save_user(user, form, method),
            lambda: url_for(".user_detail", user_id=user.id),
        )
        if problem is None:
            flash(f"{user.name} saved.", "success")
            return redirect(url_for(".user_detail", user_id=user.id))
        if not problem.stale:
            form.email.errors.append(problem)
            problem = None
    return render_template(
        "organisation/user_form.html",
        form=form,
        user=user,
        problem=problem,
        role_params=role_hint_params(),
    )


# -- staff import ------------------------------------------------------------------------


@bp.route("/users/import", methods=["GET", "POST"])
@admin_only
def import_staff():
    form = ImportForm()
    if form.validate_on_submit():
        staged = stage_upload(
            form,
            staff_import.LIMITS,
            lambda filename, data: staff_import.stage(filename, data, current_user),
        )
        if staged is not None:
            return redirect(url_for(".import_preview", import_id=staged.id))
    return render_template("organisation/import.html", form=form)


@bp.get("/users/import-template.xlsx")
@admin_only
def import_template():
    return send_import_template(
        "staff-import-template.xlsx",
        "Staff",
        staff_import.template_columns(),
        staff_import.TEMPLATE_INSTRUCTIONS,
    )


@bp.route("/users/import/<int:import_id>", methods=["GET", "POST"])
@admin_only
def import_preview(import_id):
    staged = db.get_or_404(staff_import.StaffImport, import_id)
    form = ConfirmImportForm()
    if (totals := confirm_import(form, staged, staff_import.apply)) is not None:
        flash(
            f"Staff imported: {totals['new']} added, {totals['update']} updated, "
            f"{totals['unchanged']} unchanged.",
            "success",
        )
        return redirect(url_for(".users"))
    return render_template(
        "organisation/import_preview.html",
        staged=staged,
        **preview_context(staged.rows, staff_import.totals),
        form=form,
    )


# -- settings ----------------------------------------------------------------------------

SETTING_KEYS = (
    "council_name",
    "supervision_year_start_month",
    "supervisee_feedback_threshold",
    "complaint_reminder_days",
    "action_reminder_days",
)


@bp.route("/settings", methods=["GET", "POST"])
@admin_only
def settings():
    setting = db.session.scalar(db.select(Setting).where(Setting.key == "council_name"))

    def current(**kwargs):
        values = {key: get_setting(key) for key in SETTING_KEYS}
        return SettingsForm(**kwargs, **values, version=getattr(setting, "version", ""))

    form = current()
    problem = None
    if form.validate_on_submit():
        # A setting not on the posted form is kept.
        posted = {k: form[k].data for k in SETTING_KEYS if form[k].data not in (None, "")}
        # The council-name row carries the version counter for the page.
        problem = save_page(form, "council_name", posted)
        if problem is None:
            flash("Settings saved.", "success")
            return redirect(url_for(".settings"))
    return _settings_page(form, problem=problem)


def _settings_page(form, problem=None, template_form=None):
    return render_template(
        "organisation/settings.html",
        form=form,
        problem=problem,
        history=_settings_history(),
        template=council_template.current(),
        template_form=template_form or TemplateForm(prefix="template"),
        remove_form=RemoveTemplateForm(prefix="remove"),
        needed_styles=NEEDED_STYLES,
    )


def _settings_form():
    setting = db.session.scalar(db.select(Setting).where(Setting.key == "council_name"))
    values = {key: get_setting(key) for key in SETTING_KEYS}
    return SettingsForm(formdata=None, **values, version=getattr(setting, "version", ""))


@bp.post("/settings/template")
@admin_only
def upload_template():
    """Check the uploaded template and build every paper on it from now on; a refusal
    (too large, not Word, crafted, a style missing) is shown on the settings page."""
    form = TemplateForm(prefix="template")
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(council_template.MAX_FILE + 1)
        try:
            template = council_template.save(upload.filename, data, current_user)
        except TemplateError as error:
            form.file.errors.append(str(error))
        else:
            db.session.commit()
            flash(
                f"Papers are now built on “{template.filename}”. Download a paper to check it.",
                "success",
            )
            return redirect(url_for(".settings") + "#template")
    return _settings_page(_settings_form(), template_form=form)


@bp.get("/settings/template.docx")
@admin_only
def download_template():
    template = council_template.current()
    if template is None:
        abort(404)
    # Stored as a .docx whatever it was uploaded as; send_file writes any name safely.
    stem = template.filename.rsplit(".", 1)[0] or "template"
    return send_file(
        io.BytesIO(template.content),
        mimetype=DOCX_TYPE,
        as_attachment=True,
        download_name=f"{stem}.docx",
    )


@bp.post("/settings/template/remove")
@admin_only
def remove_template():
    form = RemoveTemplateForm(prefix="remove")
    if form.validate_on_submit():
        removed = council_template.remove(current_user)
        db.session.commit()
        if removed is not None:
            flash(
                f"“{removed.filename}” removed: papers are built on the built-in A4 template.",
                "success",
            )
    return redirect(url_for(".settings") + "#template")


def _settings_history():
    """The history of every setting on the page, newest first, each change named by the
    setting's label ("Council name: A → B"), never by its key."""
    rows = db.session.scalars(db.select(Setting).where(Setting.key.in_(SETTING_KEYS)))
    entries = []
    for row in rows:
        name = setting_labels.NAMES.get(row.key, row.key)
        for entry in history_for(db.session, row):
            value = entry.display.get("Value")
            if value and row.key == "supervision_year_start_month":
                value = [calendar.month_name[int(v)] if v.isdigit() else v for v in value]
            entry.display = {name: value} if value else {}
            if entry.display:
                entries.append(entry)
    return sorted(entries, key=lambda e: e.id, reverse=True)
