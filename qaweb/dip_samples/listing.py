"""A dip sample's cases as plain objects: the columns a row shows, read as Row tuples, not
the ORM's cases, teams and samplers (``core.lists.Rows``)."""

from dataclasses import dataclass

from sqlalchemy.orm import aliased

from qaweb.core.lists import Rows
from qaweb.dip_samples.models import DipSampleCase
from qaweb.organisation.listing import ListedName, ListedPerson
from qaweb.organisation.models import Team, User


@dataclass(frozen=True, slots=True)
class ListedCase:
    """One row of a dip sample's cases (templates/dip_samples/sample.html), with the
    DipSampleCase's own ``status_label`` and ``is_done``."""

    id: int
    case_number: str
    status: str
    team: ListedName | None
    sampler: ListedPerson | None

    status_label = DipSampleCase.status_label
    is_done = DipSampleCase.is_done


#: The case's team and sampler, aliased once (an alias made afresh each request costs
#: SQLAlchemy its cache key again).
_TEAM = aliased(Team, name="case_team")
_SAMPLER = aliased(User, name="sampler")
_COLUMNS = (
    DipSampleCase.id,
    DipSampleCase.case_number,
    DipSampleCase.status,
    _TEAM.id,
    _TEAM.name,
    _SAMPLER.id,
    _SAMPLER.first_name,
    _SAMPLER.last_name,
)


def list_columns(stmt):
    """The sample page's statement of cases (the same cases, in the same order) as the
    columns a ``ListedCase`` is made of: joined as the case's relationships join them."""
    return (
        stmt.with_only_columns(*_COLUMNS)
        .outerjoin(_TEAM, _TEAM.id == DipSampleCase.team_id)
        .outerjoin(_SAMPLER, _SAMPLER.id == DipSampleCase.sampler_id)
    )


def listed(rows) -> list[ListedCase]:
    """The ``ListedCase`` of each row of ``list_columns``'s statement, in order."""
    return [
        ListedCase(
            id_,
            case_number,
            status,
            None if team_id is None else ListedName(team),
            None if sampler_id is None else ListedPerson(first, last),
        )
        for id_, case_number, status, team_id, team, sampler_id, first, last in rows
    ]


#: A dip sample's cases as rows (``core.lists.paginate``'s ``rows``).
LIST_ROWS = Rows(list_columns, listed)
