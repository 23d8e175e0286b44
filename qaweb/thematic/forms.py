from wtforms import FieldList
from wtforms.validators import ValidationError

from qaweb.core.forms import (
    CheckboxesField,
    DateField,
    IdSelectField,
    MaxLength,
    OnceForm,
    RadioField,
    Required,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    VersionedForm,
    WholeNumberField,
    choices,
    decision_form,
)
from qaweb.core.lists import FilterForm
from qaweb.organisation.forms import teams_outside
from qaweb.thematic.models import FINDING_KINDS, METHODS, PROMPTS, SAMPLE_METHODS, STATUSES

MAX_LINES = 20


class TermsForm(VersionedForm):
    title = StringField("Title", validators=[Required("Enter a title"), MaxLength(200, "Title")])
    theme_id = IdSelectField("Theme")
    context = TextAreaField(
        "Why this audit, and why now",
        description="The context, and what the QA Operational Group wants to know",
        validators=[MaxLength(10000, "Why this audit")],
    )
    prompted_by = CheckboxesField("What prompted it", choices=choices(PROMPTS.items()))
    areas = CheckboxesField("Service areas in scope")
    teams = CheckboxesField("Teams in scope", description="Leave empty for every team in the areas")
    period_from = DateField("Period covered from")
    period_to = DateField("Period covered to")
    cohort = StringField(
        "Cohort",
        description="For example, children on a child protection plan for neglect for over a year",
        validators=[MaxLength(500, "Cohort")],
    )
    sample_method = RadioField(
        "How cases are chosen", choices=choices(SAMPLE_METHODS.items()), default="none"
    )
    sample_size = WholeNumberField("Sample size", description="The number of cases")
    lines = FieldList(
        StringField("Line of enquiry", validators=[MaxLength(500, "A line of enquiry")]),
        min_entries=1,
        max_entries=200,  # more than MAX_LINES is refused with a message, not cut off
    )
    methodology = CheckboxesField("Methodology", choices=choices(METHODS.items()))
    tool_version_id = SelectField("Audit tool", default="")
    lead_id = SelectField("Lead", description="Usually the principal social worker", default="")
    members = TextAreaField(
        "Audit team",
        description="Practice consultants and invited managers, one a line",
        validators=[MaxLength(2000, "Audit team")],
    )
    start_on = DateField("Start")
    fieldwork_end_on = DateField("Fieldwork ends")
    report_due_on = DateField("Report due")
    board_on = DateField("Presented to the QA Board")
    submit = SubmitField("Save the terms of reference")

    def validate_lines(self, field):
        filled = [e for e in field.entries if (e.data or "").strip()]
        if not filled:
            raise ValidationError("Enter at least one key line of enquiry")
        if len(filled) > MAX_LINES:
            raise ValidationError(f"Enter no more than {MAX_LINES} key lines of enquiry")

    def validate_teams(self, field):
        outside = teams_outside(field.data or [], self.areas.data or [])
        if outside:
            names = ", ".join(t.name for t in outside)
            raise ValidationError(
                f"Teams in scope must be in the service areas in scope: {names} "
                f"{'is' if len(outside) == 1 else 'are'} not"
            )

    def validate_period_to(self, field):
        if field.data and self.period_from.data and field.data < self.period_from.data:
            raise ValidationError("Period covered to must be the same as or after the start")

    def validate_fieldwork_end_on(self, field):
        if field.data and self.start_on.data and field.data < self.start_on.data:
            raise ValidationError("Fieldwork ends must be the same as or after the start")

    def validate_report_due_on(self, field):
        earlier = self.fieldwork_end_on.data or self.start_on.data
        if field.data and earlier and field.data < earlier:
            raise ValidationError("Report due must be the same as or after fieldwork ends")

    def validate_sample_size(self, field):
        chosen = self.sample_method.data in ("random", "chosen")
        if chosen and not field.data:
            raise ValidationError("Enter the sample size, as a case sample is chosen")
        if field.data is not None and not 1 <= field.data <= 5000:
            raise ValidationError("Sample size must be between 1 and 5000")


class PlanEntryForm(OnceForm):
    title = StringField("Title", validators=[Required("Enter a title"), MaxLength(200, "Title")])
    quarter = SelectField("Quarter", validators=[Required("Select the quarter")])
    theme_id = IdSelectField("Theme")
    submit = SubmitField("Add to the forward plan")


DecisionForm = decision_form(
    "Approve the terms of reference",
    "Return them with comments",
    "Select whether you approve or return the terms",
    "the terms come back",
)


class FindingForm(OnceForm):
    kind = SelectField(
        "Kind of finding",
        choices=choices(FINDING_KINDS.items(), blank=""),
        validators=[Required("Select the kind of finding")],
    )
    text = TextAreaField(
        "Finding", validators=[Required("Enter the finding"), MaxLength(5000, "The finding")]
    )
    evidence = TextAreaField("Evidence", validators=[MaxLength(10000, "Evidence")])
    submit = SubmitField("Add the finding")


class ThematicFilterForm(FilterForm):
    q = StringField("Search", description="Words in the title")
    year = SelectField("Plan year", default="")
    status = SelectField(
        "Status", choices=choices(STATUSES.items(), blank="Any status"), default=""
    )
    theme = SelectField("Theme", default="")
