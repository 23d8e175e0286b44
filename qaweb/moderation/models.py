"""The moderation sample of a month's completed case-file audits.

Source: Wokingham QA framework §2 (Moderation Panel: 20-30% of each month's completed audits).
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qaweb.case_audits.models import CaseAudit
from qaweb.core.db import Base, Timestamped, UTCDateTime, Versioned
from qaweb.core.history import Tracked
from qaweb.organisation.models import User
from qaweb.tools.models import Response

SELECTED = "selected"
SWAPPED = "swapped"
LINE_STATUSES = {SELECTED: "Selected", SWAPPED: "Swapped out"}


class ModerationSample(Tracked, Versioned, Timestamped, Base):
    """A month's moderation sample: how it was drawn (share, rules, seed) so the same draw
    can be made again."""

    __tablename__ = "moderation_sample"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The first day of the month whose completed audits are moderated.
    month: Mapped[date] = mapped_column(unique=True)
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    #: Per cent of the month's completed audits drawn (rules first, then at random).
    share: Mapped[int]
    #: [{"kind": "grade", "grade": str} | {"kind": "first", "count": int}, ...]
    rules: Mapped[list] = mapped_column(sa.JSON, default=list)
    drawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    lines: Mapped[list["ModerationLine"]] = relationship(
        back_populates="sample", order_by="ModerationLine.id", lazy="selectin"
    )

    def __str__(self):
        return f"Moderation sample for {self.month:%B %Y}"


class ModerationLine(Tracked, Versioned, Timestamped, Base):
    """One completed audit in a month's moderation sample (or swapped out of it)."""

    __tablename__ = "moderation_line"
    __history_values__ = {"status": LINE_STATUSES}
    __table_args__ = (sa.UniqueConstraint("sample_id", "audit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(sa.ForeignKey("moderation_sample.id"), index=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("case_audit.id"), index=True)
    #: "Random" or the rule that chose the audit.
    chosen_by: Mapped[str] = mapped_column(sa.String(120), default="")
    status: Mapped[str] = mapped_column(sa.String(16), default=SELECTED)
    swap_reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: Who grades the case again, blind to the auditor's grades until they submit.
    moderator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    #: The moderator's form, on the same tool version as the audit's.
    response_id: Mapped[int | None] = mapped_column(sa.ForeignKey("qa_response.id"))
    #: When the moderator submitted their grades (then both are shown side by side).
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sample: Mapped[ModerationSample] = relationship(back_populates="lines")
    audit: Mapped[CaseAudit] = relationship(lazy="joined")
    moderator: Mapped[User | None] = relationship(lazy="joined")
    response: Mapped[Response | None] = relationship()

    @property
    def status_label(self) -> str:
        return LINE_STATUSES[self.status]

    def __str__(self):
        return f"Moderation of {self.audit}"
