import calendar

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileRequired
from wtforms.validators import ValidationError

from qaweb.core.forms import (
    BooleanField,
    CheckboxesField,
    Email,
    FileField,
    HiddenField,
    MaxLength,
    OnceForm,
    PasswordField,
    Required,
    SelectField,
    StringField,
    SubmitField,
    choices,
)
from qaweb.core.lists import FilterForm
from qaweb.core.permissions import ROLE_HINTS, ROLES

MIN_PASSWORD = 10


class ServiceAreaForm(OnceForm):
    version = HiddenField()
    name = StringField(
        "Name",
        description="For example, Referral and Assessment",
        validators=[Required("Enter the name of the service area"), MaxLength(120, "Name")],
    )
    active = BooleanField("In use", default=True)
    submit = SubmitField("Save service area")


class TeamForm(OnceForm):
    version = HiddenField()
    name = StringField(
        "Name", validators=[Required("Enter the name of the team"), MaxLength(120, "Name")]
    )
    service_area_id = SelectField(
        "Service area", validators=[Required("Select the service area the team belongs to")]
    )
    paired_team_id = SelectField(
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
        if field.data and self.team_id and int(field.data) == self.team_id:
            raise ValidationError("A team cannot be paired with itself")


class UserForm(OnceForm):
    version = HiddenField()
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
    team_id = SelectField("Team")
    line_manager_id = SelectField("Line manager")
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
        self.team_id.choices = choices(((t.id, t.name) for t in teams), blank="No team")
        self.line_manager_id.choices = choices(
            ((u.id, f"{u.name} ({u.job_title})") for u in managers if u.id != user_id),
            blank="No line manager",
        )

    def validate_new_password(self, field):
        if field.data and len(field.data) < MIN_PASSWORD:
            raise ValidationError(f"Password must be {MIN_PASSWORD} characters or more")


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
    file = FileField(
        "Staff list",
        description=(
            "An .xlsx or .csv file with the columns Email, First name, Last name, Team, and "
            "optionally Job title, Line manager email, Roles and Active"
        ),
        validators=[
            FileRequired("Select a staff list file"),
            FileAllowed(["xlsx", "csv"], "The staff list must be an .xlsx or .csv file"),
        ],
    )
    submit = SubmitField("Check the file")


class ConfirmImportForm(FlaskForm):
    submit = SubmitField("Import staff")


class SettingsForm(FlaskForm):
    version = HiddenField()
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
    submit = SubmitField("Save settings")
