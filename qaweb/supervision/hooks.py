"""What supervision audits add to the shared pieces: My work, action sources, tool responses."""

from flask import url_for
from sqlalchemy import func, select

from qaweb.core import mywork, sources
from qaweb.core.history import as_system
from qaweb.core.timefmt import today_london
from qaweb.extensions import db
from qaweb.supervision import services
from qaweb.supervision.models import (
    OPEN_STATUSES,
    READY_FOR_REFLECTIVE,
    REQUESTED,
    FeedbackRequest,
    SupervisionAudit,
)
from qaweb.tools import subjects


def _audit(response):
    return db.session.get(SupervisionAudit, response.subject_id) if response.subject_id else None


def _request(response):
    return db.session.get(FeedbackRequest, response.subject_id) if response.subject_id else None


def _fill_audit(user, response):
    audit = _audit(response)
    return bool(audit and services.can_work_on(user, audit))


def _view_audit(user, response):
    audit = _audit(response)
    return bool(audit and services.can_view(user, audit))


def _fill_feedback(user, response):
    request = _request(response)
    if request is None or request.status != REQUESTED:
        return False
    if request.in_conversation:
        return request.audit.auditor_id == user.id
    return request.supervisee_id == user.id


def _view_feedback(user, response):
    request = _request(response)
    if request is None:
        return False
    return request.supervisee_id == user.id or services.sees_each_feedback(user, request.audit)


def _feedback_back(response):
    request = _request(response)
    if request and request.in_conversation:
        return url_for("supervision.audit", audit_id=request.audit_id)
    return url_for("home.index")


def _feedback_done(response, user):
    request = _request(response)
    if request is not None:
        with as_system():
            services.feedback_answered(request)


def my_audits(user, limit):
    stmt = select(SupervisionAudit).where(
        SupervisionAudit.auditor_id == user.id, SupervisionAudit.status.in_(OPEN_STATUSES)
    )
    total = db.session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
    today = today_london()
    items = [
        mywork.WorkItem(
            kind="Reflective session" if a.status == READY_FOR_REFLECTIVE else "Supervision audit",
            title=f"Supervision audit of {a.supervisor.name}",
            url=url_for("supervision.audit", audit_id=a.id),
            due_on=a.due_on,
            detail=f"{a.reference} · {a.status_label}",
            overdue=a.is_overdue(today),
        )
        for a in db.session.scalars(stmt.order_by(SupervisionAudit.due_on).limit(limit))
    ]
    return items, total


def my_feedback_requests(user, limit):
    stmt = select(FeedbackRequest).where(
        FeedbackRequest.supervisee_id == user.id, FeedbackRequest.status == REQUESTED
    )
    total = db.session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
    today = today_london()
    items = [
        mywork.WorkItem(
            kind="Your feedback",
            title=f"Tell us about the supervision you receive from {r.audit.supervisor.name}",
            url=url_for("responses.show", response_id=r.response_id),
            due_on=r.due_on,
            detail="Your answers are combined with others': your supervisor does not see who "
            "said what",
            overdue=r.due_on < today,
        )
        for r in db.session.scalars(stmt.order_by(FeedbackRequest.due_on).limit(limit))
    ]
    return items, total


def register() -> None:
    subjects.register(
        subjects.SubjectType(
            "supervision_audit",
            _fill_audit,
            _view_audit,
            back_url=lambda r: url_for("supervision.audit", audit_id=r.subject_id),
        )
    )
    subjects.register(
        subjects.SubjectType(
            "supervisee_feedback",
            _fill_feedback,
            _view_feedback,
            back_url=_feedback_back,
            on_complete=_feedback_done,
        )
    )
    sources.register(
        sources.SourceType(
            "supervision_audit",
            "Supervision audit",
            url=lambda audit_id: url_for("supervision.audit", audit_id=audit_id),
        )
    )
    mywork.register(
        mywork.WorkSource(
            "Supervision audits to do", my_audits, lambda u: url_for("supervision.index")
        )
    )
    mywork.register(mywork.WorkSource("Feedback asked of you", my_feedback_requests))
