from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qaweb.core.db import Base, CouncilList, Timestamped, UTCDateTime, Versioned, utcnow
from qaweb.core.history import Tracked
from qaweb.organisation.models import ServiceArea, Team, User

HOW = {
    "email": "Email",
    "phone": "Phone",
    "letter": "Letter",
    "web": "Web form",
    "in_person": "In person",
}
COMPLAINANTS = {
    "child": "Child or young person",
    "parent": "Parent",
    "parental_responsibility": "Person with parental responsibility",
    "foster_carer": "Foster carer",
    "special_guardian": "Special guardian",
    "care_leaver": "Care leaver",
    "advocate": "Advocate on someone's behalf",
    "other": "Other with sufficient interest",
}
PROCEDURES = {"statutory": "Statutory children's procedure", "corporate": "Corporate procedure"}
STAGES = {
    1: "Stage 1: local resolution",
    2: "Stage 2: investigation",
    3: "Stage 3: review panel",
    4: "Local Government and Social Care Ombudsman",
}
OUTCOMES = {
    "upheld": "Upheld",
    "partly_upheld": "Partially upheld",
    "not_upheld": "Not upheld",
    "withdrawn": "Withdrawn",
    "resolved": "Resolved without investigation",
    "unable": "Unable to determine",
}
#: The outcome of one point of complaint at a stage (Ombudsman guidance: every point is
#: answered). The stage's outcome is derived from them: ``services.derived_outcome``.
POINT_OUTCOMES = {
    "upheld": "Upheld",
    "partly_upheld": "Partially upheld",
    "not_upheld": "Not upheld",
    "unable": "Unable to determine",
}
#: Outcomes a stage with points may have without an outcome for each point.
WITHOUT_POINTS = ("withdrawn", "resolved")
PERSON_KINDS = {"internal": "Internal", "external": "External"}
LINK_REASONS = {"family": "Same family", "matter": "Same matter"}
#: Why a complaint was not accepted under the procedure; counted in the annual report.
NOT_ACCEPTED = {
    "out_of_time": "Made more than a year after the matter and not accepted late (regulation 9)",
    "not_eligible": "Not made by, or on behalf of, someone entitled to complain",
    "legal_proceedings": "Would prejudice court proceedings, a tribunal or a criminal enquiry",
    "other_procedure": "Dealt with under another procedure (for example safeguarding)",
    "already_considered": "The same matter already considered under the procedure",
    "other": "Another reason (see the note)",
}
#: The Local Government and Social Care Ombudsman's decision on a complaint it looked at,
#: in the categories of its annual review letters to councils.
OMBUDSMAN_DECISIONS = {
    "upheld_injustice": "Upheld: fault causing injustice",
    "upheld_no_injustice": "Upheld: fault, no injustice",
    "upheld_remedied": "Upheld: the council had already put things right",
    "not_upheld": "Not upheld: no fault",
    "initial_enquiries": "Closed after initial enquiries",
    "premature": "Referred back to the council (premature)",
    "advice": "Advice given",
    "invalid": "Incomplete or invalid",
}
COMPLIMENT_SOURCES = {
    "child": "Child or young person",
    "parent": "Parent or carer",
    "partner": "Partner agency",
    "court": "Court",
    "professional": "Other professional",
    "internal": "Internal",
}
complaint_category = sa.Table(
    "complaint_category",
    Base.metadata,
    sa.Column("complaint_id", sa.ForeignKey("complaint.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("category_id", sa.ForeignKey("complaint_category_option.id"), primary_key=True),
)
compliment_theme = sa.Table(
    "compliment_theme",
    Base.metadata,
    sa.Column(
        "compliment_id", sa.ForeignKey("compliment.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("theme_id", sa.ForeignKey("compliment_theme_option.id"), primary_key=True),
)


class CategoryOption(CouncilList, Tracked, Timestamped, Base):
    __tablename__ = "complaint_category_option"


class ComplimentThemeOption(CouncilList, Tracked, Timestamped, Base):
    __tablename__ = "compliment_theme_option"


class Complaint(Tracked, Versioned, Timestamped, Base):
    __tablename__ = "complaint"
    __history_values__ = {
        "received_how": HOW,
        "complainant_type": COMPLAINANTS,
        "procedure": PROCEDURES,
        "not_accepted_reason": NOT_ACCEPTED,
    }
    __table_args__ = (
        # The list sorts newest first, within the open/closed and service-area filters.
        sa.Index("ix_complaint_received_on_id", "received_on", "id"),
        sa.Index("ix_complaint_closed_received", "closed_on", "received_on", "id"),
        sa.Index("ix_complaint_area_received", "service_area_id", "received_on", "id"),
    )
    __history_hidden__ = frozenset({"complainant_name", "complainant_contact"})

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    #: The reference in the council's old log, for a complaint brought in by the import
    #: (qaweb.complaints.log_import): importing the same row again finds it here.
    legacy_reference: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    received_on: Mapped[date] = mapped_column(index=True)
    received_how: Mapped[str] = mapped_column(sa.String(16))
    complainant_type: Mapped[str] = mapped_column(sa.String(32))
    complainant_name: Mapped[str] = mapped_column(sa.String(200))
    complainant_contact: Mapped[str] = mapped_column(sa.Text, default="")
    child_reference: Mapped[str] = mapped_column(sa.String(40), default="")
    service_area_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("service_area.id"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id"), index=True)
    staff_involved: Mapped[str] = mapped_column(sa.Text, default="")
    summary: Mapped[str] = mapped_column(sa.Text)
    outcome_wanted: Mapped[str] = mapped_column(sa.Text, default="")
    advocate_offered: Mapped[bool] = mapped_column(default=False)
    advocate_used: Mapped[bool] = mapped_column(default=False)
    procedure: Mapped[str] = mapped_column(sa.String(16), default="statutory")
    closed_on: Mapped[date | None]
    learning: Mapped[str] = mapped_column(sa.Text, default="")
    practice_change: Mapped[bool] = mapped_column(default=False)
    policy_change: Mapped[bool] = mapped_column(default=False)
    # Not accepted under the procedure: the day decided, why (NOT_ACCEPTED) and a note.
    not_accepted_on: Mapped[date | None]
    not_accepted_reason: Mapped[str] = mapped_column(sa.String(32), default="")
    not_accepted_note: Mapped[str] = mapped_column(sa.Text, default="")

    service_area: Mapped[ServiceArea | None] = relationship(lazy="joined")
    team: Mapped[Team | None] = relationship(lazy="joined")
    categories: Mapped[list[CategoryOption]] = relationship(
        secondary=complaint_category, lazy="selectin", order_by="CategoryOption.name"
    )
    stages: Mapped[list["ComplaintStage"]] = relationship(
        back_populates="complaint", order_by="ComplaintStage.stage", lazy="selectin"
    )
    points: Mapped[list["ComplaintPoint"]] = relationship(
        back_populates="complaint", order_by="ComplaintPoint.number", lazy="selectin"
    )

    def set_categories(self, options: list[CategoryOption]) -> None:
        """Choose the complaint's categories; a change is written to its history (by name),
        and moves the version counter so a stale copy cannot overwrite it."""
        old = sorted(c.name for c in self.categories)
        new = sorted(c.name for c in options)
        if old == new:
            return
        self.__dict__["_history_extra"] = {"categories": [old or None, new]}
        if self.id is not None:
            self.updated_at = utcnow()
        self.categories = sorted(options, key=lambda c: c.name)

    @property
    def current_stage(self) -> "ComplaintStage | None":
        return self.stages[-1] if self.stages else None

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    def __str__(self):
        return self.reference


class ComplaintStage(Tracked, Versioned, Timestamped, Base):
    """One stage of a complaint: its own clock. Later stages never change earlier ones."""

    __tablename__ = "complaint_stage"
    __history_values__ = {
        "outcome": OUTCOMES,
        "stage": STAGES,
        "investigating_officer_kind": PERSON_KINDS,
        "independent_person_kind": PERSON_KINDS,
        "ombudsman_decision": OMBUDSMAN_DECISIONS,
    }
    __table_args__ = (
        sa.UniqueConstraint("complaint_id", "stage", name="uq_complaint_stage_once"),
        sa.Index("ix_complaint_stage_open_due", "responded_on", "due_on"),
        # The list's "current stage" filter: complaints at a stage, newest first.
        sa.Index("ix_complaint_stage_stage", "stage", "complaint_id"),
        # Reports count stages started in a period, by stage.
        sa.Index("ix_complaint_stage_started", "started_on", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"), index=True)
    stage: Mapped[int]
    started_on: Mapped[date]
    acknowledged_on: Mapped[date | None]
    due_on: Mapped[date | None]  # computed from the rules on every save, never typed
    extended: Mapped[bool] = mapped_column(default=False)
    extension_reason: Mapped[str] = mapped_column(sa.Text, default="")
    late_reason: Mapped[str] = mapped_column(sa.Text, default="")
    panel_on: Mapped[date | None]
    report_on: Mapped[date | None]
    responded_on: Mapped[date | None]
    outcome: Mapped[str] = mapped_column(sa.String(20), default="")
    findings: Mapped[str] = mapped_column(sa.Text, default="")
    remedy: Mapped[str] = mapped_column(sa.Text, default="")
    # The Ombudsman stage only: its decision (OMBUDSMAN_DECISIONS); started_on is the day its
    # enquiry came, responded_on the day of its decision.
    ombudsman_decision: Mapped[str] = mapped_column(sa.String(32), default="")
    handler_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # Stage 2: the people the statutory guidance names, and the dates of each step.
    investigating_officer: Mapped[str] = mapped_column(sa.String(200), default="")
    investigating_officer_kind: Mapped[str] = mapped_column(sa.String(8), default="")
    investigating_officer_on: Mapped[date | None]
    independent_person: Mapped[str] = mapped_column(sa.String(200), default="")
    independent_person_kind: Mapped[str] = mapped_column(sa.String(8), default="")
    independent_person_on: Mapped[date | None]
    statement_agreed_on: Mapped[date | None]
    adjudicating_officer: Mapped[str] = mapped_column(sa.String(200), default="")
    adjudicated_on: Mapped[date | None]
    # Stage 3: the review panel (the chair and the other members; the date is panel_on).
    panel_chair: Mapped[str] = mapped_column(sa.String(200), default="")
    panel_members: Mapped[str] = mapped_column(sa.Text, default="")  # one name a line

    complaint: Mapped[Complaint] = relationship(back_populates="stages")
    handler: Mapped[User | None] = relationship(lazy="joined")
    point_outcomes: Mapped[list["PointOutcome"]] = relationship(
        back_populates="stage", lazy="selectin"
    )

    @property
    def panel_member_names(self) -> list[str]:
        return [line.strip() for line in self.panel_members.splitlines() if line.strip()]

    def outcome_of(self, point: "ComplaintPoint") -> str:
        """The point's outcome at this stage ("" when none is recorded)."""
        return next((o.outcome for o in self.point_outcomes if o.point_id == point.id), "")

    @property
    def label(self) -> str:
        return STAGES[self.stage]

    def __str__(self):
        return self.label


class ComplaintPoint(Tracked, Versioned, Timestamped, Base):
    """One numbered point of the statement of complaint (Ombudsman guidance: each point is
    answered at each stage). ``number`` is its place in the statement, from 1."""

    __tablename__ = "complaint_point"
    __table_args__ = (sa.Index("ix_complaint_point_number", "complaint_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)

    complaint: Mapped[Complaint] = relationship(back_populates="points")

    def __str__(self):
        return f"Point {self.number}"


class PointOutcome(Tracked, Timestamped, Base):
    """A point's outcome at one stage (``POINT_OUTCOMES``)."""

    __tablename__ = "complaint_point_outcome"
    __history_values__ = {"outcome": POINT_OUTCOMES}
    __table_args__ = (
        sa.UniqueConstraint("point_id", "stage_id", name="uq_point_outcome_once"),
        sa.Index("ix_complaint_point_outcome_stage", "stage_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint_point.id"))
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint_stage.id"))
    outcome: Mapped[str] = mapped_column(sa.String(20))

    stage: Mapped[ComplaintStage] = relationship(back_populates="point_outcomes")
    point: Mapped[ComplaintPoint] = relationship()


class ComplaintLink(Tracked, Timestamped, Base):
    """Two complaints about the same family or the same matter. One row a pair, the lower id
    first (so A-B and B-A are the same link); unlinking keeps the row (``unlinked_at``)."""

    __tablename__ = "complaint_link"
    __history_values__ = {"reason": LINK_REASONS}
    __table_args__ = (
        sa.UniqueConstraint("first_id", "second_id", name="uq_complaint_link_pair"),
        sa.CheckConstraint("first_id < second_id", name="first_before_second"),
        sa.Index("ix_complaint_link_second", "second_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"))
    second_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"))
    reason: Mapped[str] = mapped_column(sa.String(16))
    unlinked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    first: Mapped[Complaint] = relationship(foreign_keys=[first_id], lazy="joined")
    second: Mapped[Complaint] = relationship(foreign_keys=[second_id], lazy="joined")

    def other(self, complaint_id: int) -> Complaint:
        return self.second if self.first_id == complaint_id else self.first


class Compliment(Tracked, Versioned, Timestamped, Base):
    __tablename__ = "compliment"
    __history_values__ = {"source": COMPLIMENT_SOURCES}
    __table_args__ = (
        sa.Index("ix_compliment_received_on_id", "received_on", "id"),
        sa.Index("ix_compliment_area_received", "service_area_id", "received_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The reference in the council's old log, for a compliment brought in by the import.
    legacy_reference: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    received_on: Mapped[date] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(sa.String(20))
    external: Mapped[bool] = mapped_column(default=True)
    service_area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_area.id"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id"), index=True)
    staff_named: Mapped[str] = mapped_column(sa.Text, default="")
    valued: Mapped[str] = mapped_column(sa.Text)
    consent_to_share: Mapped[bool] = mapped_column(default=False)
    shared_on: Mapped[date | None]

    service_area: Mapped[ServiceArea | None] = relationship(lazy="joined")
    team: Mapped[Team | None] = relationship(lazy="joined")
    themes: Mapped[list[ComplimentThemeOption]] = relationship(
        secondary=compliment_theme, lazy="selectin", order_by="ComplimentThemeOption.name"
    )


class SelfAssessment(Tracked, Versioned, Timestamped, Base):
    """The complaints officer's self-assessment for a financial year's annual report (the
    Ombudsman's complaint handling code asks councils to publish one): one text per year,
    edited with its history kept."""

    __tablename__ = "complaints_self_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)  # the financial year starting in April
    text: Mapped[str] = mapped_column(sa.Text, default="")

    def __str__(self):
        return f"Self-assessment {self.year}"
