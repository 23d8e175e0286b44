from qaweb.actions.models import STATUSES
from qaweb.core import sources
from qaweb.core.forms import (
    BooleanField,
    DateField,
    IdSelectField,
    MaxLength,
    NotInFuture,
    OnceForm,
    Required,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    VersionedForm,
    choices,
    reason_form,
)
from qaweb.core.lists import FilterForm


class ActionFilterForm(FilterForm):
    q = StringField("Search", description="Words in the action, its source or the owner's name")
    status = SelectField(
        "Status",
        choices=choices([*STATUSES.items(), ("all", "Any status")]),
        default="open",
    )
    # A text box, not a drop-down: a large council has thousands of staff. The view resolves
    # it to one person in SQL; ``owner=<id>`` links still work.
    owner = StringField(
        "Owner",
        description="Name or email address",
        validators=[MaxLength(254, "Owner")],
    )
    team = SelectField("Team", default="")
    source = SelectField("Source", default="")
    overdue = BooleanField("Only overdue actions")

    def set_choices(self, teams):
        self.team.choices = choices(((t.id, t.name) for t in teams), blank="Any team")
        self.source.choices = choices(
            ((s.key, s.label) for s in sources.all_types()), blank="Any source"
        )


class ActionForm(OnceForm, VersionedForm):
    source_type = SelectField(
        "Raised at", validators=[Required("Select where the action was raised")]
    )
    source_label = StringField(
        "Meeting or reference",
        description="For example, QA Board 12 March 2026",
        validators=[MaxLength(200, "Meeting or reference")],
    )
    description = TextAreaField(
        "What needs to be done",
        validators=[Required("Enter what needs to be done"), MaxLength(2000, "The action")],
    )
    owner = IdSelectField("Owner", validators=[Required("Select who owns the action")])
    due_on = DateField(
        "Due date",
        description="For example, 27 3 2027",
        validators=[Required("Enter the due date")],
    )
    submit = SubmitField("Save action")

    def set_choices(self, owners):
        self.owner.choices = choices(((u.id, u.label) for u in owners), blank="")
        self.source_type.choices = choices(
            ((s.key, s.label) for s in sources.all_types() if s.manual), blank=""
        )


class CompleteForm(VersionedForm):
    completed_on = DateField(
        "Date completed",
        validators=[
            Required("Enter the date the action was completed"),
            NotInFuture("Date completed"),
        ],
    )
    evidence = TextAreaField(
        "Evidence of completion",
        description="What was done and where the evidence is, for example the case note or minutes",
        validators=[
            Required("Enter the evidence that the action is complete"),
            MaxLength(4000, "Evidence"),
        ],
    )
    submit = SubmitField("Mark as completed")


CancelForm = reason_form(
    "Why is this action being cancelled?",
    "Enter why the action is being cancelled",
    submit="Cancel action",
)


class ConfirmForm(VersionedForm):
    """A bare button with a CSRF token and the version the page was showing."""


class RaiseForm(OnceForm):
    """Raise an action from another record (an audit, a complaint): what, who, by when."""

    description = TextAreaField(
        "What needs to be done",
        validators=[Required("Enter what needs to be done"), MaxLength(2000, "The action")],
    )
    owner = IdSelectField("Owner", validators=[Required("Select who owns the action")])
    due_on = DateField("Due date", validators=[Required("Enter the due date")])
    submit = SubmitField("Add the action")
