"""The staff list's rows as plain objects: the columns a row shows, read as Row tuples, not
the ORM's people, teams and role rows (``core.lists.Rows``)."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import aliased

from qaweb.core.lists import Rows
from qaweb.extensions import db
from qaweb.organisation.models import Team, User, UserRole


@dataclass(frozen=True, slots=True)
class ListedName:
    """A record a list's row shows by its name alone (a team, a theme), for every list whose
    rows are plain objects."""

    name: str


#: A person's team as their row shows it.
ListedTeam = ListedName


@dataclass(frozen=True, slots=True)
class ListedPerson:
    """A person as a list's row shows them (a practitioner, an auditor, a recipient): their
    name (``User.name``) and, where the row shows it, their team. For every list whose rows
    are plain objects."""

    first_name: str
    last_name: str
    team: ListedName | None = None

    name = User.name


@dataclass(slots=True, eq=False)
class ListedUser:
    """One row of the staff list (templates/organisation/users.html): name, job title, team,
    roles and whether active, with the User's own ``name`` and ``role_labels``."""

    id: int
    first_name: str
    last_name: str
    job_title: str
    active: bool
    team: ListedTeam | None
    roles: set[str] = field(default_factory=set)

    name = User.name
    role_labels = User.role_labels


#: The person's team, aliased once (a filter may select from ``team`` itself; an alias made
#: afresh each request costs SQLAlchemy its cache key again).
_TEAM = aliased(Team, name="user_team")
_COLUMNS = (
    User.id,
    User.first_name,
    User.last_name,
    User.job_title,
    User.active,
    User.team_id,
    _TEAM.name,
)
_ROLES = select(UserRole.user_id, UserRole.role)


def list_columns(stmt):
    """``services.people_filtered``'s statement (the same people, in the same order) as the
    columns a ``ListedUser`` is made of."""
    return stmt.with_only_columns(*_COLUMNS).outerjoin(_TEAM, _TEAM.id == User.team_id)


def listed(rows) -> list[ListedUser]:
    """The ``ListedUser`` of each row of ``list_columns``'s statement, in order, with their
    roles (one more statement, for the page's people)."""
    people = [
        ListedUser(id_, first, last, job_title, active, ListedTeam(team) if team_id else None)
        for id_, first, last, job_title, active, team_id, team in rows
    ]
    if people:
        by_id = {person.id: person for person in people}
        for user_id, role in db.session.execute(_ROLES.where(UserRole.user_id.in_(list(by_id)))):
            by_id[user_id].roles.add(role)
    return people


#: The staff list's rows (``core.lists.paginate``'s ``rows``).
LIST_ROWS = Rows(list_columns, listed)
