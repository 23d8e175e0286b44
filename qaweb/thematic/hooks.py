"""What thematic audits add to the shared pieces: My work and action sources."""

from flask import url_for
from sqlalchemy import func, select

from qaweb.core import mywork, sources
from qaweb.core.permissions import QA_BOARD, QA_OFFICER, has_any_role
from qaweb.core.timefmt import today_london
from qaweb.extensions import db
from qaweb.thematic.models import (
    APPROVED,
    DRAFT,
    IN_PROGRESS,
    REPORTING,
    SUBMITTED,
    ThematicAudit,
)


def _items(stmt, limit, kind, detail):
    total = db.session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
    today = today_london()
    found = db.session.scalars(stmt.order_by(ThematicAudit.report_due_on).limit(limit))
    items = [
        mywork.WorkItem(
            kind=kind,
            title=a.title,
            url=url_for("thematic.audit", audit_id=a.id),
            due_on=a.report_due_on,
            detail=f"{a.reference} · {detail(a)}",
            overdue=bool(a.report_due_on and a.report_due_on < today),
        )
        for a in found
    ]
    return items, total


def to_sign_off(user, limit):
    if not has_any_role(user, QA_BOARD):
        return [], 0
    stmt = select(ThematicAudit).where(ThematicAudit.status == SUBMITTED)
    return _items(
        stmt, limit, "Sign off terms of reference", lambda a: f"version {len(a.versions)} submitted"
    )


def to_run(user, limit):
    """Audits the person leads (any role: often the principal social worker), and for the
    QA team those with no lead yet."""
    mine = ThematicAudit.lead_id == user.id
    if has_any_role(user, QA_OFFICER):
        mine = mine | ThematicAudit.lead_id.is_(None)
    stmt = select(ThematicAudit).where(
        ThematicAudit.status.in_([DRAFT, APPROVED, IN_PROGRESS, REPORTING]), mine
    )
    return _items(stmt, limit, "Thematic audit", lambda a: a.status_label)


def register() -> None:
    sources.register(
        sources.SourceType(
            "thematic_audit",
            "Thematic audit",
            url=lambda audit_id: url_for("thematic.audit", audit_id=audit_id),
        )
    )
    mywork.register(
        mywork.WorkSource(
            "Terms of reference to sign off",
            to_sign_off,
            lambda u: url_for("thematic.index", status=SUBMITTED),
        )
    )
    mywork.register(
        mywork.WorkSource("Thematic audits you lead", to_run, lambda u: url_for("thematic.index"))
    )
