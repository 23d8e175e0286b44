"""Cases to audit (numbers only, never a child's name), the month's sample and the audits.

Source: Wokingham QA framework §2 (reflective practice core audits, allocated monthly) and
Halton QA framework (004: monthly collaborative audits, re-audit and dip sample).
"""

import calendar
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qaweb.core.db import Base, Timestamped, UTCDateTime, Versioned, utcnow
from qaweb.core.grading import GradeLevel
from qaweb.core.history import Tracked
from qaweb.core.samples import logged_rules
from qaweb.organisation.models import Team, User
from qaweb.tools.models import Response

SAMPLED = "sampled"
SWAPPED = "swapped"
ALLOCATED = "allocated"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
CANCELLED = "cancelled"
STATUSES = {
    SAMPLED: "Sampled, not yet allocated",
    SWAPPED: "Swapped out",
    ALLOCATED: "Allocated",
    IN_PROGRESS: "In progress",
    COMPLETED: "Completed",
    CANCELLED: "Cancelled",
}
OPEN_STATUSES = (ALLOCATED, IN_PROGRESS)
#: Lines that count as audited (or about to be) for the 12-month exclusion.
COUNTED_STATUSES = (SAMPLED, ALLOCATED, IN_PROGRESS, COMPLETED)

#: The case types a case list may give (its Case type column; the sample's rules name them),
#: the stages of children's social care as the case-management systems' exports group them.
CASE_TYPES = ("Early help", "Child in need", "Child protection", "Child in care", "Care leaver")

#: The other names case-management exports and councils' frameworks give each case type
#: (the seed frameworks write CIN, CP, CLA, "Looked After" and "Care Leavers"), lower case.
CASE_TYPE_OTHER_NAMES = {
    "Early help": ("eh", "early help assessment"),
    "Child in need": ("cin", "children in need"),
    "Child protection": ("cp", "cpp", "child protection plan", "child protection plans"),
    "Child in care": (
        "cla",
        "lac",
        "cic",
        "children in care",
        "looked after",
        "looked after child",
        "looked after children",
        "child looked after",
        "children looked after",
    ),
    "Care leaver": ("care leavers", "leaving care", "care experienced"),
}
_CASE_TYPE_BY_NAME = {name.lower(): name for name in CASE_TYPES} | {
    other: name for name, others in CASE_TYPE_OTHER_NAMES.items() for other in others
}


def case_type_named(text: str) -> str | None:
    """The case type (one of ``CASE_TYPES``, as qaweb spells it) that ``text`` names, in any
    letters and spacing, by its name or another name for it (``CASE_TYPE_OTHER_NAMES``: "CP",
    "CLA", "Looked after"); None if it names none."""
    return _CASE_TYPE_BY_NAME.get(" ".join(text.split()).lower())


SAMPLE = "sample"
REAUDIT = "reaudit"
DIP_SAMPLE = "dip_sample"
KINDS = {SAMPLE: "Monthly sample", REAUDIT: "Re-audit", DIP_SAMPLE: "Dip sample"}

#: Whether the child's, and the parents' or carers', feedback was obtained.
GIVEN = "given"
FEEDBACK = {GIVEN: "Given", "declined": "Declined", "not_possible": "Not possible"}


class CaseFile(Tracked, Timestamped, Base):
    """A child's case as the case-management system lists it: its number and what the sample
    needs. No name, date of birth or address is ever stored."""

    __tablename__ = "case_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    case_type: Mapped[str] = mapped_column(sa.String(60), default="")
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("team.id"), index=True)
    practitioner_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    opened_on: Mapped[date | None]
    flags: Mapped[str] = mapped_column(sa.String(200), default="")
    closed: Mapped[bool] = mapped_column(default=False)
    #: The first day of the month of the latest case list that held this case.
    listed_month: Mapped[date] = mapped_column(index=True)

    team: Mapped[Team] = relationship(lazy="joined")
    practitioner: Mapped[User] = relationship(lazy="joined")

    def __str__(self):
        return f"Case {self.case_number}"


class CaseImport(Base):
    """A checked case list waiting for confirmation (kept so every worker can confirm it)."""

    __tablename__ = "case_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]
    filename: Mapped[str] = mapped_column(sa.String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rows: Mapped[list] = mapped_column(sa.JSON, default=list)


class CaseSample(Tracked, Versioned, Timestamped, Base):
    """The month's sample: how it was drawn (seed, quota, rules) so it can be drawn again."""

    __tablename__ = "case_sample"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(unique=True)
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    per_team: Mapped[int]
    #: [{"kind": "every" | "count", "case_type": str, "count": int}, ...]
    rules: Mapped[list] = mapped_column(sa.JSON, default=list)
    drawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    allocated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    audits: Mapped[list["CaseAudit"]] = relationship(
        back_populates="sample", order_by="CaseAudit.id", lazy="selectin"
    )

    @property
    def is_allocated(self) -> bool:
        return self.allocated_at is not None

    def __str__(self):
        return f"Sample for {calendar.month_name[self.month.month]} {self.month.year}"

    def history_value(self, field: str, value):
        """A logged value as people read it: ``core.samples.logged_rules`` with this
        feature's ``rules_text``."""
        from qaweb.case_audits.services import rules_text

        return logged_rules(field, value, rules_text)


class CaseAudit(Tracked, Versioned, Timestamped, Base):
    """One case in a month's sample, then its audit against the council's case-file tool."""

    __tablename__ = "case_audit"
    __history_values__ = {
        "status": STATUSES,
        "kind": KINDS,
        "child_feedback": FEEDBACK,
        "family_feedback": FEEDBACK,
    }
    __table_args__ = (
        sa.Index("ix_case_audit_month_team", "month", "team_id"),
        sa.Index("ix_case_audit_auditor_status", "auditor_id", "status"),
        sa.Index("ix_case_audit_case_month", "case_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_sample.id"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case_file.id"))
    month: Mapped[date]
    kind: Mapped[str] = mapped_column(sa.String(16), default=SAMPLE)
    #: Why the case is in the sample: "Random" or the rule that chose it.
    chosen_by: Mapped[str] = mapped_column(sa.String(120), default="")
    follow_up_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_audit.id"))
    status: Mapped[str] = mapped_column(sa.String(16), default=SAMPLED)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("team.id"))
    practitioner_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    auditor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    allocated_on: Mapped[date | None]
    due_on: Mapped[date | None]
    swap_reason: Mapped[str] = mapped_column(sa.Text, default="")
    response_id: Mapped[int | None] = mapped_column(sa.ForeignKey("qa_response.id"), index=True)
    # What the auditor records beside the tool (Wokingham §2 audit method, Appendix C).
    sources_read: Mapped[str] = mapped_column(sa.Text, default="")
    child_feedback: Mapped[str] = mapped_column(sa.String(16), default="")
    child_feedback_reason: Mapped[str] = mapped_column(sa.Text, default="")
    child_said: Mapped[str] = mapped_column(sa.Text, default="")
    family_feedback: Mapped[str] = mapped_column(sa.String(16), default="")
    family_feedback_reason: Mapped[str] = mapped_column(sa.Text, default="")
    family_said: Mapped[str] = mapped_column(sa.Text, default="")
    conversation_on: Mapped[date | None]
    reflections: Mapped[str] = mapped_column(sa.Text, default="")
    judgement: Mapped[str] = mapped_column(sa.Text, default="")
    action_taken: Mapped[str] = mapped_column(sa.Text, default="")
    impact: Mapped[str] = mapped_column(sa.Text, default="")
    #: The overall grade given on the tool, copied when the audit is completed (reports).
    grade_level_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grade_level.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_on: Mapped[date | None]
    practitioner_response: Mapped[str] = mapped_column(sa.Text, default="")
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sample: Mapped[CaseSample | None] = relationship(back_populates="audits")
    case: Mapped[CaseFile] = relationship(lazy="joined")
    team: Mapped[Team] = relationship(lazy="joined")
    practitioner: Mapped[User] = relationship(foreign_keys=[practitioner_id], lazy="joined")
    auditor: Mapped[User | None] = relationship(foreign_keys=[auditor_id], lazy="joined")
    follow_up_of: Mapped["CaseAudit | None"] = relationship(remote_side=[id])
    response: Mapped[Response | None] = relationship()
    grade: Mapped[GradeLevel | None] = relationship(lazy="joined")

    @property
    def reference(self) -> str:
        return f"CFA-{self.id:05d}"

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def child_feedback_label(self) -> str:
        return FEEDBACK.get(self.child_feedback, "Not recorded")

    @property
    def family_feedback_label(self) -> str:
        return FEEDBACK.get(self.family_feedback, "Not recorded")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < today

    def __str__(self):
        return f"Case-file audit of case {self.case.case_number}"
