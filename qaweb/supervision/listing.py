"""The supervision audits list's rows as plain objects: the columns a row shows, read as Row
tuples, not the ORM's audit, supervisor, auditor and team instances (``core.lists.Rows``)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import aliased

from qaweb.core.lists import Rows
from qaweb.organisation.listing import ListedName, ListedPerson
from qaweb.organisation.models import Team, User
from qaweb.supervision.models import SupervisionAudit


@dataclass(frozen=True, slots=True)
class ListedAudit:
    """One row of the supervision audits list (templates/supervision/index.html), with the
    SupervisionAudit's own ``reference``, ``status_label``, ``is_open`` and ``is_overdue``."""

    id: int
    due_on: date
    status: str
    supervisor: ListedPerson | None
    auditor: ListedPerson | None

    reference = SupervisionAudit.reference
    status_label = SupervisionAudit.status_label
    is_open = SupervisionAudit.is_open
    is_overdue = SupervisionAudit.is_overdue


#: The supervisor, their team and the auditor, aliased once (a filter selects from ``user``
#: itself; an alias made afresh each request costs SQLAlchemy its cache key again).
_SUPERVISOR = aliased(User, name="supervisor")
_SUPERVISOR_TEAM = aliased(Team, name="supervisor_team")
_AUDITOR = aliased(User, name="auditor")
_COLUMNS = (
    SupervisionAudit.id,
    SupervisionAudit.due_on,
    SupervisionAudit.status,
    _SUPERVISOR.id,
    _SUPERVISOR.first_name,
    _SUPERVISOR.last_name,
    _SUPERVISOR.team_id,
    _SUPERVISOR_TEAM.name,
    _AUDITOR.id,
    _AUDITOR.first_name,
    _AUDITOR.last_name,
)


def list_columns(stmt):
    """``services.filtered``'s statement (the same audits, in the same order) as the columns a
    ``ListedAudit`` is made of: joined as the audit's own relationships join them."""
    return (
        stmt.with_only_columns(*_COLUMNS)
        .outerjoin(_SUPERVISOR, _SUPERVISOR.id == SupervisionAudit.supervisor_id)
        .outerjoin(_SUPERVISOR_TEAM, _SUPERVISOR_TEAM.id == _SUPERVISOR.team_id)
        .outerjoin(_AUDITOR, _AUDITOR.id == SupervisionAudit.auditor_id)
    )


def listed(rows) -> list[ListedAudit]:
    """The ``ListedAudit`` of each row of ``list_columns``'s statement, in order."""
    made = []
    for row in rows:
        (id_, due_on, status, supervisor_id, first, last, team_id, team_name,
         auditor_id, auditor_first, auditor_last) = row  # fmt: skip
        team = None if team_id is None else ListedName(team_name)
        made.append(
            ListedAudit(
                id_,
                due_on,
                status,
                None if supervisor_id is None else ListedPerson(first, last, team),
                None if auditor_id is None else ListedPerson(auditor_first, auditor_last),
            )
        )
    return made


#: The supervision audits list's rows (``core.lists.paginate``'s ``rows``).
LIST_ROWS = Rows(list_columns, listed)
