"""Dip samples: a short yes / partly / no checklist applied by managers to many cases.

Source: Wokingham QA framework §4 (dip sampling: rigorous, thematically driven scrutiny of a
large number of cases by managers, checking particular practice, outcomes and themes).
qaweb holds case numbers only, never a child's name, date of birth or address.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qaweb.core.db import Base, Timestamped, UTCDateTime, Versioned
from qaweb.core.history import Tracked
from qaweb.organisation.models import Team, User
from qaweb.tools.models import ToolVersion

TO_DO = "to_do"
DONE = "done"
CASE_STATUSES = {TO_DO: "To do", DONE: "Done"}

YES = "yes"
PARTLY = "partly"
NO = "no"
NOT_APPLICABLE = "na"
#: The answers a manager can give each question, in the order the radios show them.
ANSWERS = {YES: "Yes", PARTLY: "Partly", NO: "No", NOT_APPLICABLE: "Not applicable"}


class DipSample(Tracked, Versioned, Timestamped, Base):
    """One dip sample: its question set (a dip-sample tool version), period and cases."""

    __tablename__ = "dip_sample"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    tool_version_id: Mapped[int] = mapped_column(sa.ForeignKey("qa_tool_version.id"))
    #: The period the sample looks at; the cases are due on its last day.
    starts_on: Mapped[date]
    ends_on: Mapped[date] = mapped_column(index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    tool_version: Mapped[ToolVersion] = relationship(lazy="joined")

    @property
    def reference(self) -> str:
        return f"DIP-{self.id:04d}"

    def questions(self) -> list[dict]:
        """The checklist's questions in order, each with its section's title."""
        return [
            {**q, "section": s["title"]} for s in self.tool_version.sections for q in s["questions"]
        ]

    def __str__(self):
        return f"Dip sample {self.title}"


class DipSampleCase(Tracked, Versioned, Timestamped, Base):
    """One case in a dip sample, the manager who samples it, their note and whether done."""

    __tablename__ = "dip_sample_case"
    __history_values__ = {"status": CASE_STATUSES}
    __table_args__ = (
        sa.UniqueConstraint("dip_sample_id", "case_number"),
        sa.Index("ix_dip_sample_case_sampler_status", "sampler_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dip_sample_id: Mapped[int] = mapped_column(sa.ForeignKey("dip_sample.id"), index=True)
    case_number: Mapped[str] = mapped_column(sa.String(40))
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("team.id"), index=True)
    sampler_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(sa.String(16), default=TO_DO)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dip_sample: Mapped[DipSample] = relationship(lazy="joined")
    team: Mapped[Team] = relationship(lazy="joined")
    sampler: Mapped[User] = relationship(lazy="joined")

    @property
    def status_label(self) -> str:
        return CASE_STATUSES[self.status]

    @property
    def is_done(self) -> bool:
        return self.status == DONE

    def __str__(self):
        return f"Dip sample case {self.case_number}"


class DipSampleAnswer(Base):
    """One answer, one row (yes, partly, no or na), so results are counted in SQL."""

    __tablename__ = "dip_sample_answer"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "question_key"),
        sa.Index("ix_dip_sample_answer_question", "question_key", "answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("dip_sample_case.id", ondelete="CASCADE"), index=True
    )
    question_key: Mapped[str] = mapped_column(sa.String(80))
    answer: Mapped[str] = mapped_column(sa.String(8))
