from flask_wtf import FlaskForm
from wtforms.validators import NumberRange, Optional

from qaweb.case_audits.models import STATUSES
from qaweb.core.forms import (
    CheckboxesField,
    DateField,
    HiddenField,
    MaxLength,
    NotInFuture,
    RadioField,
    Required,
    SelectField,
    SubmitField,
    TextAreaField,
    WholeNumberField,
    choices,
)
from qaweb.core.imports import upload_field
from qaweb.core.lists import FilterForm
from qaweb.core.permissions import ROLES
from qaweb.core.samples import rules_field, seed_field


class AuditFilterForm(FilterForm):
    month = SelectField("Month", default="")
    team = SelectField("Team", default="")
    status = SelectField(
        "Status",
        choices=choices([(k, v) for k, v in STATUSES.items() if k != "swapped"], blank="Any"),
        default="",
    )


class CaseImportForm(FlaskForm):
    month = SelectField("Month the list is for", validators=[Required("Choose the month")])
    file = upload_field(
        "Case list",
        "case list",
        "An .xlsx or .csv file with the columns Case number, Case type, Team, Practitioner "
        "email, and optionally Date opened, Flags and Closed (Yes or No)",
    )
    submit = SubmitField("Check the file")


class ConfirmImportForm(FlaskForm):
    submit = SubmitField("Import the cases")


class DrawForm(FlaskForm):
    version = HiddenField()
    per_team = WholeNumberField(
        "Cases per team",
        description="Chosen at random after any rules below",
        validators=[
            Required("Enter how many cases to sample per team"),
            NumberRange(1, 50, "Cases per team must be between 1 and 50"),
        ],
    )
    rules = rules_field(
        "One a line, applied in each team: 'every child protection' takes every case of "
        "that type; '1 child in care' takes one at random"
    )
    seed = seed_field()
    submit = SubmitField("Draw the sample")


class SwapForm(FlaskForm):
    version = HiddenField()
    reason = TextAreaField(
        "Why is this case swapped out?",
        validators=[Required("Enter why the case is swapped out"), MaxLength(1000, "Reason")],
    )
    submit = SubmitField("Swap the case out")


class AllocateForm(FlaskForm):
    version = HiddenField()
    submit = SubmitField("Confirm the allocation")


UNITS = [
    ("months", "Calendar months"),
    ("calendar_days", "Calendar days"),
    ("working_days", "Working days"),
]


class SettingsForm(FlaskForm):
    version = HiddenField()
    case_audit_per_team = WholeNumberField(
        "Cases sampled per team each month",
        validators=[Required("Enter a number"), NumberRange(1, 50, "Enter 1 to 50")],
    )
    case_audit_allocation_day = WholeNumberField(
        "Day of the month audits are allocated",
        description="Wokingham allocates on the 1st, Halton on the 7th",
        validators=[Required("Enter a day"), NumberRange(1, 28, "Enter a day from 1 to 28")],
    )
    case_audit_time_to_complete = WholeNumberField(
        "Time to complete an audit",
        validators=[Required("Enter a number"), NumberRange(1, 365, "Enter 1 to 365")],
    )
    case_audit_completion_unit = SelectField("Counted in", choices=choices(UNITS))
    case_audit_days_to_moderate = WholeNumberField(
        "Days to moderate a completed audit",
        description="Halton: 10 working days; Wokingham: 2 weeks (14 calendar days)",
        validators=[Required("Enter a number"), NumberRange(1, 365, "Enter 1 to 365")],
    )
    case_audit_moderation_unit = SelectField(
        "Days to moderate counted in",
        choices=choices(UNITS[1:]),
        validators=[Required("Select calendar days or working days")],
    )
    case_audit_days_for_actions = WholeNumberField(
        "Working days to complete an audit's actions",
        validators=[Required("Enter a number"), NumberRange(1, 365, "Enter 1 to 365")],
    )
    case_audit_auditor_roles = CheckboxesField(
        "Roles in the auditor pool",
        description="Everyone holding one of these roles can be allocated audits",
        choices=choices(ROLES.items()),
        validators=[Required("Select at least one role")],
    )
    case_audit_exclude_own_team = SelectField(
        "Auditors never audit their own team's cases",
        choices=choices([("yes", "Yes"), ("no", "No")]),
    )
    case_audit_exclusion_months = WholeNumberField(
        "Months before a case can be sampled again",
        validators=[Required("Enter a number"), NumberRange(1, 60, "Enter 1 to 60")],
    )
    case_audit_reaudit_months = WholeNumberField(
        "Months after an Inadequate audit to re-audit the case",
        validators=[Required("Enter a number"), NumberRange(1, 24, "Enter 1 to 24")],
    )
    case_audit_dip_sample_months = WholeNumberField(
        "Months after an Inadequate audit to dip sample the case",
        validators=[Required("Enter a number"), NumberRange(1, 36, "Enter 1 to 36")],
    )
    case_audit_tool = SelectField(
        "Case-file audit tool",
        description="The tool new audits use. Audits already started keep their own version",
        default="",
    )
    submit = SubmitField("Save settings")


FEEDBACK_CHOICES = [
    ("given", "Given"),
    ("declined", "Declined"),
    ("not_possible", "Not possible"),
]


class RecordForm(FlaskForm):
    """What the auditor records beside the tool: sources, the child's and family's
    feedback, the conversation with the lead practitioner and the rationale (Wokingham §2
    audit method and Appendix C)."""

    version = HiddenField()
    sources_read = TextAreaField(
        "Sources read",
        description="For example the last three visits, the plan, supervision records, "
        "the chronology: give their dates",
        validators=[MaxLength(5000, "Sources read")],
    )
    child_feedback = RadioField(
        "The child's feedback", choices=choices(FEEDBACK_CHOICES), validators=[Optional()]
    )
    child_feedback_reason = TextAreaField(
        "Why the child's feedback was not obtained", validators=[MaxLength(2000, "Reason")]
    )
    child_said = TextAreaField(
        "What the child said", validators=[MaxLength(5000, "What the child said")]
    )
    family_feedback = RadioField(
        "The parents' or carers' feedback",
        choices=choices(FEEDBACK_CHOICES),
        validators=[Optional()],
    )
    family_feedback_reason = TextAreaField(
        "Why the parents' or carers' feedback was not obtained",
        validators=[MaxLength(2000, "Reason")],
    )
    family_said = TextAreaField(
        "What the parents or carers said",
        validators=[MaxLength(5000, "What the parents or carers said")],
    )
    conversation_on = DateField(
        "Date of the conversation with the lead practitioner",
        description="For example, 27 3 2027",
        validators=[Optional(), NotInFuture("The date of the conversation")],
    )
    reflections = TextAreaField(
        "Reflections from the conversation",
        validators=[MaxLength(5000, "Reflections")],
    )
    judgement = TextAreaField(
        "Your judgement",
        description="For example: the plan is good in this case",
        validators=[MaxLength(3000, "Your judgement")],
    )
    action_taken = TextAreaField(
        "The action taken",
        description="as a result of..., due to..., because...",
        validators=[MaxLength(3000, "The action taken")],
    )
    impact = TextAreaField(
        "The impact for the child",
        description="leading to..., so..., meaning that...",
        validators=[MaxLength(3000, "The impact for the child")],
    )
    submit = SubmitField("Save")


class RespondForm(FlaskForm):
    version = HiddenField()
    response = TextAreaField(
        "Your response to the audit",
        validators=[Required("Enter your response"), MaxLength(5000, "Your response")],
    )
    submit = SubmitField("Send your response")


class ReportFilterForm(FilterForm):
    start = SelectField("From", default="")
    end = SelectField("To", default="")
    area = SelectField("Service area", default="")
    grades = SelectField(
        "Grades",
        default="",
        choices=choices([("", "As audited"), ("moderated", "After moderation")]),
    )


class SummaryFilterForm(FilterForm):
    month = SelectField("Month", default="")
    team = SelectField("Team", default="")
