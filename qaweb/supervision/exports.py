"""The rows of the supervision audits export: exactly what the list's filters select, in one
streamed query (names, team and feedback counts joined in), whatever the number of audits."""

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from qaweb.core.excel import Column
from qaweb.extensions import db
from qaweb.organisation.models import Team, User
from qaweb.supervision import services
from qaweb.supervision.models import (
    ANSWERED,
    OPEN_STATUSES,
    STATUSES,
    FeedbackRequest,
    SupervisionAudit,
)

COLUMNS = [
    Column("Reference", 12),
    Column("Year", 24),
    Column("Supervisor", 24),
    Column("Team", 26),
    Column("Auditor", 24),
    Column("Due date", 12, "date"),
    Column("Status", 26),
    Column("Overdue", 10),
    Column("Date of audit", 14, "date"),
    Column("Files reviewed", 14, "number"),
    Column("Children's records", 16, "number"),
    Column("Feedback asked", 14, "number"),
    Column("Feedback answered", 16, "number"),
    Column("Reflective session", 16, "date"),
]


def _feedback_counts():
    """Per audit: supervisees asked (not withdrawn, not a recorded conversation) and how many of
    them answered."""
    asked = services.feedback_asked()
    return (
        select(
            FeedbackRequest.audit_id,
            func.count().filter(asked).label("asked"),
            func.count().filter(asked, FeedbackRequest.status == ANSWERED).label("answered"),
        )
        .group_by(FeedbackRequest.audit_id)
        .subquery()
    )


def rows(filtered_stmt, today, year_labels: dict[int, str]):
    """One row per audit of ``filtered_stmt`` (a select of SupervisionAudit), in its order."""
    supervisor, auditor = aliased(User), aliased(User)
    feedback = _feedback_counts()
    stmt = (
        filtered_stmt.with_only_columns(
            SupervisionAudit.id,
            SupervisionAudit.year,
            supervisor.first_name,
            supervisor.last_name,
            Team.name,
            auditor.first_name,
            auditor.last_name,
            SupervisionAudit.due_on,
            SupervisionAudit.status,
            SupervisionAudit.audited_on,
            SupervisionAudit.files_reviewed,
            SupervisionAudit.children_records,
            feedback.c.asked,
            feedback.c.answered,
            SupervisionAudit.reflective_on,
            maintain_column_froms=False,
        )
        .select_from(SupervisionAudit)
        .join(supervisor, supervisor.id == SupervisionAudit.supervisor_id)
        .join(auditor, auditor.id == SupervisionAudit.auditor_id)
        .outerjoin(Team, Team.id == supervisor.team_id)
        .outerjoin(feedback, feedback.c.audit_id == SupervisionAudit.id)
        .execution_options(yield_per=2000)
    )
    open_statuses = frozenset(OPEN_STATUSES)
    for (
        audit_id,
        year,
        supervisor_first,
        supervisor_last,
        team,
        auditor_first,
        auditor_last,
        due_on,
        status,
        audited_on,
        files_reviewed,
        children_records,
        asked,
        answered,
        reflective_on,
    ) in db.session.execute(stmt):
        yield (
            f"SUP-{audit_id:05d}",
            year_labels[year],
            f"{supervisor_first} {supervisor_last}".strip(),
            team or "",
            f"{auditor_first} {auditor_last}".strip(),
            due_on,
            STATUSES[status],
            "Yes" if status in open_statuses and due_on < today else "No",
            audited_on,
            files_reviewed,
            children_records,
            asked or 0,
            answered or 0,
            reflective_on,
        )
