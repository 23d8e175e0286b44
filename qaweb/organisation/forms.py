import calendar

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileRequired
from wtforms.validators import ValidationError

from qaweb.auth.passwords import MIN_PASSWORD, password_problem
from qaweb.core.forms import (
    BooleanField,
    CheckboxesField,
    Email,
    FileField,
    IdSelectField,
    MaxLength,
    OnceForm,
    PasswordField,
    Required,
    SelectField,
    StringField,
    SubmitField,
    VersionedForm,
    choices,
)
from qaweb.core.imports import upload_field
from qaweb.core.lists import FilterForm, as_id
from qaweb.core.permissions import ROLE_HINTS, ROLES


def teams_outside(team_ids, area_ids) -> list:
    """The teams among ``team_ids`` that are not in any of the service areas ``area_ids``
    (ids as posted; ones that are not numbers are left to the select's own check)."""
    from sqlalchemy import select

    from qaweb.extensions import db
    from qaweb.organisation.models import Team

    teams = {as_id(t) for t in team_ids} - {None}
    areas = {as_id(a) for a in area_ids} - {None}
    if not teams or not areas:
        return []
    return list(
        db.session.scalars(
            select(Team).where(Team.id.in_(teams), Team.service_area_id.not_in(areas))
        )
    )


class AreaAndTeam:
    """Form mixin for a service area select and a team select that must agree: a record
    filed under a team from another area is hidden from the service manager of the team's
    area. A team chosen with no area sets the area; a team from another area is refused."""

    def validate_team_id(self, field):
        from qaweb.extensions import db
        from qaweb.organisation.models import ServiceArea, Team

        team = db.session.get(Team, as_id(field.data)) if as_id(field.data) else None
        if team is None:
            return
        if self.service_area_id.errors:
            return  # the area is not one offered: that field says so
        if not self.service_area_id.data:
            self.service_area_id.data = team.service_area_id
            return
        area_id = as_id(self.service_area_id.data)
        if area_id is None:
            return
        if team.service_area_id != area_id:
            area = db.session.get(ServiceArea, area_id)
            raise ValidationError(
                f"{team.name} is in {team.service_area.name}, not "
                f"{area.name if area else 'the service area chosen'}: select a team in the "
                "service area, or change the service area"
            )


class ServiceAreaForm(OnceForm, VersionedForm):
    name = StringField(
        "Name",
        description="For example, Referral and Assessment",
        validators=[Required("Enter the name of the service area"), MaxLength(120, "Name")],
    )
    active = BooleanField("In use", default=True)
    submit = SubmitField("Save service area")


class TeamForm(OnceForm, VersionedForm):
    name = StringField(
        "Name", validators=[Required("Enter the name of the team"), MaxLength(120, "Name")]
    )
    service_area_id = IdSelectField(
        "Service area", validators=[Required("Select the service area the team belongs to")]
    )
    paired_team_id = IdSelectField(
        "Paired team for supervision audits",
        description="This team's managers audit the supervision of the paired team's supervisors",
    )
    active = BooleanField("In use", default=True)
    submit = SubmitField("Save team")

    def __init__(self, *args, team_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.team_id = team_id

    def set_choices(self, areas, teams):
        self.service_area_id.choices = choices(((a.id, a.name) for a in areas), blank="")
        self.paired_team_id.choices = choices(
            ((t.id, t.name) for t in teams if t.id != self.team_id), blank="Not paired"
        )

    def validate_paired_team_id(self, field):
        if field.data and self.team_id and field.data == self.team_id:
            raise ValidationError("A team cannot be paired with itself")


class UserForm(OnceForm, VersionedForm):
    first_name = StringField(
        "First name", validators=[Required("Enter the first name"), MaxLength(100, "First name")]
    )
    last_name = StringField(
        "Last name", validators=[Required("Enter the last name"), MaxLength(100, "Last name")]
    )
    email = StringField(
        "Email address",
        validators=[Required("Enter the email address"), Email(), MaxLength(254, "Email address")],
    )
    job_title = StringField("Job title", validators=[MaxLength(200, "Job title")])
    team_id = IdSelectField("Team")
    line_manager_id = IdSelectField("Line manager")
    roles = CheckboxesField(
        "Roles",
        description="Select all that apply",
        choices=choices(ROLES.items()),
        validators=[Required("Select at least one role")],
    )
    active = BooleanField(
        "Active", description="Untick when someone leaves: they can no longer sign in", default=True
    )
    new_password = PasswordField(
        "Set a password",
        description=(
            f"Leave blank to keep the current password. At least {MIN_PASSWORD} characters."
        ),
    )
    submit = SubmitField("Save user")

    def set_choices(self, teams, managers, user_id=None):
        """``managers``: person_choices(User.active, exclude_id=user_id, blank=...)."""
        self.team_id.choices = choices(((t.id, t.name) for t in teams), blank="No team")
        self.line_manager_id.choices = managers

    def validate_new_password(self, field):
        problem = field.data and password_problem(field.data)
        if problem:
            raise ValidationError(problem)


def role_hint_params():
    """Hints under each role checkbox."""
    return {"items": [{"hint": {"text": ROLE_HINTS[r]}} for r in ROLES]}


class UserFilterForm(FilterForm):
    q = StringField("Search", description="Name, email or job title")
    team = SelectField("Team", default="")
    role = SelectField("Role", choices=choices(ROLES.items(), blank="Any role"), default="")
    status = SelectField(
        "Status",
        choices=choices([("active", "Active"), ("inactive", "Deactivated"), ("all", "Everyone")]),
        default="active",
    )


class ImportForm(FlaskForm):
    file = upload_field(
        "Staff list",
        "staff list",
        "An .xlsx or .csv file with the columns Email, First name, Last name, Team, and "
        "optionally Job title, Line manager email, Roles and Active",
    )
    submit = SubmitField("Check the file")


class ConfirmImportForm(FlaskForm):
    submit = SubmitField("Import staff")


class SettingsForm(VersionedForm):
    council_name = StringField(
        "Council name",
        description="Shown in the header of every page, for example Wokingham Borough Council",
        validators=[Required("Enter the council's name"), MaxLength(120, "Council name")],
    )
    supervision_year_start_month = SelectField(
        "Supervision-audit year starts in",
        description="Usually April, so the year runs April to March",
        choices=choices((m, calendar.month_name[m]) for m in range(1, 13)),
    )
    supervisee_feedback_threshold = SelectField(
        "Supervisee replies needed before a supervisor sees the combined feedback",
        description="So that nobody's answers can be picked out",
        choices=choices((n, str(n)) for n in range(2, 11)),
    )
    complaint_reminder_days = SelectField(
        "Remind complaint handlers this many working days before a stage is due",
        description="The handler and the complaints officers are emailed once",
        choices=choices((n, str(n)) for n in range(1, 11)),
    )
    action_reminder_days = SelectField(
        "Remind action owners this many days before an action is due",
        choices=choices((n, str(n)) for n in range(1, 15)),
    )
    submit = SubmitField("Save settings")


class TemplateForm(FlaskForm):
    """The council's Word template (the page's second form, so its fields are prefixed)."""

    file = FileField(
        "Upload the council's Word template",
        description=(
            "A .docx or .dotx file from Word with the council's letterhead, logo, fonts and "
            "heading styles, smaller than 5 MB"
        ),
        validators=[
            FileRequired("Select the council's Word template"),
            FileAllowed(["docx", "dotx"], "The template must be a .docx or .dotx file"),
        ],
    )
    submit = SubmitField("Upload template")


class RemoveTemplateForm(FlaskForm):
    submit = SubmitField("Remove the template and use the built-in one")
