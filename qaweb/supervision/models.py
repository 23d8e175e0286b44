from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qaweb.core.db import Base, Timestamped, UTCDateTime, Versioned
from qaweb.core.history import Tracked
from qaweb.organisation.models import Team, User
from qaweb.tools.models import Response

PLANNED = "planned"
IN_PROGRESS = "in_progress"
AWAITING_FEEDBACK = "awaiting_feedback"
READY_FOR_REFLECTIVE = "ready_for_reflective"
COMPLETED = "completed"
CANCELLED = "cancelled"
STATUSES = {
    PLANNED: "Planned",
    IN_PROGRESS: "In progress",
    AWAITING_FEEDBACK: "Awaiting feedback",
    READY_FOR_REFLECTIVE: "Ready for reflective session",
    COMPLETED: "Completed",
    CANCELLED: "Cancelled",
}
OPEN_STATUSES = (PLANNED, IN_PROGRESS, AWAITING_FEEDBACK, READY_FOR_REFLECTIVE)

REQUESTED = "requested"
ANSWERED = "answered"
WITHDRAWN = "withdrawn"
FEEDBACK_STATUSES = {REQUESTED: "Requested", ANSWERED: "Answered", WITHDRAWN: "Withdrawn"}


class SupervisionAudit(Tracked, Versioned, Timestamped, Base):
    """One peer audit of a supervisor's supervision, in a supervision-audit year."""

    __tablename__ = "supervision_audit"
    __history_values__ = {"status": STATUSES}
    __table_args__ = (
        sa.Index("ix_supervision_audit_year_status", "year", "status"),
        sa.Index("ix_supervision_audit_auditor_status", "auditor_id", "status"),
        sa.Index("ix_supervision_audit_supervisor_year", "supervisor_id", "year"),
        # The list sorts by due date, alone or within a year or a team.
        sa.Index("ix_supervision_audit_due_on_id", "due_on", "id"),
        sa.Index("ix_supervision_audit_year_due_on", "year", "due_on", "id"),
        sa.Index("ix_supervision_audit_team_due_on", "team_id", "due_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]  # the year the audit year starts in (April 2026 to March 2027 is 2026)
    supervisor_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    auditor_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id"), index=True)
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(24), default=PLANNED)
    override_reason: Mapped[str] = mapped_column(sa.Text, default="")
    audited_on: Mapped[date | None]
    files_reviewed: Mapped[int | None]
    children_records: Mapped[int | None]
    period_covered: Mapped[str] = mapped_column(sa.String(200), default="")
    strengths: Mapped[str] = mapped_column(sa.Text, default="")
    development: Mapped[str] = mapped_column(sa.Text, default="")
    response_id: Mapped[int | None] = mapped_column(sa.ForeignKey("qa_response.id"))
    observed_on: Mapped[date | None]
    observation_notes: Mapped[str] = mapped_column(sa.Text, default="")
    reflective_on: Mapped[date | None]
    reflective_notes: Mapped[str] = mapped_column(sa.Text, default="")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_reason: Mapped[str] = mapped_column(sa.Text, default="")
    planned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_id], lazy="joined")
    auditor: Mapped[User] = relationship(foreign_keys=[auditor_id], lazy="joined")
    #: The supervisor's team when the audit was planned: whose service manager oversees it.
    team: Mapped[Team | None] = relationship(lazy="joined")
    response: Mapped[Response | None] = relationship()
    feedback: Mapped[list["FeedbackRequest"]] = relationship(
        back_populates="audit", order_by="FeedbackRequest.id", lazy="selectin"
    )

    @property
    def reference(self) -> str:
        return f"SUP-{self.id:05d}"

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_on < today

    def __str__(self):
        return f"Supervision audit of {self.supervisor.name}"


class FeedbackRequest(Tracked, Versioned, Timestamped, Base):
    """A supervisee asked for their view of the supervision they receive (or a conversation
    the auditor recorded)."""

    __tablename__ = "supervisee_feedback"
    __history_values__ = {"status": FEEDBACK_STATUSES}

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("supervision_audit.id"), index=True)
    supervisee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    in_conversation: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(16), default=REQUESTED)
    due_on: Mapped[date]
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("qa_response.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    audit: Mapped[SupervisionAudit] = relationship(back_populates="feedback", lazy="joined")
    supervisee: Mapped[User | None] = relationship(lazy="joined")
    response: Mapped[Response] = relationship()
