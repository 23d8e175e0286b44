"""What complaints add to the shared pieces: My work and action sources."""

from flask import url_for
from sqlalchemy import func, select

from qaweb.complaints import services
from qaweb.complaints.models import Complaint, ComplaintStage
from qaweb.core import mywork, sources
from qaweb.core.timefmt import today_london
from qaweb.core.workdays import working_days_between
from qaweb.extensions import db


def stages_due(user, limit):
    """Open stages, soonest due first; overdue in red, due within 3 working days flagged."""
    if not services.can_manage(user):
        return [], 0
    stmt = (
        select(ComplaintStage)
        .join(Complaint, Complaint.id == ComplaintStage.complaint_id)
        .where(
            ComplaintStage.responded_on.is_(None),
            ComplaintStage.due_on.is_not(None),
            Complaint.closed_on.is_(None),
        )
    )
    total = db.session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
    today = today_london()
    items = []
    for stage in db.session.scalars(stmt.order_by(ComplaintStage.due_on).limit(limit)):
        left = working_days_between(today, stage.due_on)
        soon = 0 <= left <= services.SOON
        items.append(
            mywork.WorkItem(
                kind="Complaint",
                title=f"{stage.complaint.reference}: {stage.label}",
                url=url_for("complaints.complaint", complaint_id=stage.complaint_id),
                due_on=stage.due_on,
                detail=("Due within 3 working days · " if soon else "")
                + (f"{left} working days left" if left >= 0 else f"{-left} working days overdue"),
                overdue=stage.due_on < today,
            )
        )
    return items, total


def register() -> None:
    sources.register(
        sources.SourceType(
            "complaint",
            "Complaint",
            url=lambda complaint_id: url_for("complaints.complaint", complaint_id=complaint_id),
        )
    )
    mywork.register(
        mywork.WorkSource("Complaint stages due", stages_due, lambda u: url_for("complaints.index"))
    )
