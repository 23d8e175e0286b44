import re

from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from qaweb.core.forms import (
    BooleanField,
    CheckboxesField,
    DateField,
    FileField,
    IdentifierField,
    IdSelectField,
    MaxLength,
    OnceForm,
    RadioField,
    Required,
    SelectField,
    StringField,
    TextAreaField,
    VersionedForm,
    WholeNumberField,
    choices,
    reason_form,
)
from qaweb.core.lists import FilterForm
from qaweb.core.permissions import ROLES
from qaweb.practice_week.models import (
    FEEDBACK_CHOICES,
    NOT_HELD_REASONS,
    OBSERVATION_STATUSES,
)
from qaweb.practice_week.services import parse_time

CASE_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/\- ]*$")
URL = re.compile(r"^https?://\S+$")


def _time(label):
    def check(form, field):
        if field.data:
            try:
                parse_time(field.data)
            except ValueError:
                raise ValidationError(f"{label} must be a time, like 9:30am or 14:00") from None

    return check


def _whole(label, low, high):
    def check(form, field):
        if field.data is not None and not low <= field.data <= high:
            raise ValidationError(f"{label} must be between {low} and {high}")

    return check


def _link(form, field):
    if field.data and not URL.match(field.data):
        raise ValidationError("Enter a web address starting with https://")


class TimedForm(FlaskForm):
    """A day with a start and an end time (London time)."""

    day = DateField("Date", validators=[Required("Enter the date")])
    starts = StringField(
        "Start time",
        validators=[Required("Enter the start time"), _time("Start time")],
    )
    ends = StringField(
        "End time",
        validators=[Required("Enter the end time"), _time("End time")],
    )

    def validate_ends(self, field):
        if self.starts.data and field.data and not self.starts.errors:
            try:
                if parse_time(field.data) <= parse_time(self.starts.data):
                    raise ValidationError("The end time must be after the start time")
            except ValueError:
                return


class WeekForm(OnceForm, VersionedForm):
    theme = StringField(
        "Theme", validators=[Required("Enter the theme of the week"), MaxLength(200, "Theme")]
    )
    starts_on = DateField("First day", validators=[Required("Enter the first day of the week")])
    ends_on = DateField("Last day", validators=[Required("Enter the last day of the week")])
    description = TextAreaField("Description", validators=[MaxLength(5000, "Description")])
    observation_tool_id = IdSelectField(
        "Observation tool", validators=[Required("Select the observation tool")]
    )
    family_tool_id = IdSelectField(
        "Family feedback tool", validators=[Required("Select the family feedback tool")]
    )
    target_roles = CheckboxesField(
        "Who is expected to observe",
        choices=choices((k, ROLES[k]) for k in ("service_manager", "team_manager", "observer")),
    )
    target_per_observer = WholeNumberField(
        "Observations each is expected to complete",
        validators=[
            Required("Enter how many observations each is expected to complete"),
            _whole("Observations each is expected to complete", 1, 20),
        ],
    )
    max_per_practitioner = WholeNumberField(
        "Times one practitioner may be observed this week",
        validators=[
            Required("Enter how many times one practitioner may be observed"),
            _whole("Times one practitioner may be observed", 1, 20),
        ],
    )

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data:
            if field.data < self.starts_on.data:
                raise ValidationError("The last day must be the same as or after the first day")
            if (field.data - self.starts_on.data).days > 27:
                raise ValidationError("A practice week can last at most 4 weeks")


class MaterialForm(OnceForm):
    title = StringField("Title", validators=[Required("Enter the title"), MaxLength(200, "Title")])
    description = TextAreaField("Short description", validators=[MaxLength(1000, "Description")])
    url = StringField("Link", validators=[MaxLength(500, "Link"), _link])
    upload = FileField("Or upload a file")


class ObservationForm(TimedForm, OnceForm, VersionedForm):
    observer_id = IdSelectField("Observer")
    practitioner_id = IdSelectField(
        "Practitioner observed", validators=[Required("Select the practitioner observed")]
    )
    meeting_type_id = IdSelectField(
        "Meeting type", validators=[Required("Select the type of meeting")]
    )
    is_virtual = BooleanField("Virtual meeting")
    place = StringField("Place or meeting link", validators=[MaxLength(200, "Place")])
    case_reference = IdentifierField(
        "Case reference",
        validators=[Required("Enter the case reference"), MaxLength(40, "Case reference")],
    )
    family_agreed = RadioField(
        "Has the family agreed to the observation?",
        choices=choices((("yes", "Yes"), ("no", "Not yet"))),
        validators=[Required("Select whether the family has agreed")],
    )
    notes = TextAreaField("Notes for the observer", validators=[MaxLength(2000, "Notes")])
    override_reason = TextAreaField(
        "Reason for booking despite the clash", validators=[MaxLength(1000, "Reason")]
    )

    def validate_case_reference(self, field):
        value = field.data or ""
        if value and (not CASE_REFERENCE.match(value) or not any(c.isdigit() for c in value)):
            raise ValidationError(
                "Enter the case number from the case record, like 123456 or CS-123456: "
                "never the child's name"
            )

    def validate_place(self, field):
        if not field.data and not self.is_virtual.data:
            raise ValidationError("Enter where the meeting is, or tick virtual meeting")


CancelForm = reason_form("Why is it cancelled?", "Enter why it is cancelled", 1000)


class NotHeldForm(VersionedForm):
    reason = RadioField(
        "Why did it not take place?",
        choices=choices(NOT_HELD_REASONS.items()),
        validators=[Required("Select why the observation did not take place")],
    )
    detail = TextAreaField("More detail", validators=[MaxLength(1000, "Detail")])

    def validate_detail(self, field):
        if self.reason.data == "other" and not (field.data or "").strip():
            raise ValidationError("Say why the observation did not take place")


class FeedbackChoiceForm(VersionedForm):
    family_feedback = RadioField("The family's feedback", choices=choices(FEEDBACK_CHOICES.items()))
    child_feedback = RadioField("The child's feedback", choices=choices(FEEDBACK_CHOICES.items()))

    def validate_child_feedback(self, field):
        if not field.data and not self.family_feedback.data:
            raise ValidationError("Select whether the family or the child gave feedback")


class ReflectionsForm(VersionedForm):
    reflections = TextAreaField(
        "The practitioner's reflections",
        validators=[
            Required("Enter the practitioner's reflections"),
            MaxLength(5000, "Reflections"),
        ],
    )
    themes = CheckboxesField("Learning themes")


class SessionForm(TimedForm, OnceForm, VersionedForm):
    title = StringField("Title", validators=[Required("Enter the title"), MaxLength(200, "Title")])
    description = TextAreaField("Description", validators=[MaxLength(2000, "Description")])
    presenters = StringField("Presenters", validators=[MaxLength(300, "Presenters")])
    facilitator_id = IdSelectField("Facilitator")
    place = StringField("Place", validators=[MaxLength(200, "Place")])
    link = StringField("Joining link", validators=[MaxLength(500, "Joining link"), _link])
    capacity = WholeNumberField(
        "Places",
        validators=[Required("Enter the number of places"), _whole("Places", 1, 500)],
    )

    def validate_place(self, field):
        if not field.data and not self.link.data:
            raise ValidationError("Enter the place, or a joining link")


class ImportForm(FlaskForm):
    upload = FileField("Schedule (.xlsx)")


class BoardFilterForm(FilterForm):
    area = SelectField("Service area")
    team = SelectField("Team")
    observer = SelectField("Observer")
    status = SelectField(
        "Status", choices=choices(OBSERVATION_STATUSES.items(), blank="Any status")
    )
