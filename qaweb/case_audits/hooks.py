"""What case-file audits add to the shared pieces: My work and action sources."""

from flask import url_for
from sqlalchemy import func, select

from qaweb.case_audits.models import OPEN_STATUSES, CaseAudit
from qaweb.core import mywork, sources
from qaweb.core.timefmt import today_london
from qaweb.extensions import db


def my_audits(user, limit):
    """The case-file audits allocated to ``user`` and not yet completed, soonest due first."""
    stmt = select(CaseAudit).where(
        CaseAudit.auditor_id == user.id, CaseAudit.status.in_(OPEN_STATUSES)
    )
    total = db.session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
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
    return items, total


def register() -> None:
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
