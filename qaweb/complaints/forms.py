from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from qaweb.complaints.models import (
    COMPLAINANTS,
    COMPLIMENT_SOURCES,
    HOW,
    LINK_REASONS,
    NOT_ACCEPTED,
    OMBUDSMAN_DECISIONS,
    OUTCOMES,
    PERSON_KINDS,
    PROCEDURES,
)
from qaweb.core.forms import (
    BooleanField,
    CheckboxesField,
    DateField,
    HiddenField,
    IdentifierField,
    IdSelectField,
    MaxLength,
    NotInFuture,
    OnceForm,
    RadioField,
    Required,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    VersionedForm,
    choices,
    reason_form,
)
from qaweb.core.imports import upload_field
from qaweb.core.lists import FilterForm
from qaweb.organisation.forms import AreaAndTeam


class ComplaintForm(AreaAndTeam, OnceForm, VersionedForm):
    received_on = DateField(
        "Date received",
        validators=[
            Required("Enter the date the complaint was received"),
            NotInFuture("Date received"),
        ],
    )
    received_how = SelectField(
        "How it was made",
        choices=choices(HOW.items(), blank=""),
        validators=[Required("Select how the complaint was made")],
    )
    complainant_type = SelectField(
        "Who complained",
        choices=choices(COMPLAINANTS.items(), blank=""),
        validators=[Required("Select who complained")],
    )
    complainant_name = StringField(
        "Complainant's name",
        validators=[Required("Enter the complainant's name"), MaxLength(200, "Name")],
    )
    complainant_contact = TextAreaField(
        "Complainant's contact details",
        description="Address, phone or email",
        validators=[MaxLength(1000, "Contact details")],
    )
    child_reference = IdentifierField(
        "Child's case reference",
        description="The case number only, never a child's name",
        validators=[MaxLength(40, "Case reference")],
    )
    service_area_id = IdSelectField("Service area")
    team_id = IdSelectField("Team")
    staff_involved = StringField(
        "Staff involved (optional)", validators=[MaxLength(500, "Staff involved")]
    )
    categories = CheckboxesField(
        "Categories", validators=[Required("Select at least one category")]
    )
    summary = TextAreaField(
        "Summary of the complaint",
        validators=[Required("Enter a summary of the complaint"), MaxLength(10000, "Summary")],
    )
    outcome_wanted = TextAreaField(
        "What the complainant wants to happen", validators=[MaxLength(5000, "Outcome wanted")]
    )
    advocate_offered = BooleanField("An advocate was offered")
    advocate_used = BooleanField("An advocate helped the complainant")
    procedure = RadioField(
        "Procedure",
        choices=choices(PROCEDURES.items()),
        default="statutory",
        validators=[Required("Select the procedure")],
    )
    submit = SubmitField("Save the complaint")

    def validate_child_reference(self, field):
        if field.data and " " in field.data.strip() and not any(c.isdigit() for c in field.data):
            raise ValidationError("Enter the case reference (a number), not a name")


class StageForm(VersionedForm):
    acknowledged_on = DateField("Acknowledged on", validators=[NotInFuture("Acknowledged on")])
    panel_on = DateField("Review panel met on", validators=[NotInFuture("Review panel date")])
    report_on = DateField("Panel report received on", validators=[NotInFuture("Panel report date")])
    responded_on = DateField("Response sent on", validators=[NotInFuture("Response date")])
    outcome = SelectField(
        "Outcome", choices=choices(OUTCOMES.items(), blank="Not decided yet"), default=""
    )
    findings = TextAreaField("Findings", validators=[MaxLength(10000, "Findings")])
    remedy = TextAreaField(
        "Ombudsman's decision and remedy", validators=[MaxLength(5000, "Remedy")]
    )
    ombudsman_decision = SelectField(
        "Ombudsman's decision",
        description="As the Ombudsman's decision letter puts it",
        choices=choices(OMBUDSMAN_DECISIONS.items(), blank="No decision yet"),
        default="",
    )
    handler_id = IdSelectField("Handled by")
    submit = SubmitField("Save the stage")

    def validate_responded_on(self, field):
        if field.data and not self.outcome.data:
            raise ValidationError("Select the outcome of the stage with its response")


ExtendForm = reason_form(
    "Reason for the extension",
    "Enter the reason for the extension",
    submit="Extend the deadline",
    name="ExtendForm",
)


class EscalateForm(VersionedForm):
    started_on = DateField(
        "Date the request was received",
        validators=[
            Required("Enter the date the request was received"),
            NotInFuture("Date of the request"),
        ],
    )
    late_reason = TextAreaField(
        "Why a late request is accepted",
        description="Only if the request came after the time allowed",
        validators=[MaxLength(2000, "Reason")],
    )
    handler_id = IdSelectField("Handled by")
    submit = SubmitField("Escalate")


class CloseForm(VersionedForm):
    closed_on = DateField(
        "Date closed", validators=[Required("Enter the date closed"), NotInFuture("Date closed")]
    )
    submit = SubmitField("Close the complaint")


class LearningForm(VersionedForm):
    learning = TextAreaField("What was learned", validators=[MaxLength(10000, "Learning")])
    practice_change = BooleanField("Practice will change")
    policy_change = BooleanField("Policy will change")
    submit = SubmitField("Save the learning")


class NotAcceptedForm(VersionedForm):
    not_accepted_on = DateField(
        "Date decided",
        validators=[Required("Enter the date it was decided"), NotInFuture("Date decided")],
    )
    not_accepted_reason = RadioField(
        "Why the complaint was not accepted",
        choices=choices(NOT_ACCEPTED.items()),
        validators=[Required("Select why the complaint was not accepted")],
    )
    not_accepted_note = TextAreaField(
        "Note (optional)",
        description="What the complainant was told; no names",
        validators=[MaxLength(2000, "Note")],
    )
    submit = SubmitField("Record as not accepted")

    def validate_not_accepted_note(self, field):
        if self.not_accepted_reason.data == "other" and not (field.data or "").strip():
            raise ValidationError("Enter the reason the complaint was not accepted")


class SelfAssessmentForm(VersionedForm):
    text = TextAreaField(
        "Self-assessment",
        description=(
            "How the council handled complaints this year against the Ombudsman's complaint "
            "handling code: what went well, what did not, what will change. No names."
        ),
        validators=[MaxLength(20000, "Self-assessment")],
    )
    submit = SubmitField("Save the self-assessment")


class ComplimentForm(AreaAndTeam, OnceForm):
    received_on = DateField(
        "Date received",
        validators=[Required("Enter the date received"), NotInFuture("Date received")],
    )
    source = SelectField(
        "From",
        choices=choices(COMPLIMENT_SOURCES.items(), blank=""),
        validators=[Required("Select who the compliment is from")],
    )
    external = RadioField(
        "External or internal",
        choices=choices([("external", "External (counted in reports)"), ("internal", "Internal")]),
        default="external",
        validators=[Required("Select external or internal")],
    )
    service_area_id = IdSelectField("Service area")
    team_id = IdSelectField("Team")
    staff_named = StringField("Staff named", validators=[MaxLength(500, "Staff named")])
    valued = TextAreaField(
        "What was valued",
        description="Their words",
        validators=[Required("Enter what was valued"), MaxLength(10000, "What was valued")],
    )
    themes = CheckboxesField("Themes")
    consent_to_share = BooleanField("They agreed it can be shared")
    shared_on = DateField("Shared with the team on", validators=[NotInFuture("Shared on")])
    submit = SubmitField("Save the compliment")


class ComplaintFilterForm(FilterForm):
    q = StringField("Search", description="Reference, case reference or words in the summary")
    status = SelectField(
        "Status",
        choices=choices([("open", "Open"), ("closed", "Closed"), ("all", "All")]),
        default="open",
    )
    stage = SelectField(
        "Current stage",
        choices=choices(
            [("1", "Stage 1"), ("2", "Stage 2"), ("3", "Stage 3"), ("4", "Ombudsman")],
            blank="Any stage",
        ),
        default="",
    )
    area = SelectField("Service area", default="")
    overdue = BooleanField("Only overdue")


class ClosureDayForm(FlaskForm):
    kind = RadioField(
        "Which list",
        choices=choices(
            [
                ("bank_holiday", "Extra bank holiday (stops every clock, the statutory one too)"),
                ("closure", "Council closure day (corporate procedure and council targets only)"),
            ]
        ),
        validators=[Required("Choose extra bank holiday or council closure day")],
    )
    day = DateField("Date", validators=[Required("Enter the date")])
    reason = StringField(
        "Reason",
        description="For example, a bank holiday announced at short notice, or council "
        "closure between Christmas and New Year",
        validators=[Required("Enter the reason"), MaxLength(200, "Reason")],
    )
    submit = SubmitField("Add the day")


# -- points of complaint, people, links --------------------------------------------------------


class NewPointsMixin:
    """The "log a complaint" form's optional statement of complaint, one point a line."""

    points = TextAreaField(
        "Points of complaint (optional)",
        description="One point a line, in the order the complainant made them; they are "
        "numbered for you. You can add, change and reorder them later.",
        validators=[MaxLength(20000, "Points of complaint")],
    )


class NewComplaintForm(NewPointsMixin, ComplaintForm):
    pass


class MovePointForm(VersionedForm):
    """ "Move up" / "Move down" on the points page: a button, under the complaint's version."""

    direction = HiddenField()


class PointForm(VersionedForm):
    text = TextAreaField(
        "Point of complaint",
        validators=[Required("Enter the point of complaint"), MaxLength(2000, "A point")],
    )
    submit = SubmitField("Save the point")


class NewPointForm(VersionedForm):
    text = TextAreaField(
        "Add a point",
        validators=[Required("Enter the point of complaint"), MaxLength(2000, "A point")],
    )
    submit = SubmitField("Add the point")


def stage_form_class(stage):
    """The stage form for ``stage``: with one outcome question per point of complaint when
    the complaint has points (Stages 1 to 3), the stage's own outcome then offering only
    what answers no point (withdrawn, resolved without investigation)."""
    from qaweb.complaints.models import POINT_OUTCOMES, WITHOUT_POINTS
    from qaweb.complaints.points import POINT_STAGES

    points = stage.complaint.points if stage.stage in POINT_STAGES else []
    if not points:
        return StageForm
    fields = {
        "outcome": SelectField(
            "Outcome",
            description="Worked out from the points' outcomes, unless the complaint was "
            "withdrawn or resolved without investigation",
            choices=choices(
                [(key, OUTCOMES[key]) for key in WITHOUT_POINTS],
                blank="From the points' outcomes",
            ),
            default="",
        ),
        "point_ids": [p.id for p in points],
    }
    for point in points:
        fields[f"point_{point.id}"] = RadioField(
            f"Point {point.number}: {point.text}",
            choices=choices(POINT_OUTCOMES.items()),
            default="",
        )

    numbers = {p.id: p.number for p in points}

    def validate_responded_on(self, field):
        return None  # the stage's outcome comes from the points: see validate below

    def validate(self, extra_validators=None):
        valid = StageForm.validate(self, extra_validators)
        if self.responded_on.data and self.outcome.data not in WITHOUT_POINTS:
            for point_id in self.point_ids:
                field = self[f"point_{point_id}"]
                if not field.data and not field.errors:
                    field.errors = [
                        f"Select the outcome of point {numbers[point_id]}: every point is "
                        "answered with the response"
                    ]
                    valid = False
        return valid

    fields["validate_responded_on"] = validate_responded_on
    fields["validate"] = validate
    return type("StageForm", (StageForm,), fields)


class StagePeopleForm(VersionedForm):
    """Stage 2's people and dates, or the Stage 3 panel (the template shows the stage's)."""

    investigating_officer = StringField(
        "Investigating officer", validators=[MaxLength(200, "Investigating officer")]
    )
    investigating_officer_kind = RadioField(
        "Is the investigating officer internal or external?",
        choices=choices(PERSON_KINDS.items()),
        default="",
    )
    investigating_officer_on = DateField(
        "Date the investigating officer was appointed",
        validators=[NotInFuture("Date the investigating officer was appointed")],
    )
    independent_person = StringField(
        "Independent person", validators=[MaxLength(200, "Independent person")]
    )
    independent_person_kind = RadioField(
        "Is the independent person internal or external?",
        choices=choices(PERSON_KINDS.items()),
        default="",
    )
    independent_person_on = DateField(
        "Date the independent person was appointed",
        validators=[NotInFuture("Date the independent person was appointed")],
    )
    statement_agreed_on = DateField(
        "Date the statement of complaint was agreed",
        validators=[NotInFuture("Date the statement of complaint was agreed")],
    )
    adjudicating_officer = StringField(
        "Adjudicating officer", validators=[MaxLength(200, "Adjudicating officer")]
    )
    adjudicated_on = DateField(
        "Date of the adjudicating officer's response",
        validators=[NotInFuture("Date of the adjudicating officer's response")],
    )
    panel_chair = StringField("Chair of the panel", validators=[MaxLength(200, "Chair")])
    panel_members = TextAreaField(
        "Other panel members",
        description="One name a line",
        validators=[MaxLength(2000, "Panel members")],
    )
    submit = SubmitField("Save")


class LinkForm(FlaskForm):
    reference = StringField(
        "Reference of the complaint to link",
        description="For example, CMP-2026-0012, or its reference in an imported old log",
        validators=[Required("Enter the reference of the complaint to link, like CMP-2026-0012")],
    )
    reason = RadioField(
        "Why are they linked?",
        choices=choices(LINK_REASONS.items()),
        validators=[Required("Select why the complaints are linked")],
    )
    submit = SubmitField("Link the complaints")


def _target(stage: int, statutory: int):
    def check(form, field):
        text = (field.data or "").strip()
        if not text:
            return
        if not (text.isascii() and text.isdigit()) or int(text) == 0:
            raise ValidationError(
                f"Enter the Stage {stage} target as a whole number of working days, like 7"
            )
        if int(text) > statutory:
            raise ValidationError(
                f"The Stage {stage} target must be no more than the statutory {statutory} "
                "working days"
            )

    return check


class TargetsForm(VersionedForm):
    """The council's own response targets (core.settings), shown beside the statutory
    deadline: blank for none. Versioned by the Stage 1 target's row (``core.settings.
    save_page``), so a colleague's save in between is refused, not overwritten."""

    stage1 = StringField(
        "Stage 1 target (working days)",
        description="Blank for none. The statutory deadline is 10 working days.",
        validators=[_target(1, 10)],
    )
    stage2 = StringField(
        "Stage 2 target (working days)",
        description="Blank for none. The statutory deadline is 25 working days.",
        validators=[_target(2, 25)],
    )
    submit = SubmitField("Save the targets")


class LogImportForm(FlaskForm):
    """Upload the council's old complaints or compliments log (qaweb.complaints.log_import)."""

    kind = RadioField(
        "What the file holds",
        choices=choices((("complaints", "Complaints"), ("compliments", "Compliments"))),
        default="complaints",
        validators=[Required("Select whether the file holds complaints or compliments")],
    )
    file = upload_field(
        "The log",
        "log",
        "An .xlsx or .csv file with a header row, as in the template",
        missing="Select the log file",
    )
    submit = SubmitField("Check the file")


class ConfirmLogImportForm(FlaskForm):
    submit = SubmitField("Import the rows")
