from flask_wtf.file import FileAllowed
from wtforms.validators import ValidationError

from qaweb.core.forms import (
    DateField,
    FileField,
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
    choices,
)
from qaweb.core.lists import FilterForm
from qaweb.dip_samples.models import ANSWERS


class SetupForm(OnceForm):
    title = StringField(
        "Title",
        description="What the dip sample looks at, for example 'Chronologies, autumn 2026'",
        validators=[Required("Enter a title"), MaxLength(200, "Title")],
    )
    tool_version = IdSelectField(
        "Questions", validators=[Required("Select the dip-sample questions to ask")]
    )
    starts_on = DateField(
        "Period starts",
        description="For example, 1 9 2026",
        validators=[Required("Enter the day the period starts")],
    )
    ends_on = DateField(
        "Period ends",
        description="The cases are due on this day",
        validators=[Required("Enter the day the period ends")],
    )
    cases = TextAreaField(
        "Case numbers",
        description=(
            "One case a line. Add the team after a comma when the case is not on the case list, "
            "and the manager's email after another comma to choose who samples it: "
            "'1234567, Brambles, tom.reid@council.example'. Without an email, each team's "
            "manager samples its cases"
        ),
        validators=[MaxLength(200_000, "Case numbers")],
    )
    file = FileField(
        "Or upload a case list",
        description=(
            "An .xlsx or .csv file with the column Case number, and optionally Team and "
            "Sampler email (download the template below)"
        ),
        validators=[FileAllowed(["xlsx", "csv"], "The case list must be an .xlsx or .csv file")],
    )
    submit = SubmitField("Set up the dip sample")

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("The period must end on or after the day it starts")

    def validate_cases(self, field):
        typed = bool((field.data or "").strip())
        uploaded = bool(getattr(self.file.data, "filename", ""))
        if typed and uploaded:
            raise ValidationError("Type the case numbers or upload a case list, not both")
        if not typed and not uploaded:
            raise ValidationError("Type the case numbers, or upload a case list")


class EditForm(VersionedForm):
    """A dip sample's title and period, changed after set-up (its questions stay: answers
    given on them would no longer fit)."""

    title = SetupForm.title
    starts_on = SetupForm.starts_on
    ends_on = SetupForm.ends_on
    submit = SubmitField("Save the dip sample")

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("The period must end on or after the day it starts")


class AnswerForm(VersionedForm):
    note = TextAreaField(
        "Note (optional)",
        description="Anything to follow up, in a line or two. No names of children or families",
        validators=[MaxLength(2000, "The note")],
    )


def answer_form(questions: list[dict], **kwargs) -> AnswerForm:
    """The one-screen form for a case: a radio question ``q_<key>`` per question (Yes,
    Partly, No, Not applicable), the note and the version. Nothing is required to save; the
    view checks every question is answered when the case is marked done."""
    fields = {
        f"q_{q['key']}": RadioField(
            q["label"],
            description=q.get("hint") or "",
            choices=choices(ANSWERS.items()),
        )
        for q in questions
    }
    form_class = type("AnswerForm", (AnswerForm,), fields)
    return form_class(**kwargs)


class NoCasesFilterForm(FilterForm):
    """The filters of a results page's list of cases answered "No": one question, one team."""

    question = SelectField('Answered "No" to', default="")
    team = SelectField("Team", default="")

    def set_choices(self, questions: list[dict], teams: list[tuple[int, str]]) -> None:
        """Offer the sample's ``questions`` (key and label, in order) and ``teams``
        ((id, name) pairs)."""
        self.question.choices = choices(
            ((q["key"], q["label"]) for q in questions), blank="Any question"
        )
        self.team.choices = choices(teams, blank="Any team")
