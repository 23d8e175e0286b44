"""Points of complaint: the statement of complaint as numbered points, each answered at each
stage, and the stage's outcome derived from the points' outcomes.

The Local Government and Social Care Ombudsman's guidance on children's complaints expects
every point of the agreed statement of complaint to be answered at Stage 2 and reviewed at
Stage 3; qaweb records an outcome for each point at Stages 1 to 3. The Ombudsman's own
decision (stage 4) keeps a single outcome.
"""

from datetime import date

from sqlalchemy import and_, func, select

from qaweb.complaints.models import (
    POINT_OUTCOMES,
    WITHOUT_POINTS,
    Complaint,
    ComplaintPoint,
    ComplaintStage,
    PointOutcome,
)
from qaweb.core.text import clean_identifier, clean_text
from qaweb.extensions import db

#: Stages whose response answers each point (the Ombudsman's decision does not, here).
POINT_STAGES = (1, 2, 3)
POINT_MAX_LENGTH = 2000


class PointError(Exception):
    """A point or a point outcome the record does not allow; the message says why."""


def derived_outcome(outcomes: list[str]) -> str:
    """The stage's outcome from its points' outcomes (each a ``POINT_OUTCOMES`` key), in the
    order: no outcomes → "" (nothing to derive; the stage keeps its own choice); every point
    upheld → "upheld"; at least one point upheld or partly upheld (but not all upheld) →
    "partly_upheld"; otherwise, at least one not upheld → "not_upheld" (points the
    investigation could not determine do not make a complaint partly upheld); every point
    unable to determine → "unable".

    Raises PointError for an outcome that is not one of ``POINT_OUTCOMES``."""
    for outcome in outcomes:
        if outcome not in POINT_OUTCOMES:
            raise PointError(f"{outcome!r} is not a point outcome")
    if not outcomes:
        return ""
    if all(o == "upheld" for o in outcomes):
        return "upheld"
    if any(o in ("upheld", "partly_upheld") for o in outcomes):
        return "partly_upheld"
    if any(o == "not_upheld" for o in outcomes):
        return "not_upheld"
    return "unable"


def split_points(text: str) -> list[str]:
    """Points typed one a line (the "log a complaint" form): each non-blank line, cleaned,
    a leading "1." / "2)" / "-" / "•" number or bullet removed."""
    import re

    points = []
    for line in clean_text(text or "").splitlines():
        line = clean_identifier(line)  # no zero-width characters copied in
        line = re.sub(r"^\s*(?:\d+\s*[.):]|[-•*])\s*", "", line).strip()
        if line:
            points.append(line)
    return points


def add_point(complaint: Complaint, text: str) -> ComplaintPoint:
    """Add a point at the end of the statement (numbered after the last one). Raises
    PointError for empty or over-long text."""
    text = clean_text(text or "").strip()
    if not text:
        raise PointError("Enter the point of complaint")
    if len(text) > POINT_MAX_LENGTH:
        raise PointError(f"A point must be {POINT_MAX_LENGTH:,} characters or fewer")
    number = max((p.number for p in complaint.points), default=0) + 1
    point = ComplaintPoint(complaint=complaint, number=number, text=text)
    db.session.add(point)
    _touch(complaint)
    db.session.flush()
    return point


def move_point(complaint: Complaint, point: ComplaintPoint, step: int) -> None:
    """Move a point one place up (step -1) or down (+1): it swaps numbers with its neighbour,
    so the points stay numbered 1, 2, 3... Raises PointError at either end."""
    ordered = sorted(complaint.points, key=lambda p: p.number)
    index = ordered.index(point)
    other = index + step
    if step not in (-1, 1) or not 0 <= other < len(ordered):
        raise PointError(f"Point {point.number} is already {'first' if step < 0 else 'last'}")
    neighbour = ordered[other]
    point.number, neighbour.number = neighbour.number, point.number
    _touch(complaint)
    db.session.flush()
    complaint.points.sort(key=lambda p: p.number)


def _touch(complaint: Complaint) -> None:
    """A change to the statement moves the complaint's version counter, so two officers
    adding or moving points at once cannot both number from the same list."""
    from qaweb.core.db import utcnow

    complaint.updated_at = utcnow()


def set_point_outcomes(stage: ComplaintStage, chosen: dict[int, str], responded: bool) -> None:
    """Record each point's outcome at ``stage`` (``chosen``: point id → ``POINT_OUTCOMES``
    key, or "" for none yet) and, when the complaint has points and the stage is answered
    point by point, set the stage's outcome to the derived one (``derived_outcome``).

    ``responded``: the stage's response is being recorded; then every point needs an
    outcome unless the stage's outcome is one that answers no point (withdrawn, resolved
    without investigation). Raises PointError naming the first point without one."""
    points = stage.complaint.points
    if not points or stage.stage not in POINT_STAGES:
        return
    existing = {o.point_id: o for o in stage.point_outcomes}
    for point in points:
        value = chosen.get(point.id, "")
        if value and value not in POINT_OUTCOMES:
            raise PointError(f"Select the outcome of point {point.number}")
        row = existing.get(point.id)
        if value and row is None:
            db.session.add(PointOutcome(stage=stage, point=point, outcome=value))
        elif value and row.outcome != value:
            row.outcome = value
        elif not value and row is not None:
            stage.point_outcomes.remove(row)
            db.session.delete(row)
    if stage.outcome in WITHOUT_POINTS:
        return
    missing = [p for p in points if not chosen.get(p.id)]
    if responded and missing:
        first = missing[0]
        raise PointError(
            f"Select the outcome of point {first.number} ({_short(first.text)}): every point "
            "is answered with the response"
        )
    stage.outcome = derived_outcome([chosen[p.id] for p in points]) if not missing else ""


def _short(text: str, length: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def count_points(start: date, end: date) -> dict[int, dict[str, int]]:
    """Points of complaint answered in a period: {stage number: {point outcome key: count}}
    for the stages (1 to 3) whose response was sent between ``start`` and ``end``
    (inclusive, London dates). Stages without points count nothing here. One query."""
    rows = db.session.execute(
        select(ComplaintStage.stage, PointOutcome.outcome, func.count())
        .select_from(PointOutcome)
        .join(ComplaintStage, ComplaintStage.id == PointOutcome.stage_id)
        .where(and_(ComplaintStage.responded_on.between(start, end)))
        .group_by(ComplaintStage.stage, PointOutcome.outcome)
    )
    counts: dict[int, dict[str, int]] = {}
    for number, outcome, count in rows:
        counts.setdefault(number, {})[outcome] = count
    return counts
