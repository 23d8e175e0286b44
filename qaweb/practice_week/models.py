from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from qaweb.core.db import Base, CouncilList, Timestamped, UTCDateTime, Versioned, utcnow
from qaweb.core.history import Tracked
from qaweb.organisation.models import Team, User
from qaweb.tools.models import Response, ToolVersion

PLANNING = "planning"
OPEN = "open"
CLOSED = "closed"
WEEK_STATUSES = {PLANNING: "Planning", OPEN: "Open", CLOSED: "Closed"}

REQUESTED = "requested"
SCHEDULED = "scheduled"
COMPLETED = "completed"
NOT_HELD = "not_held"
CANCELLED = "cancelled"
OBSERVATION_STATUSES = {
    REQUESTED: "Available to observe",
    SCHEDULED: "Scheduled",
    COMPLETED: "Completed",
    NOT_HELD: "Did not take place",
    CANCELLED: "Cancelled",
}
#: Observations that hold a place in someone's diary.
BOOKED_STATUSES = (REQUESTED, SCHEDULED, COMPLETED)

NOT_HELD_REASONS = {
    "family_cancelled": "The family cancelled",
    "practitioner_unavailable": "The practitioner was unavailable",
    "observer_unavailable": "The observer was unavailable",
    "meeting_moved": "The meeting was moved or cancelled",
    "consent_withdrawn": "The family withdrew their agreement",
    "other": "Another reason",
}

GIVEN = "given"
DECLINED = "declined"
NOT_APPROPRIATE = "not_appropriate"
FEEDBACK_CHOICES = {
    GIVEN: "Given",
    DECLINED: "Declined",
    NOT_APPROPRIATE: "Not appropriate",
}

SESSION_SCHEDULED = "scheduled"
SESSION_CANCELLED = "cancelled"
BOOKED = "booked"
WAITING = "waiting"
BOOKING_CANCELLED = "cancelled"
SESSION_STATUSES = {SESSION_SCHEDULED: "Scheduled", SESSION_CANCELLED: "Cancelled"}
BOOKING_STATUSES = {
    BOOKED: "Booked",
    WAITING: "On the waiting list",
    BOOKING_CANCELLED: "Cancelled",
}


class PracticeWeek(Tracked, Versioned, Timestamped, Base):
    """One six-monthly Practice Week: a theme, its dates, tools, materials and target."""

    __tablename__ = "practice_week"
    __history_values__ = {"status": WEEK_STATUSES}

    id: Mapped[int] = mapped_column(primary_key=True)
    theme: Mapped[str] = mapped_column(sa.String(200))
    starts_on: Mapped[date] = mapped_column(index=True)
    ends_on: Mapped[date]
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(16), default=PLANNING)
    observation_tool_id: Mapped[int | None] = mapped_column(sa.ForeignKey("qa_tool_version.id"))
    family_tool_id: Mapped[int | None] = mapped_column(sa.ForeignKey("qa_tool_version.id"))
    #: Everyone holding one of these roles is expected to complete ``target_per_observer``.
    target_roles: Mapped[list] = mapped_column(sa.JSON, default=list)
    target_per_observer: Mapped[int] = mapped_column(default=1)
    #: How many times one practitioner may be observed in the week before it is a clash.
    max_per_practitioner: Mapped[int] = mapped_column(default=1)

    observation_tool: Mapped[ToolVersion | None] = relationship(foreign_keys=[observation_tool_id])
    family_tool: Mapped[ToolVersion | None] = relationship(foreign_keys=[family_tool_id])
    materials: Mapped[list["LearningMaterial"]] = relationship(
        back_populates="week", order_by="LearningMaterial.id"
    )

    @property
    def status_label(self) -> str:
        return WEEK_STATUSES[self.status]

    @property
    def days(self) -> list[date]:
        from datetime import timedelta

        count = (self.ends_on - self.starts_on).days + 1
        return [self.starts_on + timedelta(days=n) for n in range(max(count, 0))]

    def __str__(self):
        return f"Practice Week: {self.theme}"


class LearningMaterial(Tracked, Timestamped, Base):
    """A link or an uploaded file for staff to explore the theme in their own time."""

    __tablename__ = "practice_week_material"
    __history_skip__ = frozenset({"content"})

    id: Mapped[int] = mapped_column(primary_key=True)
    week_id: Mapped[int] = mapped_column(sa.ForeignKey("practice_week.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    url: Mapped[str] = mapped_column(sa.String(500), default="")
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    content_type: Mapped[str] = mapped_column(sa.String(120), default="")
    size: Mapped[int] = mapped_column(default=0)
    content: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    withdrawn: Mapped[bool] = mapped_column(default=False)

    week: Mapped[PracticeWeek] = relationship(back_populates="materials")

    def __str__(self):
        return self.title


class MeetingType(CouncilList, Tracked, Timestamped, Base):
    """The kinds of meeting observed: a list the council keeps."""

    __tablename__ = "meeting_type"


class LearningTheme(CouncilList, Tracked, Timestamped, Base):
    """Learning themes an observer can tag a record with: a list the council keeps."""

    __tablename__ = "learning_theme"


observation_theme = sa.Table(
    "observation_learning_theme",
    Base.metadata,
    sa.Column("observation_id", sa.ForeignKey("observation.id"), primary_key=True),
    sa.Column("theme_id", sa.ForeignKey("learning_theme.id"), primary_key=True, index=True),
)


class Observation(Tracked, Versioned, Timestamped, Base):
    """An observation of practice: scheduled, then recorded by the observer."""

    __tablename__ = "observation"
    __history_values__ = {
        "status": OBSERVATION_STATUSES,
        "not_held_reason": NOT_HELD_REASONS,
        "family_feedback": FEEDBACK_CHOICES,
        "child_feedback": FEEDBACK_CHOICES,
    }
    __table_args__ = (
        sa.Index("ix_observation_week_starts", "week_id", "starts_at"),
        sa.Index("ix_observation_observer_starts", "observer_id", "starts_at"),
        sa.Index("ix_observation_practitioner_starts", "practitioner_id", "starts_at"),
        sa.Index("ix_observation_week_status", "week_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    week_id: Mapped[int] = mapped_column(sa.ForeignKey("practice_week.id"))
    observer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    practitioner_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id"), index=True)
    meeting_type_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_type.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    is_virtual: Mapped[bool] = mapped_column(default=False)
    case_reference: Mapped[str] = mapped_column(sa.String(40), default="")
    family_agreed: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(16), default=SCHEDULED)
    override_reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: The iCalendar SEQUENCE: bumped whenever the time or place changes.
    sequence: Mapped[int] = mapped_column(default=0)
    offered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    scheduled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    response_id: Mapped[int | None] = mapped_column(sa.ForeignKey("qa_response.id"))
    family_feedback: Mapped[str] = mapped_column(sa.String(16), default="")
    family_response_id: Mapped[int | None] = mapped_column(sa.ForeignKey("qa_response.id"))
    child_feedback: Mapped[str] = mapped_column(sa.String(16), default="")
    child_response_id: Mapped[int | None] = mapped_column(sa.ForeignKey("qa_response.id"))
    reflections: Mapped[str] = mapped_column(sa.Text, default="")
    not_held_reason: Mapped[str] = mapped_column(sa.String(30), default="")
    reason_detail: Mapped[str] = mapped_column(sa.Text, default="")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    week: Mapped[PracticeWeek] = relationship(lazy="joined")
    observer: Mapped[User | None] = relationship(foreign_keys=[observer_id], lazy="joined")
    practitioner: Mapped[User] = relationship(foreign_keys=[practitioner_id], lazy="joined")
    team: Mapped[Team | None] = relationship(lazy="joined")
    meeting_type: Mapped[MeetingType] = relationship(lazy="joined")
    offered_by: Mapped[User | None] = relationship(foreign_keys=[offered_by_id])
    response: Mapped[Response | None] = relationship(foreign_keys=[response_id])
    family_response: Mapped[Response | None] = relationship(foreign_keys=[family_response_id])
    child_response: Mapped[Response | None] = relationship(foreign_keys=[child_response_id])
    themes: Mapped[list[LearningTheme]] = relationship(
        secondary=observation_theme, order_by=LearningTheme.name
    )

    @property
    def reference(self) -> str:
        return f"OBS-{self.id:05d}"

    @property
    def status_label(self) -> str:
        return OBSERVATION_STATUSES[self.status]

    @property
    def where(self) -> str:
        """The place as people read it: "Virtual (Teams)" for a virtual meeting, once, even
        when the place typed already says it is virtual ("Virtual (Teams)", "virtual")."""
        place = (self.place or "").strip()
        if not self.is_virtual:
            return place
        if not place or place.casefold() == "virtual":
            return "Virtual"
        if place.casefold().startswith(("virtual", "online")):
            return place
        return f"Virtual ({place})"

    def __str__(self):
        return f"Observation of {self.practitioner.name}"


class LearningSession(Tracked, Versioned, Timestamped, Base):
    """A live learning session (an appreciative-inquiry interview, say) staff book onto."""

    __tablename__ = "learning_session"
    __history_values__ = {"status": SESSION_STATUSES}
    __table_args__ = (sa.Index("ix_learning_session_week_starts", "week_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week_id: Mapped[int] = mapped_column(sa.ForeignKey("practice_week.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    presenters: Mapped[str] = mapped_column(sa.String(300), default="")
    facilitator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    capacity: Mapped[int] = mapped_column(default=20)
    status: Mapped[str] = mapped_column(sa.String(16), default=SESSION_SCHEDULED)
    cancelled_reason: Mapped[str] = mapped_column(sa.Text, default="")
    sequence: Mapped[int] = mapped_column(default=0)

    week: Mapped[PracticeWeek] = relationship(lazy="joined")
    facilitator: Mapped[User | None] = relationship(lazy="joined")

    @property
    def reference(self) -> str:
        return f"LS-{self.id:04d}"

    @property
    def where(self) -> str:
        """Where the session is: its place, or "Online" for a session with only a link."""
        return self.place or ("Online" if self.link else "")

    def __str__(self):
        return self.title


class SessionBooking(Tracked, Timestamped, Base):
    """A place on a learning session, or a place on its waiting list."""

    __tablename__ = "session_booking"
    __history_values__ = {"status": BOOKING_STATUSES}
    __table_args__ = (
        sa.Index("ix_session_booking_session_status", "session_id", "status", "booked_at"),
        sa.Index("ix_session_booking_user_status", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("learning_session.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(sa.String(16), default=BOOKED)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[LearningSession] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")


class ScheduleImport(Base):
    """A checked schedule waiting for confirmation (kept so any worker can confirm it)."""

    __tablename__ = "schedule_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    week_id: Mapped[int] = mapped_column(sa.ForeignKey("practice_week.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rows: Mapped[list] = mapped_column(sa.JSON, default=list)
