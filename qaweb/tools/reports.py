"""Counting answers across many responses, in SQL, for the reports that later modules build."""

from dataclasses import dataclass

from sqlalchemy import func, select

from qaweb.core import grading
from qaweb.extensions import db
from qaweb.tools.models import Answer


@dataclass(frozen=True)
class Share:
    """One grade level's or answer's share: its label, count, per cent (one decimal place) and the
    GOV.UK tag colour of a grade level."""

    label: str
    count: int
    percent: float
    colour: str = "grey"


def grade_distribution(response_ids, scale=None) -> dict[tuple[str, str], list[Share]]:
    """For each graded question of the given responses (a list of ids or a SELECT of ids):
    how many answers gave each level of the scale, and the percentage, best level first.
    Keys are (section_key, question_key); section grades use question key "section_grade".
    ``scale``: the whole scale (``grading.levels(include_inactive=True)``) when the caller
    has read it already, else it is read here."""
    rows = db.session.execute(
        select(Answer.section_key, Answer.question_key, Answer.grade_level_id, func.count())
        .where(Answer.response_id.in_(response_ids), Answer.grade_level_id.is_not(None))
        .group_by(Answer.section_key, Answer.question_key, Answer.grade_level_id)
    ).all()
    counts: dict[tuple[str, str], dict[int, int]] = {}
    for section_key, question_key, level_id, count in rows:
        counts.setdefault((section_key, question_key), {})[level_id] = count
    if scale is None:
        scale = grading.levels(include_inactive=True)
    result = {}
    for key, by_level in counts.items():
        total = sum(by_level.values())
        result[key] = [
            Share(
                level.label,
                by_level.get(level.id, 0),
                round(100 * by_level.get(level.id, 0) / total, 1),
                level.colour,
            )
            for level in scale
        ]
    return result


def answer_distribution(response_ids, question_key: str) -> list[Share]:
    """How often each answer was given to a choice question (yes/partly/no, agree, lists)."""
    rows = db.session.execute(
        select(Answer.value_text, func.count())
        .where(
            Answer.response_id.in_(response_ids),
            Answer.question_key == question_key,
            Answer.value_text.is_not(None),
        )
        .group_by(Answer.value_text)
        .order_by(func.count().desc(), Answer.value_text)
    ).all()
    total = sum(count for _, count in rows)
    return [
        Share(text, count, round(100 * count / total, 1) if total else 0.0) for text, count in rows
    ]
