from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from qaweb.core.db import Base, Timestamped, Versioned
from qaweb.core.history import Tracked
from qaweb.core.signoff import DECISIONS, SignoffVersion
from qaweb.organisation.models import ServiceArea, User

DRAFT = "draft"
SUBMITTED = "submitted"
APPROVED = "approved"
STATUSES = {DRAFT: "Draft", SUBMITTED: "With the QA Board", APPROVED: "Signed off"}

#: The three parts of each section's analysis (seed 000, Governance: what was learned, its
#: impact, and what changes because of it).
PARTS = {
    "learned": "What we learned",
    "so_what": "So what: what it means for children and families",
    "next": "What changes next",
}


class QAReport(Tracked, Versioned, Timestamped, Base):
    """The QA Board's report for one period (a quarter or 12 months) and optionally one
    service area: the QA officer's analysis of each section (``narrative``: section key ->
    {part key -> text}); every version submitted to the Board kept in QAReportVersion."""

    __tablename__ = "qa_report"
    __history_values__ = {"status": STATUSES}
    # The analysis is long text kept per section: a change is logged (so a stale save names
    # who saved first), its words are not copied into the log.
    __history_hidden__ = frozenset({"narrative"})
    # One report per period and scope: ``area_key`` is the service area's id, 0 for the
    # whole council, because a unique constraint treats NULLs as different (PostgreSQL and
    # SQLite alike), so two officers starting the same council-wide quarter at once would
    # otherwise make two reports.
    __table_args__ = (
        sa.Index("ix_qa_report_period", "start_on", "end_on", "service_area_id"),
        sa.UniqueConstraint("start_on", "end_on", "area_key", name="uq_qa_report_period_area"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    start_on: Mapped[date]
    end_on: Mapped[date]
    service_area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_area.id"))
    area_key: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[str] = mapped_column(sa.String(16), default=DRAFT)
    narrative: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    service_area: Mapped[ServiceArea | None] = relationship(lazy="joined")
    versions: Mapped[list["QAReportVersion"]] = relationship(
        back_populates="report", order_by="QAReportVersion.number", lazy="selectin"
    )

    @validates("service_area_id")
    def _keep_area_key(self, _key, value):
        self.area_key = value or 0
        return value

    @property
    def reference(self) -> str:
        return f"QAR-{self.id:04d}"

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def period(self):
        from qaweb.core.years import Period

        return Period(self.start_on, self.end_on)

    @property
    def scope_label(self) -> str:
        return self.service_area.name if self.service_area else "All service areas"

    def __str__(self):
        return f"QA report, {self.period.label}"


class QAReportVersion(SignoffVersion, Tracked, Base):
    """The analysis as submitted to the QA Board: never changed afterwards, only decided on
    (signed off, or returned with comments)."""

    __tablename__ = "qa_report_version"
    __history_values__ = {"decision": DECISIONS}
    # The analysis is long text kept per section: a change is logged (so a stale save names
    # who saved first), its words are not copied into the log.
    __history_hidden__ = frozenset({"narrative"})
    __table_args__ = (sa.UniqueConstraint("report_id", "number", name="report_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("qa_report.id"), index=True)
    narrative: Mapped[dict] = mapped_column(sa.JSON)

    report: Mapped[QAReport] = relationship(back_populates="versions")
    submitted_by: Mapped[User | None] = relationship(foreign_keys="QAReportVersion.submitted_by_id")
    decided_by: Mapped[User | None] = relationship(foreign_keys="QAReportVersion.decided_by_id")
