"""The moderation sample of a month's completed case-file audits.

Source: Wokingham QA framework §2 (Moderation Panel: 20-30% of each month's completed audits).
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qaweb.case_audits.models import CaseAudit
from qaweb.core.db import Base, Timestamped, UTCDateTime, Versioned
from qaweb.core.grading import GradeLevel
from qaweb.core.history import Tracked
from qaweb.core.samples import logged_rules
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

    def history_value(self, field: str, value):
        """A logged value as people read it: ``core.samples.logged_rules`` with this
        feature's ``rules_text``."""
        from qaweb.moderation.services import rules_text

        return logged_rules(field, value, rules_text)


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
    response_id: Mapped[int | None] = mapped_column(sa.ForeignKey("qa_response.id"), index=True)
    #: When the moderator submitted their grades (then both are shown side by side).
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The Moderation Panel's outcome (Wokingham QA framework §2).
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderation_panel.id"), index=True)
    #: The agreed overall grade, and why it differs from the auditor's (when it does).
    agreed_grade_level_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grade_level.id"))
    agreed_reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: [{"key": section key, "grade_level_id": int | None, "reason": str}, ...] in the tool's
    #: order: the agreed grade of each graded section.
    agreed_sections: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Feedback for the auditor.
    good_practice: Mapped[str] = mapped_column(sa.Text, default="")
    development_areas: Mapped[str] = mapped_column(sa.Text, default="")
    #: On the practice in the case, and for the organisation (the QA report reads these).
    practice_comments: Mapped[str] = mapped_column(sa.Text, default="")
    learning_points: Mapped[str] = mapped_column(sa.Text, default="")
    #: When the panel confirmed its outcome: then the auditor and team manager see it.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    sample: Mapped[ModerationSample] = relationship(back_populates="lines")
    meeting: Mapped["PanelMeeting | None"] = relationship(back_populates="lines")
    agreed_grade: Mapped[GradeLevel | None] = relationship(lazy="joined")
    audit: Mapped[CaseAudit] = relationship(lazy="joined")
    moderator: Mapped[User | None] = relationship(foreign_keys=[moderator_id], lazy="joined")
    response: Mapped[Response | None] = relationship()

    @property
    def status_label(self) -> str:
        return LINE_STATUSES[self.status]

    def __str__(self):
        return f"Moderation of {self.audit}"


#: The panel's members (staff), beside its chair.
panel_member = sa.Table(
    "moderation_panel_member",
    Base.metadata,
    sa.Column("meeting_id", sa.ForeignKey("moderation_panel.id"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id"), primary_key=True),
)


class PanelMeeting(Tracked, Versioned, Timestamped, Base):
    """A meeting of the Moderation Panel: its date, chair, members and the moderated audits
    it considers (Wokingham QA framework §2: chaired by the Principal Social Worker with
    practice consultants)."""

    __tablename__ = "moderation_panel"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(index=True)
    chair_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    chair: Mapped[User] = relationship(lazy="joined")
    members: Mapped[list[User]] = relationship(
        secondary=panel_member, lazy="selectin", order_by="User.last_name"
    )
    lines: Mapped[list["ModerationLine"]] = relationship(
        back_populates="meeting", order_by="ModerationLine.id", lazy="selectin"
    )

    def __str__(self):
        return f"Moderation Panel of {self.held_on:%-d %B %Y}"
