from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from qaweb.core.forms import (
    MaxLength,
    RadioField,
    Required,
    SubmitField,
    TextAreaField,
    VersionedForm,
    choices,
)
from qaweb.qa_report.models import PARTS

HINTS = {
    "learned": "The findings the figures show: strengths and where practice fell short",
    "so_what": "What this means for children and families, and for the service",
    "next": "What will change, who will do it and by when (actions go in the tracker)",
}


class AnalysisForm(VersionedForm):
    """One section's analysis: what we learned, so what, what changes next."""

    learned = TextAreaField(
        PARTS["learned"],
        description=HINTS["learned"],
        validators=[MaxLength(10000, PARTS["learned"])],
    )
    so_what = TextAreaField(
        PARTS["so_what"], description=HINTS["so_what"], validators=[MaxLength(10000, "So what")]
    )
    next = TextAreaField(
        PARTS["next"], description=HINTS["next"], validators=[MaxLength(10000, PARTS["next"])]
    )
    submit = SubmitField("Save the analysis")


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Your decision",
        choices=choices(
            [("approve", "Sign off the report"), ("return", "Return it with comments")]
        ),
        validators=[Required("Select whether you sign off or return the report")],
    )
    comments = TextAreaField(
        "Comments",
        description="Required when returning: say what needs to change",
        validators=[MaxLength(5000, "Comments")],
    )
    submit = SubmitField("Record the decision")

    def validate_comments(self, field):
        if self.decision.data == "return" and not (field.data or "").strip():
            raise ValidationError("Enter what needs to change before the report comes back")
