from wtforms.validators import NumberRange

from qaweb.core.forms import (
    CheckboxesField,
    DateField,
    IdSelectField,
    MaxLength,
    Required,
    SubmitField,
    TextAreaField,
    VersionedForm,
    WholeNumberField,
)
from qaweb.core.samples import rules_field, seed_field


class DrawForm(VersionedForm):
    share = WholeNumberField(
        "Share of the month's completed audits to moderate (per cent)",
        description="Drawn at random after the rules below",
        validators=[
            Required("Enter the share of audits to moderate"),
            NumberRange(1, 100, "The share must be between 1 and 100 per cent"),
        ],
    )
    rules = rules_field(
        "One a line: 'every Inadequate' takes every audit with that overall grade; "
        "'first 2' takes each auditor's first 2 completed audits"
    )
    seed = seed_field()
    submit = SubmitField("Draw the moderation sample")


class SwapForm(VersionedForm):
    reason = TextAreaField(
        "Why is this audit swapped out?",
        validators=[Required("Enter why the audit is swapped out"), MaxLength(1000, "Reason")],
    )
    submit = SubmitField("Swap the audit out")


class ModeratorForm(VersionedForm):
    moderator = IdSelectField("Moderator", validators=[Required("Select the moderator")])
    submit = SubmitField("Name the moderator")


class StepForm(VersionedForm):
    pass


class MeetingForm(VersionedForm):
    held_on = DateField(
        "Date of the meeting", validators=[Required("Enter the date of the meeting")]
    )
    chair = IdSelectField(
        "Chair",
        description="For example the Principal Social Worker",
        validators=[Required("Select the chair")],
    )
    members = CheckboxesField("Members", description="Practice consultants and others at the panel")
    notes = TextAreaField("Notes (optional)", validators=[MaxLength(5000, "Notes")])
    lines = CheckboxesField(
        "Moderated audits the panel considers",
        description="Submitted moderations not yet confirmed by a panel",
    )
    submit = SubmitField("Save the panel meeting")


class OutcomeForm(VersionedForm):
    """The panel's outcome for one moderated audit. A page adds an agreed grade and a reason
    per graded section (``outcome_form``); these are the overall grade and the feedback."""

    good_practice = TextAreaField(
        "Good practice in the audit",
        description="Feedback for the auditor",
        validators=[MaxLength(5000, "Good practice")],
    )
    development_areas = TextAreaField(
        "Development areas for the auditor",
        validators=[MaxLength(5000, "Development areas")],
    )
    practice_comments = TextAreaField(
        "Comments on the practice in the case",
        validators=[MaxLength(5000, "Comments on the practice")],
    )
    learning_points = TextAreaField(
        "Organisational learning points",
        description="Read in the QA report's learning themes",
        validators=[MaxLength(5000, "Learning points")],
    )
    submit = SubmitField("Save the panel's outcome")


def outcome_form(rows, grade_choices, formdata=None, **data):
    """An OutcomeForm with an agreed grade (``grade_<key>``) and a reason (``reason_<key>``)
    for each of ``rows`` (``panel.section_grades``), the overall grade last."""

    class Form(OutcomeForm):
        pass

    for row in rows:
        label = "Agreed overall grade" if row.key == "overall" else f"Agreed grade: {row.title}"
        setattr(Form, f"grade_{row.key}", IdSelectField(label, choices=grade_choices))
        setattr(
            Form,
            f"reason_{row.key}",
            TextAreaField(
                "Reason for the change"
                if row.key != "overall"
                else "Reason for the change to the overall grade",
                description="Needed when the agreed grade differs from the auditor's",
                validators=[MaxLength(2000, "Reason")],
            ),
        )
    Form.__name__ = Form.__qualname__ = "OutcomeForm"
    return Form(formdata=formdata, **data)
