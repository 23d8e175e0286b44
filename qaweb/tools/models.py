from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qaweb.core.db import Base, Timestamped, UTCDateTime, Versioned
from qaweb.core.history import Tracked
from qaweb.organisation.models import User
from qaweb.tools.schema import KINDS

DRAFT = "draft"
PUBLISHED = "published"
COMPLETED = "completed"
VERSION_STATUSES = {DRAFT: "Draft", PUBLISHED: "Published"}
RESPONSE_STATUSES = {DRAFT: "Started", COMPLETED: "Completed"}


class Tool(Tracked, Versioned, Timestamped, Base):
    """A council's audit or observation tool; its questions live in numbered versions."""

    __tablename__ = "qa_tool"
    __history_values__ = {"kind": KINDS}

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(60), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    council: Mapped[str] = mapped_column(sa.String(120), default="")

    versions: Mapped[list["ToolVersion"]] = relationship(
        back_populates="tool", order_by="ToolVersion.number", lazy="selectin"
    )

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def latest(self) -> "ToolVersion | None":
        return max(self.versions, key=lambda v: v.number, default=None)

    @property
    def current(self) -> "ToolVersion | None":
        """The newest published version: the one new records are made with."""
        published = [v for v in self.versions if v.status == PUBLISHED]
        return max(published, key=lambda v: v.number, default=None)

    def __str__(self):
        return self.name


class ToolVersion(Tracked, Versioned, Timestamped, Base):
    """One version of a tool. A published version never changes."""

    __tablename__ = "qa_tool_version"
    __history_values__ = {"status": VERSION_STATUSES}
    __table_args__ = (sa.UniqueConstraint("tool_id", "number", name="tool_number"),)
    __history_skip__ = frozenset({"definition", "source_yaml"})

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(sa.ForeignKey("qa_tool.id"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(16), default=DRAFT)
    definition: Mapped[dict] = mapped_column(sa.JSON)
    source_yaml: Mapped[str] = mapped_column(sa.Text, default="")
    checksum: Mapped[str] = mapped_column(sa.String(64))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    tool: Mapped[Tool] = relationship(back_populates="versions", lazy="joined")
    published_by: Mapped[User | None] = relationship()

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED

    @property
    def sections(self) -> list[dict]:
        return self.definition.get("sections", [])

    def question_count(self) -> int:
        return sum(len(s["questions"]) for s in self.sections)

    def __str__(self):
        return f"{self.tool.name}, version {self.number}"


class Response(Tracked, Versioned, Timestamped, Base):
    """A completed (or part-completed) form: tied to the exact tool version it was made with,
    and to the record it belongs to in whichever module owns it."""

    __tablename__ = "qa_response"
    __history_values__ = {"status": RESPONSE_STATUSES}
    __table_args__ = (sa.Index("ix_qa_response_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_version_id: Mapped[int] = mapped_column(sa.ForeignKey("qa_tool_version.id"), index=True)
    subject_type: Mapped[str] = mapped_column(sa.String(40))
    subject_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(16), default=DRAFT)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    tool_version: Mapped[ToolVersion] = relationship(lazy="joined")
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    answers: Mapped[list["Answer"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Answer.id"
    )

    @property
    def is_completed(self) -> bool:
        return self.status == COMPLETED

    def __str__(self):
        return f"{self.tool_version.tool.name} form (version {self.tool_version.number})"


class Answer(Base):
    """One answer, one row, typed so reports can count and average in SQL."""

    __tablename__ = "qa_answer"
    __table_args__ = (
        sa.Index("ix_qa_answer_question_grade", "question_key", "grade_level_id"),
        sa.Index("ix_qa_answer_response", "response_id", "section_key"),
        # Grade counts over a set of forms (reports): read from the index alone.
        sa.Index(
            "ix_qa_answer_response_grade",
            "response_id",
            "section_key",
            "question_key",
            "grade_level_id",
            postgresql_where=sa.text("grade_level_id IS NOT NULL"),
            sqlite_where=sa.text("grade_level_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("qa_response.id", ondelete="CASCADE"))
    section_key: Mapped[str] = mapped_column(sa.String(60))
    question_key: Mapped[str] = mapped_column(sa.String(80))
    value_text: Mapped[str | None] = mapped_column(sa.Text)
    value_number: Mapped[float | None] = mapped_column(sa.Float)
    value_date: Mapped[date | None]
    grade_level_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grade_level.id"))
