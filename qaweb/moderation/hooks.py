"""What moderation adds to the shared pieces: who fills in and reads a moderator's form."""

from datetime import timedelta

from flask import url_for
from sqlalchemy import and_, func, or_, select

from qaweb.core import mywork, sources
from qaweb.core.db import utcnow
from qaweb.core.timefmt import today_london
from qaweb.extensions import db
from qaweb.tools import subjects


def _line(response):
    from qaweb.moderation.models import ModerationLine

    return db.session.get(ModerationLine, response.subject_id) if response.subject_id else None


def _fill(user, response) -> bool:
    line = _line(response)
    return bool(line and line.moderator_id == user.id and line.moderated_at is None)


def _view(user, response) -> bool:
    from qaweb.moderation.services import can_view_line

    line = _line(response)
    return bool(line and can_view_line(user, line))


def _total(stmt, items, limit) -> int:
    if len(items) < limit:
        return len(items)
    return db.session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0


def _due_item(line, today, kind, detail):
    from qaweb.moderation import services

    audit = line.audit
    return mywork.WorkItem(
        kind=kind,
        title=f"Moderation of {audit.reference} (case {audit.case.case_number})",
        url=url_for("moderation.line", line_id=line.id),
        due_on=services.due_on(line),
        detail=detail,
        overdue=services.is_overdue(line, today),
    )


def moderation_work(user, limit):
    """What moderation asks of ``user``, from one statement: the moderations named to them
    and not yet submitted; for whoever chairs a panel meeting, every moderation the panel
    has not yet confirmed, with its due date and overdue ones marked (Wokingham §2: within
    2 weeks; Halton: 10 working days); and the panel's confirmed moderations of the last
    30 days of audits they did, in their team (a team manager) or of a practitioner they
    manage (its feedback). Oldest completion first."""
    from qaweb.case_audits.models import CaseAudit
    from qaweb.core.permissions import TEAM_MANAGER, has_any_role
    from qaweb.moderation.models import SELECTED, ModerationLine, PanelMeeting
    from qaweb.organisation.models import User

    since = utcnow() - timedelta(days=30)
    chairs = select(PanelMeeting.id).where(PanelMeeting.chair_id == user.id).limit(1).exists()
    readers = [
        CaseAudit.auditor_id == user.id,
        CaseAudit.practitioner_id.in_(select(User.id).where(User.line_manager_id == user.id)),
    ]
    if has_any_role(user, TEAM_MANAGER) and user.team_id:
        readers.append(CaseAudit.team_id == user.team_id)
    grading = and_(ModerationLine.moderator_id == user.id, ModerationLine.moderated_at.is_(None))
    for_panel = and_(
        chairs, ModerationLine.confirmed_at.is_(None), CaseAudit.completed_on.is_not(None)
    )
    feedback = and_(ModerationLine.confirmed_at >= since, or_(*readers))
    stmt = (
        select(ModerationLine)
        .join(CaseAudit, CaseAudit.id == ModerationLine.audit_id)
        .where(ModerationLine.status == SELECTED, or_(grading, for_panel, feedback))
    )
    today = today_london()
    items = []
    found = db.session.execute(
        stmt.add_columns(grading, for_panel)
        .order_by(CaseAudit.completed_on, ModerationLine.id)
        .limit(limit)
    )
    for line, to_grade, to_panel in found.unique().all():
        audit = line.audit
        if to_grade:
            items.append(
                _due_item(line, today, "Moderation to grade", "Grade the case blind, then submit")
            )
        elif to_panel:
            if line.moderated_at is None:
                detail = "Moderator grading" if line.response_id else "Moderator to grade"
            elif line.meeting_id is None:
                detail = "Moderated: for the next panel"
            else:
                detail = f"At the panel of {line.meeting.held_on:%-d %B %Y}: to confirm"
            items.append(_due_item(line, today, "Moderation for the panel", detail))
        else:
            items.append(
                mywork.WorkItem(
                    kind="Moderation feedback",
                    title=f"The panel's moderation of {audit.reference} "
                    f"(case {audit.case.case_number})",
                    url=url_for("moderation.line", line_id=line.id),
                    due_on=None,
                    detail=(
                        f"Agreed grade {line.agreed_grade.label}"
                        if line.agreed_grade
                        else "Confirmed"
                    )
                    + (" · your audit" if audit.auditor_id == user.id else ""),
                )
            )
    return items, _total(stmt, items, limit)


def register() -> None:
    mywork.register(mywork.WorkSource("Moderation of case-file audits", moderation_work))
    sources.register(
        sources.SourceType(
            "moderation",
            "Moderation of a case-file audit",
            url=lambda line_id: url_for("moderation.line", line_id=line_id),
        )
    )
    subjects.register(
        subjects.SubjectType(
            "moderation",
            _fill,
            _view,
            back_url=lambda r: url_for("moderation.line", line_id=r.subject_id),
        )
    )
