"""What moderation adds to the shared pieces: who fills in and reads a moderator's form."""

from datetime import timedelta

from flask import url_for
from sqlalchemy import func, or_, select

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


def to_moderate(user, limit):
    """The moderations named to ``user`` and not yet submitted, oldest completion first
    (the moderation's due date follows the audit's completion)."""
    from qaweb.case_audits.models import CaseAudit
    from qaweb.moderation.models import SELECTED, ModerationLine

    stmt = (
        select(ModerationLine)
        .join(CaseAudit, CaseAudit.id == ModerationLine.audit_id)
        .where(
            ModerationLine.moderator_id == user.id,
            ModerationLine.status == SELECTED,
            ModerationLine.moderated_at.is_(None),
        )
    )
    today = today_london()
    found = db.session.scalars(
        stmt.order_by(CaseAudit.completed_on, ModerationLine.id).limit(limit)
    )
    items = [
        _due_item(line, today, "Moderation to grade", "Grade the case blind, then submit")
        for line in found
    ]
    return items, _total(stmt, items, limit)


def for_the_chair(user, limit):
    """For whoever chairs a panel meeting: every moderation the panel has not yet confirmed,
    oldest completion first, with its due date and overdue ones marked (Wokingham §2:
    moderated within 2 weeks; Halton: 10 working days)."""
    from qaweb.case_audits.models import CaseAudit
    from qaweb.moderation import panel
    from qaweb.moderation.models import SELECTED, ModerationLine

    if not panel.chairs_a_meeting(user):
        return [], 0
    stmt = (
        select(ModerationLine)
        .join(CaseAudit, CaseAudit.id == ModerationLine.audit_id)
        .where(
            ModerationLine.status == SELECTED,
            ModerationLine.confirmed_at.is_(None),
            CaseAudit.completed_on.is_not(None),
        )
    )
    today = today_london()
    items = []
    for line in db.session.scalars(
        stmt.order_by(CaseAudit.completed_on, ModerationLine.id).limit(limit)
    ):
        if line.moderated_at is None:
            detail = "Moderator grading" if line.response_id else "Moderator to grade"
        elif line.meeting_id is None:
            detail = "Moderated: for the next panel"
        else:
            detail = f"At the panel of {line.meeting.held_on:%-d %B %Y}: to confirm"
        items.append(_due_item(line, today, "Moderation for the panel", detail))
    return items, _total(stmt, items, limit)


def panel_feedback(user, limit):
    """Moderations the panel confirmed in the last 30 days of audits ``user`` did, or in
    their team (a team manager) or of a practitioner they manage: the panel's feedback."""
    from qaweb.case_audits.models import CaseAudit
    from qaweb.core.permissions import TEAM_MANAGER, has_any_role
    from qaweb.moderation.models import SELECTED, ModerationLine
    from qaweb.organisation.models import User

    since = utcnow() - timedelta(days=30)
    conditions = [
        CaseAudit.auditor_id == user.id,
        CaseAudit.practitioner_id.in_(select(User.id).where(User.line_manager_id == user.id)),
    ]
    if has_any_role(user, TEAM_MANAGER) and user.team_id:
        conditions.append(CaseAudit.team_id == user.team_id)
    stmt = (
        select(ModerationLine)
        .join(CaseAudit, CaseAudit.id == ModerationLine.audit_id)
        .where(
            ModerationLine.status == SELECTED,
            ModerationLine.confirmed_at >= since,
            or_(*conditions),
        )
    )
    items = [
        mywork.WorkItem(
            kind="Moderation feedback",
            title=f"The panel's moderation of {line.audit.reference} "
            f"(case {line.audit.case.case_number})",
            url=url_for("moderation.line", line_id=line.id),
            due_on=None,
            detail=(f"Agreed grade {line.agreed_grade.label}" if line.agreed_grade else "Confirmed")
            + (" · your audit" if line.audit.auditor_id == user.id else ""),
        )
        for line in db.session.scalars(
            stmt.order_by(ModerationLine.confirmed_at.desc(), ModerationLine.id).limit(limit)
        )
    ]
    return items, _total(stmt, items, limit)


def register() -> None:
    mywork.register(mywork.WorkSource("Moderations to grade", to_moderate))
    mywork.register(
        mywork.WorkSource(
            "Moderations for the panel", for_the_chair, lambda u: url_for("moderation.panels")
        )
    )
    mywork.register(mywork.WorkSource("Moderation feedback", panel_feedback))
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
