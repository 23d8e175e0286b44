from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qaweb.core import sources
from qaweb.core.db import Base, Timestamped, UTCDateTime, Versioned
from qaweb.core.history import Tracked
from qaweb.core.timefmt import today_london
from qaweb.organisation.models import Team, User

OPEN = "open"
COMPLETED = "completed"
CANCELLED = "cancelled"
STATUSES = {OPEN: "Open", COMPLETED: "Completed", CANCELLED: "Cancelled"}


class Action(Tracked, Versioned, Timestamped, Base):
    __tablename__ = "action"
    __history_values__ = {"status": STATUSES, "source_type": sources.LABELS}
    __table_args__ = (
        sa.Index("ix_action_status_due_on", "status", "due_on"),
        sa.Index("ix_action_owner_status_due_on", "owner_id", "status", "due_on"),
        sa.Index("ix_action_team_status_due_on", "team_id", "status", "due_on"),
        sa.Index("ix_action_source", "source_type", "source_id"),
        # Every status, soonest due first (the list's sort and the export's order).
        sa.Index("ix_action_due_on_id", "due_on", "id"),
        # The QA team's queue of completed actions nobody has verified yet.
        sa.Index("ix_action_to_verify", "status", "verified_by_id", "completed_on", "id"),
        # Reports count a module's actions raised in a period.
        sa.Index("ix_action_source_created", "source_type", "created_at"),
        sa.CheckConstraint("status in ('open', 'completed', 'cancelled')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_type: Mapped[str] = mapped_column(sa.String(40))
    source_id: Mapped[int | None]
    source_label: Mapped[str] = mapped_column(sa.String(200), default="")
    description: Mapped[str] = mapped_column(sa.Text)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id"))
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(16), default=OPEN)
    completed_on: Mapped[date | None]
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_reason: Mapped[str] = mapped_column(sa.Text, default="")
    raised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="joined", innerjoin=True)
    team: Mapped[Team | None] = relationship(lazy="joined")
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])

    @property
    def reference(self) -> str:
        return f"ACT-{self.id:06d}"

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    def is_overdue(self, today: date | None = None) -> bool:
        """Open and past its due date: computed, never stored."""
        return self.status == OPEN and self.due_on < (today or today_london())

    def days_overdue(self, today: date | None = None) -> int:
        today = today or today_london()
        return (today - self.due_on).days if self.is_overdue(today) else 0

    @property
    def source(self) -> sources.SourceType:
        return sources.get(self.source_type)

    @property
    def source_url(self) -> str | None:
        source = self.source
        if source.url and self.source_id:
            return source.url(self.source_id)
        return None

    def source_url_for(self, user) -> str | None:
        """The source record's URL when ``user`` may open it (no link to a 403), else None."""
        source = self.source
        if source.can_open is not None and self.source_id:
            if not source.can_open(user, self.source_id):
                return None
        return self.source_url
