from flask_wtf import FlaskForm
from wtforms import FieldList, FormField
from wtforms.validators import NumberRange, Optional, ValidationError

from qaweb.core.forms import (
    BooleanField,
    CheckboxesField,
    DateField,
    HiddenField,
    MaxLength,
    NotInFuture,
    Required,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    VersionedForm,
    WholeNumberField,
    choices,
    reason_form,
)
from qaweb.core.lists import FilterForm
from qaweb.core.timefmt import today_london
from qaweb.supervision.models import STATUSES


class AuditFilterForm(FilterForm):
    q = StringField("Search", description="Supervisor's or auditor's name")
    year = SelectField("Year", default="")
    status = SelectField(
        "Status", choices=choices([*STATUSES.items()], blank="Any status"), default=""
    )
    team = SelectField("Supervisor's team", default="")
    overdue = BooleanField("Only overdue audits")


class PlanLineForm(FlaskForm):
    class Meta:
        csrf = False

    include = BooleanField("Include", default=True)
    auditor_id = HiddenField()
    supervisor_id = SelectField("Supervisor to audit", default="")
    override_reason = StringField(
        "Reason to audit again", validators=[MaxLength(300, "The reason")]
    )


class PlanForm(FlaskForm):
    due_on = DateField(
        "Due date for these audits",
        description="Usually the end of the audit year",
        validators=[Required("Enter the due date")],
    )
    lines = FieldList(FormField(PlanLineForm))
    submit = SubmitField("Confirm the plan")


class DetailsForm(VersionedForm):
    audited_on = DateField(
        "Date of the audit",
        validators=[Required("Enter the date of the audit"), NotInFuture("Date of the audit")],
    )
    files_reviewed = WholeNumberField(
        "Supervision files reviewed",
        validators=[Optional(), NumberRange(0, 500, "Supervision files reviewed must be 0 to 500")],
    )
    children_records = WholeNumberField(
        "Children's records sampled",
        validators=[Optional(), NumberRange(0, 500, "Children's records sampled must be 0 to 500")],
    )
    period_covered = StringField(
        "Period covered",
        description="For example, April to September 2026",
        validators=[MaxLength(200, "Period covered")],
    )
    strengths = TextAreaField("Strengths", validators=[MaxLength(10000, "Strengths")])
    development = TextAreaField(
        "Areas for development", validators=[MaxLength(10000, "Areas for development")]
    )
    observed_on = DateField(
        "Date a supervision session was observed",
        description="Optional: only if you observed a supervision session",
    )
    observation_notes = TextAreaField(
        "Notes of the observed session", validators=[MaxLength(10000, "Notes")]
    )
    submit = SubmitField("Save the audit details")

    def validate_observation_notes(self, field):
        if field.data and not self.observed_on.data:
            raise ValidationError("Enter the date of the observed session, or remove the notes")


class FeedbackForm(FlaskForm):
    supervisees = CheckboxesField(
        "Supervisees to ask",
        description="They each get a request in My work. The supervisor sees only the "
        "combined answers, never who said what.",
        validators=[Required("Select at least one supervisee to ask")],
    )
    due_on = DateField("Reply by", validators=[Required("Enter the date to reply by")])
    submit = SubmitField("Ask for feedback")

    def validate_due_on(self, field):
        if field.data and field.data < today_london():
            raise ValidationError("Reply by must be today or in the future")


class ReflectiveForm(VersionedForm):
    reflective_on = DateField(
        "Date of the reflective session",
        validators=[
            Required("Enter the date of the reflective session"),
            NotInFuture("Date of the reflective session"),
        ],
    )
    reflective_notes = TextAreaField(
        "Notes of the session",
        description="What was discussed with the supervisor (and their manager), and what "
        "happens next",
        validators=[Required("Enter notes of the session"), MaxLength(10000, "Notes")],
    )
    submit = SubmitField("Record the session and complete the audit")


CancelForm = reason_form(
    "Why is this audit being cancelled?",
    "Enter why the audit is being cancelled",
    submit="Cancel the audit",
)


class CoverageFilterForm(FilterForm):
    year = SelectField("Year", default="")
    area = SelectField("Service area", default="")
