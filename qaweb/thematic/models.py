from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qaweb.core import signoff
from qaweb.core.db import Base, CouncilList, Timestamped, UTCDateTime, Versioned
from qaweb.core.history import Tracked
from qaweb.organisation.models import User

PLANNED = "planned"
DRAFT = "draft"
SUBMITTED = "submitted"
APPROVED = "approved"
IN_PROGRESS = "in_progress"
REPORTING = "reporting"
CLOSED = "closed"
STATUSES = {
    PLANNED: "On the forward plan",
    DRAFT: "Terms being drafted",
    SUBMITTED: "With the QA Board",
    APPROVED: "Terms approved",
    IN_PROGRESS: "In progress",
    REPORTING: "Reporting",
    CLOSED: "Closed",
}

DECISIONS = signoff.DECISIONS

PROMPTS = {
    "core_audits": "Core-audit findings",
    "performance": "Performance data",
    "regional_national": "Regional or national themes",
    "improvement_plan": "The improvement plan",
    "other": "Something else",
}
METHODS = {
    "bespoke_tool": "Bespoke audit tool",
    "collaborative": "Collaborative practice evaluation",
    "interviews": "Practitioner interviews",
    "focus_groups": "Focus groups",
    "observations": "Observations of practice",
    "staff_discussions": "Staff discussions",
    "children_views": "Views of children and young people",
    "parent_views": "Views of parents and carers",
    "other": "Other",
}
SAMPLE_METHODS = {
    "all": "Every case in the cohort",
    "random": "A random sample",
    "chosen": "A chosen sample (for example by plan type, age, ethnicity)",
    "none": "No case sample (interviews, focus groups, observations only)",
}
FINDING_KINDS = {
    "theme": "Key themes",
    "strength": "Strengths",
    "risk": "Areas of potential risk",
    "barrier": "Barriers to effective intervention",
    "recommendation": "Recommendations agreed by the QA Operational Group",
}

#: The fields of the terms of reference, in the order a reader meets them.
TERMS_FIELDS = {
    "title": "Title",
    "theme": "Theme",
    "context": "Why this audit, and why now",
    "prompted_by": "What prompted it",
    "areas": "Service areas in scope",
    "teams": "Teams in scope",
    "period_from": "Period covered from",
    "period_to": "Period covered to",
    "cohort": "Cohort",
    "sample_method": "How cases are chosen",
    "sample_size": "Sample size",
    "lines": "Key lines of enquiry",
    "methodology": "Methodology",
    "tool": "Audit tool",
    "lead": "Lead",
    "members": "Audit team",
    "start_on": "Start",
    "fieldwork_end_on": "Fieldwork ends",
    "report_due_on": "Report due",
    "board_on": "Presented to the QA Board",
}


class Theme(CouncilList, Tracked, Versioned, Timestamped, Base):
    """A subject thematic audits look at; the council keeps the list."""

    __tablename__ = "thematic_theme"


class ThematicAudit(Tracked, Versioned, Timestamped, Base):
    """A thematic audit: its place on the forward plan, its terms of reference (the current
    draft here; every submitted version in TermsVersion), and then its findings."""

    __tablename__ = "thematic_audit"
    __history_values__ = {"status": STATUSES}
    __history_skip__ = frozenset({"terms"})
    __table_args__ = (sa.Index("ix_thematic_audit_year_quarter", "plan_year", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("thematic_theme.id"))
    plan_year: Mapped[int]  # the year the plan year starts in (April to March)
    quarter: Mapped[int]  # 1 to 4 within the plan year
    status: Mapped[str] = mapped_column(sa.String(16), default=PLANNED, index=True)
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    terms: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    report_due_on: Mapped[date | None]
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    theme: Mapped[Theme | None] = relationship(lazy="joined")
    lead: Mapped[User | None] = relationship(lazy="joined")
    versions: Mapped[list["TermsVersion"]] = relationship(
        back_populates="audit", order_by="TermsVersion.number", lazy="selectin"
    )
    findings: Mapped[list["Finding"]] = relationship(
        back_populates="audit", order_by="Finding.position, Finding.id", lazy="selectin"
    )

    @property
    def reference(self) -> str:
        return f"THM-{self.id:04d}"

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def approved_version(self) -> "TermsVersion | None":
        return signoff.approved(self.versions)

    @property
    def pending_version(self) -> "TermsVersion | None":
        return signoff.pending(self.versions)

    def __str__(self):
        return self.title


class TermsVersion(Tracked, Base):
    """The terms of reference as submitted to the QA Board: never changed afterwards, only
    decided on (approved, or returned with comments)."""

    __tablename__ = "thematic_terms_version"
    __history_values__ = {"decision": DECISIONS}
    __table_args__ = (sa.UniqueConstraint("audit_id", "number", name="audit_number"),)
    __history_skip__ = frozenset({"terms"})

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("thematic_audit.id"), index=True)
    number: Mapped[int]
    terms: Mapped[dict] = mapped_column(sa.JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decision: Mapped[str] = mapped_column(sa.String(16), default="pending")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    comments: Mapped[str] = mapped_column(sa.Text, default="")

    audit: Mapped[ThematicAudit] = relationship(back_populates="versions")
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class Finding(Tracked, Timestamped, Base):
    """One point of the findings, with its evidence."""

    __tablename__ = "thematic_finding"
    __history_values__ = {"kind": FINDING_KINDS}

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("thematic_audit.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str] = mapped_column(sa.Text)
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    withdrawn: Mapped[bool] = mapped_column(default=False)

    audit: Mapped[ThematicAudit] = relationship(back_populates="findings")
