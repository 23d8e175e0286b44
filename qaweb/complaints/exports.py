"""The rows of the complaints export: exactly what the list's filters select, in one query
(plus one for the categories), streamed, whatever the number of complaints."""

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from qaweb.complaints.models import (
    COMPLAINANTS,
    HOW,
    NOT_ACCEPTED,
    STAGES,
    CategoryOption,
    Complaint,
    ComplaintStage,
    complaint_category,
)
from qaweb.core.excel import Column
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team


def columns(personal: bool) -> list[Column]:
    cols = [
        Column("Reference", 15),
        Column("Old reference", 15),
        Column("Received", 12, "date"),
        Column("How", 10),
        Column("Who complained", 26),
    ]
    if personal:
        cols += [Column("Complainant", 24), Column("Contact details", 30)]
    return cols + [
        Column("Child's case reference", 16),
        Column("Service area", 26),
        Column("Team", 24),
        Column("Categories", 30),
        Column("Current stage", 26),
        Column("Due", 12, "date"),
        Column("Closed", 12, "date"),
        Column("Advocate offered", 10),
        Column("Advocate used", 10),
        Column("Not accepted", 12, "date"),
        Column("Why not accepted", 40),
        Column("Summary", 60),
    ]


def rows(filtered_stmt, personal: bool):
    """One row per complaint of ``filtered_stmt``, newest first."""
    ids = filtered_stmt.with_only_columns(Complaint.id).order_by(None).subquery()
    categories: dict[int, list[str]] = {}
    for complaint_id, name in db.session.execute(
        select(complaint_category.c.complaint_id, CategoryOption.name)
        .join(CategoryOption, CategoryOption.id == complaint_category.c.category_id)
        .join(ids, ids.c.id == complaint_category.c.complaint_id)
        .order_by(complaint_category.c.complaint_id, CategoryOption.name)
    ):
        categories.setdefault(complaint_id, []).append(name)
    latest = (
        select(ComplaintStage.complaint_id, func.max(ComplaintStage.stage).label("stage"))
        .group_by(ComplaintStage.complaint_id)
        .subquery()
    )
    current = aliased(ComplaintStage)
    stmt = (
        select(
            Complaint.id,
            Complaint.reference,
            Complaint.received_on,
            Complaint.received_how,
            Complaint.complainant_type,
            Complaint.complainant_name,
            Complaint.complainant_contact,
            Complaint.child_reference,
            ServiceArea.name.label("area"),
            Team.name.label("team"),
            current.stage,
            current.due_on,
            current.responded_on,
            Complaint.closed_on,
            Complaint.summary,
            Complaint.legacy_reference,
            Complaint.advocate_offered,
            Complaint.advocate_used,
            Complaint.not_accepted_on,
            Complaint.not_accepted_reason,
        )
        .join(ids, ids.c.id == Complaint.id)
        .outerjoin(ServiceArea, ServiceArea.id == Complaint.service_area_id)
        .outerjoin(Team, Team.id == Complaint.team_id)
        .outerjoin(latest, latest.c.complaint_id == Complaint.id)
        .outerjoin(
            current, and_(current.complaint_id == Complaint.id, current.stage == latest.c.stage)
        )
        .order_by(Complaint.received_on.desc(), Complaint.id.desc())
        .execution_options(yield_per=2000)
    )
    for r in db.session.execute(stmt):
        row = [
            r.reference,
            r.legacy_reference or "",
            r.received_on,
            HOW.get(r.received_how, ""),
            COMPLAINANTS.get(r.complainant_type, ""),
        ]
        if personal:
            row += [r.complainant_name, r.complainant_contact]
        row += [
            r.child_reference,
            r.area or "",
            r.team or "",
            "; ".join(categories.get(r.id, ())),
            STAGES[r.stage] if r.stage else "",
            r.due_on if r.stage and not r.responded_on else None,
            r.closed_on,
            "Yes" if r.advocate_offered else "No",
            "Yes" if r.advocate_used else "No",
            r.not_accepted_on,
            NOT_ACCEPTED.get(r.not_accepted_reason, "") if r.not_accepted_reason else "",
            r.summary,
        ]
        yield row
