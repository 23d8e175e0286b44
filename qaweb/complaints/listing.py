"""The complaints list's rows as plain objects: the columns a row shows, read as Row tuples,
not the ORM's complaint, team and stage instances (``core.lists.Rows``)."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import aliased

from qaweb.complaints.models import (
    Complaint,
    ComplaintStage,
    Compliment,
    ComplimentThemeOption,
    compliment_theme,
)
from qaweb.core.lists import Rows
from qaweb.extensions import db
from qaweb.organisation.listing import ListedName
from qaweb.organisation.models import Team


@dataclass(slots=True, eq=False)
class ListedStage:
    """A stage of a listed complaint: what its label and its clock
    (``services.clock``, ``services.not_answered``) read, and its complaint."""

    id: int
    stage: int
    started_on: date
    extended: bool
    panel_on: date | None
    report_on: date | None
    responded_on: date | None
    complaint: "ListedComplaint | None" = None

    label = ComplaintStage.label


@dataclass(slots=True, eq=False)
class ListedComplaint:
    """One row of the complaints list (templates/complaints/index.html): reference,
    complainant, team, dates, what its clock needs (procedure, not accepted) and its stages
    in order, with the Complaint's own ``current_stage`` and ``is_open``."""

    id: int
    reference: str
    received_on: date
    complainant_type: str
    complainant_name: str
    team_id: int | None
    procedure: str
    closed_on: date | None
    not_accepted_reason: str
    team: ListedName | None
    stages: list[ListedStage] = field(default_factory=list)

    current_stage = Complaint.current_stage
    is_open = Complaint.is_open


#: The complaint's team, aliased once (a filter may select from ``team`` itself; an alias
#: made afresh each request costs SQLAlchemy its cache key again).
_TEAM = aliased(Team, name="complaint_team")
_COLUMNS = (
    Complaint.id,
    Complaint.reference,
    Complaint.received_on,
    Complaint.complainant_type,
    Complaint.complainant_name,
    Complaint.team_id,
    Complaint.procedure,
    Complaint.closed_on,
    Complaint.not_accepted_reason,
    _TEAM.name,
)
_STAGES = select(
    ComplaintStage.complaint_id,
    ComplaintStage.id,
    ComplaintStage.stage,
    ComplaintStage.started_on,
    ComplaintStage.extended,
    ComplaintStage.panel_on,
    ComplaintStage.report_on,
    ComplaintStage.responded_on,
).order_by(ComplaintStage.stage)


def list_columns(stmt):
    """``services.filtered``'s statement (the same complaints, in the same order) as the
    columns a ``ListedComplaint`` is made of."""
    return stmt.with_only_columns(*_COLUMNS).outerjoin(_TEAM, _TEAM.id == Complaint.team_id)


def listed(rows) -> list[ListedComplaint]:
    """The ``ListedComplaint`` of each row of ``list_columns``'s statement, in order, with
    its stages (one more statement, for the page's complaints, in stage order)."""
    complaints = [
        ListedComplaint(*row[:-1], team=None if row[5] is None else ListedName(row[-1]))
        for row in rows
    ]
    if complaints:
        by_id = {c.id: c for c in complaints}
        found = db.session.execute(_STAGES.where(ComplaintStage.complaint_id.in_(list(by_id))))
        for complaint_id, *columns in found:
            complaint = by_id[complaint_id]
            complaint.stages.append(ListedStage(*columns, complaint=complaint))
    return complaints


#: The complaints list's rows (``core.lists.paginate``'s ``rows``).
LIST_ROWS = Rows(list_columns, listed)


# -- compliments ------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class ListedCompliment:
    """One row of the compliments list (templates/complaints/compliments.html): when it came,
    from whom, the team's name, what was valued and its themes' names (by name)."""

    id: int
    received_on: date
    source: str
    external: bool
    valued: str
    team: ListedName | None
    themes: list[str] = field(default_factory=list)


_COMPLIMENT_TEAM = aliased(Team, name="compliment_team")
_COMPLIMENT_COLUMNS = (
    Compliment.id,
    Compliment.received_on,
    Compliment.source,
    Compliment.external,
    Compliment.valued,
    Compliment.team_id,
    _COMPLIMENT_TEAM.name,
)
_THEMES = (
    select(compliment_theme.c.compliment_id, ComplimentThemeOption.name)
    .join(ComplimentThemeOption, ComplimentThemeOption.id == compliment_theme.c.theme_id)
    .order_by(ComplimentThemeOption.name)
)


def compliment_columns(stmt):
    """The compliments list's statement (the same compliments, in the same order) as the
    columns a ``ListedCompliment`` is made of."""
    return stmt.with_only_columns(*_COMPLIMENT_COLUMNS).outerjoin(
        _COMPLIMENT_TEAM, _COMPLIMENT_TEAM.id == Compliment.team_id
    )


def listed_compliments(rows) -> list[ListedCompliment]:
    """The ``ListedCompliment`` of each row of ``compliment_columns``'s statement, in order,
    with its themes' names (one more statement, for the page's compliments, by name)."""
    compliments = [
        ListedCompliment(*row[:5], team=None if row[5] is None else ListedName(row[6]))
        for row in rows
    ]
    if compliments:
        by_id = {c.id: c for c in compliments}
        found = db.session.execute(_THEMES.where(compliment_theme.c.compliment_id.in_(list(by_id))))
        for compliment_id, name in found:
            by_id[compliment_id].themes.append(name)
    return compliments


#: The compliments list's rows (``core.lists.paginate``'s ``rows``).
COMPLIMENT_ROWS = Rows(compliment_columns, listed_compliments)
