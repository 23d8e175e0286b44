"""The rows of the staff export: exactly the people the staff list's filters select, in one
streamed query (plus one for the roles), whatever the number of staff."""

from sqlalchemy import select
from sqlalchemy.orm import aliased

from qaweb.core.excel import Column
from qaweb.core.permissions import ROLES
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team, User, UserRole

COLUMNS = [
    Column("First name", 16),
    Column("Last name", 18),
    Column("Email", 34),
    Column("Job title", 30),
    Column("Team", 26),
    Column("Service area", 26),
    Column("Line manager email", 34),
    Column("Roles", 40),
    Column("Active", 8),
    Column("Last signed in", 18, "datetime"),
]


def rows(filtered_stmt):
    """One row per person of ``filtered_stmt`` (a select of User), in its order."""
    ids = filtered_stmt.with_only_columns(User.id).order_by(None).subquery()
    order = {role: index for index, role in enumerate(ROLES)}
    roles: dict[int, list[str]] = {}
    for user_id, role in db.session.execute(
        select(UserRole.user_id, UserRole.role).join(ids, ids.c.id == UserRole.user_id)
    ):
        roles.setdefault(user_id, []).append(role)
    labels = {
        user_id: "; ".join(ROLES[r] for r in sorted(held, key=order.get) if r in ROLES)
        for user_id, held in roles.items()
    }
    manager = aliased(User)
    stmt = (
        filtered_stmt.with_only_columns(
            User.id,
            User.first_name,
            User.last_name,
            User.email,
            User.job_title,
            Team.name,
            ServiceArea.name,
            manager.email,
            User.active,
            User.last_signed_in_at,
            maintain_column_froms=False,
        )
        .select_from(User)
        .outerjoin(Team, Team.id == User.team_id)
        .outerjoin(ServiceArea, ServiceArea.id == Team.service_area_id)
        .outerjoin(manager, manager.id == User.line_manager_id)
        .execution_options(yield_per=2000)
    )
    for user_id, first, last, email, job, team, area, boss, active, signed_in in db.session.execute(
        stmt
    ):
        yield (
            first,
            last,
            email,
            job,
            team or "",
            area or "",
            boss or "",
            labels.get(user_id, ""),
            "Yes" if active else "No",
            signed_in,
        )
