"""The thematic audits list's rows as plain objects: the columns a row shows, read as Row
tuples, not the ORM's audits with their theme, lead (and the lead's roles), terms versions and
findings (``core.lists.Rows``)."""

from dataclasses import dataclass

from sqlalchemy.orm import aliased

from qaweb.core.lists import Rows
from qaweb.organisation.listing import ListedName, ListedPerson
from qaweb.organisation.models import User
from qaweb.thematic.models import ThematicAudit, Theme


@dataclass(frozen=True, slots=True)
class ListedAudit:
    """One row of the thematic audits list (templates/thematic/index.html), with the
    ThematicAudit's own ``reference`` and ``status_label``."""

    id: int
    title: str
    plan_year: int
    quarter: int
    status: str
    theme: ListedName | None
    lead: ListedPerson | None

    reference = ThematicAudit.reference
    status_label = ThematicAudit.status_label


#: The theme and the lead, aliased once (an alias made afresh each request costs SQLAlchemy
#: its cache key again).
_THEME = aliased(Theme, name="audit_theme")
_LEAD = aliased(User, name="audit_lead")
_COLUMNS = (
    ThematicAudit.id,
    ThematicAudit.title,
    ThematicAudit.plan_year,
    ThematicAudit.quarter,
    ThematicAudit.status,
    _THEME.id,
    _THEME.name,
    _LEAD.id,
    _LEAD.first_name,
    _LEAD.last_name,
)


def list_columns(stmt):
    """``services.filtered``'s statement (the same audits, in the same order) as the columns a
    ``ListedAudit`` is made of: joined as the audit's theme and lead relationships join."""
    return (
        stmt.with_only_columns(*_COLUMNS)
        .outerjoin(_THEME, _THEME.id == ThematicAudit.theme_id)
        .outerjoin(_LEAD, _LEAD.id == ThematicAudit.lead_id)
    )


def listed(rows) -> list[ListedAudit]:
    """The ``ListedAudit`` of each row of ``list_columns``'s statement, in order."""
    return [
        ListedAudit(
            id_,
            title,
            plan_year,
            quarter,
            status,
            None if theme_id is None else ListedName(theme),
            None if lead_id is None else ListedPerson(first, last),
        )
        for id_, title, plan_year, quarter, status, theme_id, theme, lead_id, first, last in rows
    ]


#: The thematic audits list's rows (``core.lists.paginate``'s ``rows``).
LIST_ROWS = Rows(list_columns, listed)
