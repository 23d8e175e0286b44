"""What case-file audits add to the shared pieces: My work and action sources."""

from datetime import timedelta

from flask import url_for
from sqlalchemy import and_, func, or_, select

from qaweb.case_audits import services
from qaweb.case_audits.models import COMPLETED, IN_PROGRESS, OPEN_STATUSES, CaseAudit
from qaweb.core import mywork, sources
from qaweb.core.permissions import SERVICE_MANAGER, TEAM_MANAGER, has_any_role
from qaweb.core.timefmt import today_london
from qaweb.extensions import db
from qaweb.organisation.models import Team, User
from qaweb.tools import subjects


def _total(stmt, items, limit) -> int:
    """How many there are in all: counted only when the first ``limit`` did not hold them
    all (My work asks every module on every visit)."""
    if len(items) < limit:
        return len(items)
    return db.session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0


def my_audits(user, limit):
    """The case-file audits allocated to ``user`` and not yet completed, soonest due first."""
    stmt = select(CaseAudit).where(
        CaseAudit.auditor_id == user.id, CaseAudit.status.in_(OPEN_STATUSES)
    )
    today = today_london()
    items = [
        mywork.WorkItem(
            kind="Case-file audit",
            title=f"Audit case {a.case.case_number} ({a.case.case_type})",
            url=url_for("case_audits.audit", audit_id=a.id),
            due_on=a.due_on,
            detail=f"{a.reference} · {a.kind_label} · {a.status_label}",
            overdue=a.is_overdue(today),
        )
        for a in db.session.scalars(stmt.order_by(CaseAudit.due_on, CaseAudit.id).limit(limit))
    ]
    return items, _total(stmt, items, limit)


def _audit(response):
    return db.session.get(CaseAudit, response.subject_id) if response.subject_id else None


def _fill(user, response):
    audit = _audit(response)
    return bool(audit and audit.status == IN_PROGRESS and services.can_work_on(user, audit))


def _view(user, response):
    audit = _audit(response)
    if audit is None:
        return False
    if audit.status != COMPLETED and not (
        services.is_auditor(user, audit) or services.can_manage(user)
    ):
        return False
    return services.can_view(user, audit)


def shared_with_me(user, limit):
    """Completed audits shared with ``user`` in the last 30 days: as the practitioner (until
    they respond), their line manager or the case's team manager; and Inadequate grades for
    the team's manager and the area's service manager, on the day (Halton QA framework:
    notified the same day)."""
    since = today_london() - timedelta(days=30)
    conditions = [
        and_(CaseAudit.practitioner_id == user.id, CaseAudit.responded_at.is_(None)),
        CaseAudit.practitioner_id.in_(select(User.id).where(User.line_manager_id == user.id)),
    ]
    if has_any_role(user, TEAM_MANAGER) and user.team_id:
        conditions.append(CaseAudit.team_id == user.team_id)
    if has_any_role(user, SERVICE_MANAGER) and user.team:
        conditions.append(
            and_(
                CaseAudit.grade_level_id == services.lowest_level_query(),
                CaseAudit.team_id.in_(
                    select(Team.id).where(Team.service_area_id == user.team.service_area_id)
                ),
            )
        )
    stmt = select(CaseAudit).where(
        CaseAudit.status == COMPLETED,
        CaseAudit.completed_on >= since,
        CaseAudit.auditor_id.is_distinct_from(user.id),
        or_(*conditions),
    )
    items = []
    from qaweb.moderation.panel import blinded_audit_ids

    flagged = stmt.add_columns(
        func.coalesce(CaseAudit.grade_level_id == services.lowest_level_query(), False),
        # Audits they moderate blind: no grade shown until they submit their own.
        CaseAudit.id.in_(blinded_audit_ids(user)),
    )
    found = db.session.execute(flagged.order_by(CaseAudit.completed_on.desc()).limit(limit))
    for a, inadequate, blind in found.unique().all():
        if blind:
            inadequate = False
        items.append(
            mywork.WorkItem(
                kind=f"{a.grade.label} case-file audit"
                if inadequate and a.grade
                else "Case-file audit to read",
                title=f"Audit of case {a.case.case_number} ({a.practitioner.name})",
                url=url_for("case_audits.audit", audit_id=a.id),
                due_on=a.completed_on,
                detail=f"{a.reference} · {a.team.name}"
                + (f" · graded {a.grade.label}" if a.grade and not blind else "")
                + (" · add your response" if a.practitioner_id == user.id else ""),
                # Completed, so never overdue: the kind names an Inadequate grade.
                overdue=False,
            )
        )
    return items, _total(stmt, items, limit)


def register() -> None:
    subjects.register(
        subjects.SubjectType(
            "case_audit",
            _fill,
            _view,
            back_url=lambda r: url_for("case_audits.audit", audit_id=r.subject_id),
        )
    )
    mywork.register(mywork.WorkSource("Case-file audits shared with you", shared_with_me))
    sources.register(
        sources.SourceType(
            "case_audit",
            "Case-file audit",
            url=lambda audit_id: url_for("case_audits.audit", audit_id=audit_id),
        )
    )
    mywork.register(
        mywork.WorkSource(
            "Case-file audits to do", my_audits, lambda u: url_for("case_audits.index")
        )
    )
