from wtforms.validators import NumberRange, Optional

from qaweb.core.forms import (
    IdSelectField,
    MaxLength,
    Required,
    SubmitField,
    TextAreaField,
    VersionedForm,
    WholeNumberField,
)


class DrawForm(VersionedForm):
    share = WholeNumberField(
        "Share of the month's completed audits to moderate (per cent)",
        description="Drawn at random after the rules below",
        validators=[
            Required("Enter the share of audits to moderate"),
            NumberRange(1, 100, "The share must be between 1 and 100 per cent"),
        ],
    )
    rules = TextAreaField(
        "Rules (optional)",
        description=(
            "One a line: 'every Inadequate' takes every audit with that overall grade; "
            "'first 2' takes each auditor's first 2 completed audits"
        ),
        validators=[MaxLength(2000, "Rules")],
    )
    seed = WholeNumberField(
        "Random seed (optional)",
        description="Leave empty for a new draw; enter a stored seed to draw the same sample",
        validators=[Optional(), NumberRange(1, 2**31 - 1, "The seed must be a positive number")],
    )
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
