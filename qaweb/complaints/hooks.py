"""What complaints add to the shared pieces: My work and action sources."""

from flask import url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, contains_eager

from qaweb.complaints import services
from qaweb.complaints.models import STAGES, Complaint, ComplaintStage
from qaweb.core import mywork, sources
from qaweb.core.templating import working_days
from qaweb.core.timefmt import format_date, today_london
from qaweb.core.workdays import working_days_between
from qaweb.extensions import db


def _current_stages():
    """The current (latest) stage of each open complaint, with its complaint loaded in the
    same statement (no query per row). An earlier stage left unanswered when the complainant
    went on is not work: it stays on record as not answered."""
    later = aliased(ComplaintStage)
    return (
        select(ComplaintStage)
        .join(Complaint, Complaint.id == ComplaintStage.complaint_id)
        .options(contains_eager(ComplaintStage.complaint))
        .where(
            Complaint.closed_on.is_(None),
            ~select(later.id)
            .where(
                later.complaint_id == ComplaintStage.complaint_id,
                later.stage > ComplaintStage.stage,
            )
            .exists(),
        )
    )


def _waiting(stage, today) -> mywork.WorkItem:
    left = working_days_between(
        today, stage.due_on, statutory=services.is_statutory(stage.complaint)
    )
    soon = 0 <= left <= services.SOON
    return mywork.WorkItem(
        kind="Complaint",
        title=f"{stage.complaint.reference}: {stage.label}",
        url=url_for("complaints.complaint", complaint_id=stage.complaint_id),
        due_on=stage.due_on,
        detail=("Due within 3 working days · " if soon else "")
        + (working_days(left) if left >= 0 else working_days(-left, "overdue"))
        + _target_note(stage),
        overdue=stage.due_on < today,
    )


def _target_note(stage) -> str:
    """The council's own target, beside the statutory due date (never instead of it)."""
    target = services.internal_target(stage)
    return f" · council's own target {format_date(target[0])}" if target else ""


def _answered(stage, today) -> mywork.WorkItem:
    """Answered but not closed: what happens next is the end of the window for asking for
    the next stage (Stages 1 and 2), then closing the complaint."""
    window = services.next_stage_window(stage)
    name = STAGES[stage.stage].split(":")[0]
    if window is not None:
        following = STAGES[stage.stage + 1].split(":")[0]
        if window >= today:
            detail = (
                f"{name} answered · {following} may be asked for until "
                f"{format_date(window)}, then close it"
            )
        else:
            detail = (
                f"{name} answered · the window for {following} ended on "
                f"{format_date(window)}: close it"
            )
    else:
        window = stage.responded_on
        detail = f"{name} answered: close it"
    return mywork.WorkItem(
        kind="Complaint",
        title=f"{stage.complaint.reference}: {stage.label} answered",
        url=url_for("complaints.complaint", complaint_id=stage.complaint_id),
        due_on=window,
        detail=detail,
        overdue=False,
    )


def stages_due(user, limit):
    """Open stages, soonest due first; overdue in red, due within 3 working days flagged.
    Then stages answered on complaints not yet closed: the date the window for asking for
    the next stage ends, then "close it"."""
    if not services.can_manage(user):
        return [], 0
    current = _current_stages()
    total = (
        db.session.scalar(
            current.where(
                or_(ComplaintStage.responded_on.is_not(None), ComplaintStage.due_on.is_not(None))
            )
            .with_only_columns(func.count())
            .order_by(None)
        )
        or 0
    )
    today = today_london()
    waiting = current.where(
        ComplaintStage.responded_on.is_(None), ComplaintStage.due_on.is_not(None)
    ).order_by(ComplaintStage.due_on, ComplaintStage.id)
    answered = current.where(ComplaintStage.responded_on.is_not(None)).order_by(
        ComplaintStage.responded_on, ComplaintStage.id
    )
    items = [_waiting(stage, today) for stage in db.session.scalars(waiting.limit(limit))]
    items += [_answered(stage, today) for stage in db.session.scalars(answered.limit(limit))]
    return items, total


def _can_open_complaint(user, complaint_id: int) -> bool:
    """Complainants' details are restricted: only the people ``services.can_view`` lets in
    are linked to the complaint an action came from."""
    complaint = db.session.get(Complaint, complaint_id)
    return complaint is not None and services.can_view(user, complaint)


def register() -> None:
    sources.register(
        sources.SourceType(
            "complaint",
            "Complaint",
            url=lambda complaint_id: url_for("complaints.complaint", complaint_id=complaint_id),
            can_open=_can_open_complaint,
        )
    )
    mywork.register(
        mywork.WorkSource("Complaint stages due", stages_due, lambda u: url_for("complaints.index"))
    )
