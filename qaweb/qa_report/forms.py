from qaweb.core.forms import (
    MaxLength,
    SubmitField,
    TextAreaField,
    VersionedForm,
    decision_form,
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


DecisionForm = decision_form(
    "Sign off the report",
    "Return it with comments",
    "Select whether you sign off or return the report",
    "the report comes back",
)
