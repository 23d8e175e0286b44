"""The rows of the actions export: exactly what the list's filters select."""

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from qaweb.actions.models import OPEN, STATUSES, Action
from qaweb.core import sources
from qaweb.core.excel import Column
from qaweb.core.timefmt import today_london
from qaweb.organisation.models import ServiceArea, Team, User

COLUMNS = [
    Column("Reference", 13),
    Column("Source", 22),
    Column("Meeting or reference", 30),
    Column("Action", 60),
    Column("Owner", 24),
    Column("Team", 26),
    Column("Service area", 26),
    Column("Due date", 12, "date"),
    Column("Status", 12),
    Column("Overdue", 10),
    Column("Days overdue", 13, "number"),
    Column("Date completed", 15, "date"),
    Column("Evidence of completion", 50),
    Column("Verified by", 24),
    Column("Raised", 17, "datetime"),
]


def columns(*titles: str) -> list[Column]:
    """The actions export's columns called ``titles``, in that order (KeyError for a title
    it does not have): for a report's own "Actions" sheet, so an action's columns read the
    same, at the same widths, in every workbook."""
    by_title = {column.title: column for column in COLUMNS}
    return [by_title[title] for title in titles]


def rows(filtered_stmt, today=None):
    """Yield one row per action, streamed from the database in batches."""
    today = today or today_london()
    owner = aliased(User)
    verifier = aliased(User)
    ids = filtered_stmt.with_only_columns(Action.id).order_by(None).subquery()
    stmt = (
        select(
            Action.id,
            Action.source_type,
            Action.source_label,
            Action.description,
            owner.first_name,
            owner.last_name,
            Team.name,
            ServiceArea.name,
            Action.due_on,
            Action.status,
            Action.completed_on,
            Action.evidence,
            verifier.first_name,
            verifier.last_name,
            Action.created_at,
        )
        .join(ids, ids.c.id == Action.id)
        .join(owner, owner.id == Action.owner_id)
        .outerjoin(Team, Team.id == Action.team_id)
        .outerjoin(ServiceArea, ServiceArea.id == Team.service_area_id)
        .outerjoin(verifier, verifier.id == Action.verified_by_id)
        .order_by(Action.due_on, Action.id)
        .execution_options(yield_per=2000)
    )
    from qaweb.extensions import db

    for r in db.session.execute(stmt):
        overdue = r.status == OPEN and r.due_on < today
        yield (
            f"ACT-{r[0]:06d}",
            sources.get(r.source_type).label,
            r.source_label,
            r.description,
            f"{r[4]} {r[5]}",
            r[6] or "",
            r[7] or "",
            r.due_on,
            STATUSES[r.status],
            "Yes" if overdue else "No",
            (today - r.due_on).days if overdue else 0,
            r.completed_on,
            r.evidence,
            f"{r[12]} {r[13]}" if r[12] else "",
            r.created_at,
        )


def summary(filtered_stmt, scope_label, filter_labels, today=None):
    """Totals by status for the summary sheet, counted in SQL."""
    today = today or today_london()
    ids = filtered_stmt.with_only_columns(Action.id).order_by(None).subquery()
    from qaweb.extensions import db

    counts = db.session.execute(
        select(
            func.count(),
            func.sum(case((Action.status == "open", 1), else_=0)),
            func.sum(case((Action.status == "completed", 1), else_=0)),
            func.sum(case((Action.status == "cancelled", 1), else_=0)),
            func.sum(case(((Action.status == "open") & (Action.due_on < today), 1), else_=0)),
        ).join(ids, ids.c.id == Action.id)
    ).one()
    total, open_, completed, cancelled, overdue = (c or 0 for c in counts)
    yield ("List", scope_label)
    for label, value in filter_labels:
        yield (f"Filter: {label}", value)
    yield ("Exported on", today)
    yield ("Actions", total)
    yield ("Open", open_)
    yield ("Of which overdue", overdue)
    yield ("Completed", completed)
    yield ("Cancelled", cancelled)
