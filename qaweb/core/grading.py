"""The council's grading scale, kept as data: labels, order and tag colours."""

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Mapped, mapped_column

from qaweb.core.db import Base, Timestamped, Versioned
from qaweb.core.history import Tracked
from qaweb.extensions import db

#: GOV.UK tag colours a level can take.
COLOURS = {
    "green": "Green",
    "turquoise": "Turquoise",
    "blue": "Blue",
    "yellow": "Yellow",
    "orange": "Orange",
    "red": "Red",
    "purple": "Purple",
    "grey": "Grey",
}

DEFAULT_SCALE = [
    ("Outstanding", "green"),
    ("Good", "turquoise"),
    ("Requires improvement", "yellow"),
    ("Inadequate", "red"),
]


class GradeLevel(Tracked, Versioned, Timestamped, Base):
    """One level of the grading scale; position 1 is the best."""

    __tablename__ = "grade_level"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(60), unique=True)
    position: Mapped[int]
    colour: Mapped[str] = mapped_column(sa.String(20), default="grey")
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def tag_class(self) -> str:
        """The GOV.UK tag modifier class for the level's colour, e.g. ``govuk-tag--green``."""
        return f"govuk-tag--{self.colour}"

    def __str__(self):
        return self.label


def levels(include_inactive: bool = False) -> list[GradeLevel]:
    """The scale, best first; the default scale is created the first time it is needed."""
    stmt = select(GradeLevel).order_by(GradeLevel.position, GradeLevel.id)
    if not include_inactive:
        stmt = stmt.where(GradeLevel.active)
    found = list(db.session.scalars(stmt))
    if not found and not db.session.scalar(select(sa.func.count()).select_from(GradeLevel)):
        for position, (label, colour) in enumerate(DEFAULT_SCALE, start=1):
            db.session.add(GradeLevel(label=label, position=position, colour=colour))
        db.session.flush()
        found = list(db.session.scalars(stmt))
    return found


def labels() -> list[str]:
    """The labels of the active grade levels, best first (``levels``)."""
    return [level.label for level in levels()]


#: The fill each tag colour has in charts: the GOV.UK colour palette the tags are drawn from
#: (GOV.UK Frontend's colour settings), so a chart shows a level in its tag's colour.
CHART_COLOURS = {
    "green": "#00703C",
    "turquoise": "#28A197",
    "blue": "#1D70B8",
    "yellow": "#FFDD00",
    "orange": "#F47738",
    "red": "#D4351C",
    "purple": "#4C2C92",
    "grey": "#505A5F",
}


def chart_colours(scale: list[GradeLevel] | None = None) -> list[str]:
    """The chart fill (``#RRGGBB``) of each level of ``scale`` (default: the active scale),
    in the scale's order, best first; a colour the palette does not know is drawn grey."""
    scale = levels() if scale is None else scale
    return [CHART_COLOURS.get(level.colour, CHART_COLOURS["grey"]) for level in scale]
