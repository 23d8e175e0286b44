"""What each module's ``summary(period, area_id)`` shares with the QA Board's quarterly report
(qaweb/qa_report): small frozen dataclasses of counts, built with grouped queries.

``Count`` is a label and a number (a grade and how many, a learning theme and how often);
``area_in`` limits a team column to one service area's teams."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import select


@dataclass(frozen=True)
class Count:
    """One labelled count in a summary (a category and how many complaints had it, say)."""

    label: str
    count: int


def area_in(team_column, area_id: int | None):
    """``team_column`` is one of the teams of service area ``area_id`` (every row for None)."""
    if area_id is None:
        return sa.true()
    from qaweb.organisation.models import Team

    return team_column.in_(select(Team.id).where(Team.service_area_id == area_id))


def overall_grades(distribution: dict) -> tuple[Count, ...]:
    """The overall grade's counts, best first, from ``tools.reports.grade_distribution``."""
    return tuple(
        Count(s.label, s.count) for s in distribution.get(("overall", "overall_grade"), [])
    )
