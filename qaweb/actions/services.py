"""Who may see and change an action, the lists, and the changes of status."""

import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import aliased, defaultload

from qaweb.actions.models import CANCELLED, COMPLETED, OPEN, Action
from qaweb.core.db import utcnow
from qaweb.core.lists import Rows, as_id, contains
from qaweb.core.permissions import (
    QA_OFFICER,
    SERVICE_MANAGER,
    TEAM_MANAGER,
    has_any_role,
    managed_teams_conditions,
    manages_team,
)
from qaweb.core.timefmt import format_date, today_london
from qaweb.organisation.models import Team, User

SCOPES = {
    "mine": "My actions",
    "team": "Team actions",
    "all": "All actions",
}


class ActionError(Exception):
    """A change of status that the action's state does not allow; the message says why."""


# -- permissions -------------------------------------------------------------------------


def manages_team_of(user: User, action: Action) -> bool:
    """A team manager of the action's team, or a service manager of its service area."""
    return manages_team(user, action.team)


def in_team_scope(user: User, action: Action) -> bool:
    """The "team" scope's record rule: an action of a team ``user`` manages, or owned by
    someone they line-manage. The list's side: ``team_scope_condition``, just below."""
    return manages_team_of(user, action) or action.owner.line_manager_id == user.id


def team_scope_condition(user: User):
    """SQL: the actions ``in_team_scope`` allows ``user`` (the "team" scope)."""
    conditions = managed_teams_conditions(user, Action.team_id)
    conditions.append(Action.owner_id.in_(select(User.id).where(User.line_manager_id == user.id)))
    return or_(*conditions)


def can_view(user: User, action: Action) -> bool:
    """Open the action: the QA team; its owner and whoever raised it (the "mine" scope); the
    owner's line manager and the managers of its team (the "team" scope). The lists' side of
    this rule is ``view_condition`` (a test checks they agree for every role)."""
    return (
        has_any_role(user, QA_OFFICER)
        or action.owner_id == user.id
        or action.raised_by_id == user.id
        or in_team_scope(user, action)
    )


def view_condition(user: User):
    """SQL: the actions ``can_view`` lets ``user`` open, which the scopes they may use list
    between them (None: all of them)."""
    if has_any_role(user, QA_OFFICER):
        return None
    return or_(mine_condition(user), team_scope_condition(user))


def mine_condition(user: User):
    """SQL: the "mine" scope, the actions ``user`` owns or raised."""
    return or_(Action.owner_id == user.id, Action.raised_by_id == user.id)


def may_complete(user: User, action: Action) -> bool:
    """Whose job it is to complete the action (whatever its state)."""
    return (
        action.owner_id == user.id
        or has_any_role(user, QA_OFFICER)
        or manages_team_of(user, action)
    )


def can_complete(user: User, action: Action) -> bool:
    """True while the action is open, for the people who may complete it (``may_complete``)."""
    return action.status == OPEN and may_complete(user, action)


def can_manage(user: User, action: Action | None = None) -> bool:
    """Raise, edit, verify and cancel: the QA team."""
    return has_any_role(user, QA_OFFICER)


def line_manages_anyone(user: User) -> bool:
    """Whether anyone has ``user`` as their line manager (one query, remembered on the
    person for the rest of the request): they may use the "team" scope for their actions."""
    from qaweb.extensions import db

    known = getattr(user, "_line_manages_anyone", None)
    if known is None:
        known = bool(
            db.session.scalar(select(User.id).where(User.line_manager_id == user.id).limit(1))
        )
        user._line_manages_anyone = known
    return known


def can_use_scope(user: User, scope: str) -> bool:
    """Whether ``user`` may list the actions of ``scope``: "mine" everyone, "team" team and service
    managers, "all" QA officers; anything else no one."""
    if scope == "mine":
        return True
    if scope == "team":
        return has_any_role(user, TEAM_MANAGER, SERVICE_MANAGER) or line_manages_anyone(user)
    if scope == "all":
        return has_any_role(user, QA_OFFICER)
    return False


# -- lists -------------------------------------------------------------------------------


def scope_condition(user: User, scope: str):
    """The SQL condition for the actions a scope shows ``user``."""
    if scope == "mine":
        return mine_condition(user)
    if scope == "team":
        return team_scope_condition(user)
    return None  # all


OWNER_MATCHES_SHOWN = 5


@dataclass(frozen=True)
class StaffMatch:
    """A member of staff who matches what was typed in the Owner filter."""

    id: int
    name: str
    email: str
    job_title: str
    team: str
    active: bool

    @property
    def description(self) -> str:
        """Job title and team, and "no longer active" for someone who left, joined by commas."""
        parts = [p for p in (self.job_title, self.team) if p]
        if not self.active:
            parts.append("no longer active")
        return ", ".join(parts)


def match_staff(text: str, team_ids: list[int] | None = None) -> list[StaffMatch]:
    """Staff that the Owner filter's text names, best first, at most one more than are shown.

    An id (from a link such as ``owner=12``) names that person; otherwise any part of the
    name or email address matches, and a whole name or email address that only one person
    has picks them alone (so "Jo Smith" is not lost among the Jo Smithsons). Leavers match
    too: their actions may still need finding. ``team_ids`` limits the people to those teams.
    """
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    full_name = User.first_name + " " + User.last_name
    stmt = select(
        User.id,
        User.first_name,
        User.last_name,
        User.email,
        User.job_title,
        User.active,
        Team.name.label("team"),
    ).outerjoin(Team, User.team_id == Team.id)
    if team_ids is not None:
        stmt = stmt.where(User.team_id.in_(team_ids))
    ident = as_id(text)
    if ident is not None:
        stmt = stmt.where(User.id == ident)
    else:
        term = contains(text)
        lowered = text.lower()
        exact = or_(func.lower(full_name) == lowered, func.lower(User.email) == lowered)
        stmt = stmt.where(
            or_(full_name.ilike(term, escape="\\"), User.email.ilike(term, escape="\\"))
        ).order_by(
            case((exact, 0), else_=1),
            User.active.desc(),
            User.last_name,
            User.first_name,
            User.id,
        )
    from qaweb.extensions import db

    rows = db.session.execute(stmt.limit(OWNER_MATCHES_SHOWN + 1))
    found = [
        StaffMatch(
            r.id,
            f"{r.first_name} {r.last_name}".strip(),
            r.email,
            r.job_title or "",
            r.team or "",
            bool(r.active),
        )
        for r in rows
    ]
    lowered = text.lower()
    exact_matches = [m for m in found if lowered in (m.name.lower(), m.email.lower())]
    return exact_matches if len(exact_matches) == 1 else found


def owner_problem(text: str, found: list[StaffMatch], in_teams: bool = False) -> str | None:
    """The Owner filter's error message, or None when the text names exactly one person."""
    if len(found) == 1:
        return None
    shown = f"‘{text.strip()}’"
    if not found:
        who = "No member of staff in these teams" if in_teams else "No member of staff"
        return f"{who} matches {shown} – check the spelling, or enter their email address"
    if len(found) > OWNER_MATCHES_SHOWN:
        return (
            f"More than {OWNER_MATCHES_SHOWN} members of staff match {shown} – "
            "enter more of their name, or their email address"
        )
    return (
        f"{len(found)} members of staff match {shown} – choose one from the list below, "
        "or enter more of their name or their email address"
    )


# What a row of the list shows: the action, its owner's name and its team's name. The owner's
# and team's own relationships (team, roles, service area, paired team) would otherwise be
# joined or selected too, for every row, and never shown.
LIST_LOAD = (
    defaultload(Action.owner).lazyload("*"),
    defaultload(Action.team).lazyload("*"),
)


@dataclass(frozen=True, slots=True)
class ListedPerson:
    """An action's owner as a row of the actions list shows them: their name."""

    first_name: str
    last_name: str

    name = User.name


@dataclass(frozen=True, slots=True)
class ListedTeam:
    """An action's team as a row of the actions list needs it: its name, and its id and
    service area for ``can_complete`` (a manager of the action's team)."""

    id: int
    name: str
    service_area_id: int | None


@dataclass(frozen=True, slots=True)
class ListedAction:
    """One row of the actions list (templates/actions/_rows.html): the action's text,
    source, owner, team, dates and status, with the Action's own ``reference``, ``source``,
    ``status_label`` and ``is_overdue``; ``can_complete`` takes it as it takes an Action.
    A plain object, not an ORM instance: made from one Row each, without the ORM building
    three instances a row (the action, its owner and its team) and their identity map."""

    id: int
    source_type: str
    source_label: str
    description: str
    owner_id: int
    team_id: int | None
    due_on: date
    status: str
    completed_on: date | None
    owner: ListedPerson
    team: ListedTeam | None

    reference = Action.reference
    source = Action.source
    status_label = Action.status_label
    is_overdue = Action.is_overdue


#: The owner and team of a row of the actions list, aliased (a filter may select from
#: ``user`` or ``team`` itself). Made once: an alias made afresh costs a statement's cache key
#: about half a millisecond.
_OWNER, _TEAM = aliased(User, name="owner"), aliased(Team, name="owner_team")
_LISTED_COLUMNS = (
    Action.id,
    Action.source_type,
    Action.source_label,
    Action.description,
    Action.owner_id,
    Action.team_id,
    Action.due_on,
    Action.status,
    Action.completed_on,
    _OWNER.first_name,
    _OWNER.last_name,
    _TEAM.name,
    _TEAM.service_area_id,
)


def list_columns(stmt: Select) -> Select:
    """``filtered``'s statement (the same rows, in the same order) as the columns a
    ``ListedAction`` is made of (``listed``): the action's columns, its owner's name, its
    team's name and service area."""
    return (
        stmt.with_only_columns(*_LISTED_COLUMNS)
        .join(_OWNER, _OWNER.id == Action.owner_id)
        .outerjoin(_TEAM, _TEAM.id == Action.team_id)
    )


def listed(rows) -> list[ListedAction]:
    """The ``ListedAction`` of each row of ``list_rows``'s statement, in order."""
    made = []
    for row in rows:
        (id_, source_type, source_label, description, owner_id, team_id, due_on, status,
         completed_on, first_name, last_name, team_name, area_id) = row  # fmt: skip
        made.append(
            ListedAction(
                id_,
                source_type,
                source_label,
                description,
                owner_id,
                team_id,
                due_on,
                status,
                completed_on,
                ListedPerson(first_name, last_name),
                None if team_id is None else ListedTeam(team_id, team_name, area_id),
            )
        )
    return made


#: The actions list's rows as ListedAction objects (``core.lists.paginate``'s ``rows``).
LIST_ROWS = Rows(list_columns, listed)


def filtered(user: User, scope: str, filters: dict, today: date | None = None) -> Select:
    """The SELECT of actions in ``scope`` that match ``filters``, soonest due first."""
    today = today or today_london()
    stmt = select(Action)
    condition = scope_condition(user, scope)
    if condition is not None:
        stmt = stmt.where(condition)
    status = filters.get("status") or OPEN
    if status != "all":
        stmt = stmt.where(Action.status == status)
    if filters.get("overdue"):
        stmt = stmt.where(Action.status == OPEN, Action.due_on < today)
    if filters.get("owner"):
        stmt = stmt.where(Action.owner_id == int(filters["owner"]))
    if filters.get("team"):
        stmt = stmt.where(Action.team_id == int(filters["team"]))
    if filters.get("source"):
        stmt = stmt.where(Action.source_type == filters["source"])
    if filters.get("q"):
        term = contains(filters["q"])
        owner_match = select(User.id).where(
            or_(
                (User.first_name + " " + User.last_name).ilike(term, escape="\\"),
                User.email.ilike(term, escape="\\"),
            )
        )
        stmt = stmt.where(
            or_(
                Action.description.ilike(term, escape="\\"),
                Action.source_label.ilike(term, escape="\\"),
                Action.owner_id.in_(owner_match),
            )
        )
    return stmt.order_by(Action.due_on, Action.id)


# -- changes -----------------------------------------------------------------------------


def raise_action(
    *,
    source_type: str,
    description: str,
    owner: User,
    due_on: date,
    raised_by: User | None,
    source_id: int | None = None,
    source_label: str = "",
    team_id: int | None = None,
) -> Action:
    """Add an action from any module; the owner's team is responsible unless another is given."""
    action = Action(
        source_type=source_type,
        source_id=source_id,
        source_label=source_label,
        description=description,
        owner=owner,
        owner_id=owner.id,
        team_id=team_id if team_id is not None else owner.team_id,
        due_on=due_on,
        status=OPEN,
        raised_by_id=raised_by.id if raised_by else None,
    )
    from qaweb.extensions import db

    db.session.add(action)
    db.session.flush()
    tell_owner(action, raised_by)
    return action


def tell_owner(action: Action, by: User | None) -> int:
    """Email the action's owner that it is theirs (not when they gave it to themselves).
    Keyed by action and owner: given back to someone later, they are told again."""
    if by is not None and by.id == action.owner_id:
        return 0
    from qaweb.core.notify import absolute_url, notify

    return notify(
        "action",
        [action.owner],
        f"Action for you: {action.reference}, due {format_date(action.due_on)}",
        "action_assigned",
        {"action": action, "by": by},
        key=f"action:{action.id}:owner:{action.owner_id}:v{action.version or 1}",
        link=absolute_url("actions.detail", action_id=action.id),
    )


def complete(action: Action, by: User, completed_on: date, evidence: str) -> None:
    """Complete an open action on ``completed_on`` (today or earlier, London) with the ``evidence``
    of what was done. Raises ActionError otherwise."""
    if action.status != OPEN:
        raise ActionError(f"This action is already {action.status_label.lower()}.")
    if completed_on > today_london():
        raise ActionError("Date completed must be today or in the past")
    action.status = COMPLETED
    action.completed_on = completed_on
    action.completed_by_id = by.id
    action.evidence = evidence.strip()


def verify(action: Action, by: User) -> None:
    """Record that the QA team checked a completed action's evidence (``by``, now UTC). Raises
    ActionError for an action not completed or already verified."""
    if action.status != COMPLETED:
        raise ActionError("Only a completed action can be verified.")
    if action.verified_by_id:
        raise ActionError("This action has already been verified.")
    action.verified_by_id = by.id
    action.verified_at = utcnow()


def cancel(action: Action, reason: str) -> None:
    """Cancel an open action with ``reason``. Raises ActionError for one not open."""
    if action.status != OPEN:
        raise ActionError(f"This action is already {action.status_label.lower()}.")
    action.status = CANCELLED
    action.cancelled_reason = reason.strip()


def reopen(action: Action) -> None:
    """Back to open, for an action completed without enough evidence."""
    if action.status != COMPLETED:
        raise ActionError("Only a completed action can be reopened.")
    action.status = OPEN
    action.completed_on = None
    action.completed_by_id = None
    action.verified_by_id = None
    action.verified_at = None


# -- my work -----------------------------------------------------------------------------


def _first_and_total(stmt, order, limit):
    """The first ``limit`` rows of ``stmt`` and how many there are in all (two queries)."""
    from sqlalchemy import func

    from qaweb.extensions import db

    total = db.session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
    return list(db.session.scalars(stmt.options(*LIST_LOAD).order_by(*order).limit(limit))), total


def _work_item(action: Action, kind: str, detail: str, due_on=None, overdue=False):
    from flask import url_for

    from qaweb.core.mywork import WorkItem

    text = action.description
    return WorkItem(
        kind=kind,
        title=text if len(text) <= 120 else text[:117] + "…",
        url=url_for("actions.detail", action_id=action.id),
        due_on=due_on,
        detail=f"{action.reference} · {detail}",
        overdue=overdue,
    )


def my_open_actions(user: User, limit: int):
    """Open actions the person owns, soonest due first, for My work."""
    today = today_london()
    stmt = select(Action).where(Action.owner_id == user.id, Action.status == OPEN)
    found, total = _first_and_total(stmt, (Action.due_on, Action.id), limit)
    items = [
        _work_item(
            a,
            "Action",
            a.source.label + (f": {a.source_label}" if a.source_label else ""),
            due_on=a.due_on,
            overdue=a.is_overdue(today),
        )
        for a in found
    ]
    return items, total


def actions_to_verify(user: User, limit: int):
    """Completed actions no one has verified yet, for the QA team's My work."""
    if not has_any_role(user, QA_OFFICER):
        return [], 0
    stmt = select(Action).where(Action.status == COMPLETED, Action.verified_by_id.is_(None))
    # Sorted by the whole key of ix_action_to_verify: the first two columns are fixed by the
    # WHERE, so the order is completed_on, id; but PostgreSQL does not treat "IS NULL" as
    # fixing a column, and with only (completed_on, id) it sorted all ~45,000 matching rows
    # (170 ms at scale 50) instead of reading the first 25 from the index (under 1 ms).
    order = (Action.status, Action.verified_by_id, Action.completed_on, Action.id)
    found, total = _first_and_total(stmt, order, limit)
    items = [_work_item(a, "Verify an action", f"completed by {a.owner.name}") for a in found]
    return items, total


def register_my_work() -> None:
    """Add the actions' My work sources: each person's open actions, and for the QA team the
    completed actions waiting to be verified."""
    from flask import url_for

    from qaweb.core import mywork

    mywork.register(
        mywork.WorkSource(
            "Your open actions", my_open_actions, lambda u: url_for("actions.listing", scope="mine")
        )
    )
    mywork.register(
        mywork.WorkSource(
            "Completed actions to verify",
            actions_to_verify,
            lambda u: url_for("actions.listing", scope="all", status="completed"),
        )
    )


# -- the quarterly QA report ---------------------------------------------------------------


@dataclass(frozen=True)
class SourceFigures:
    """One row of the actions summary: a source module (or team) and its counts."""

    label: str
    raised: int
    completed: int
    overdue: int


@dataclass(frozen=True)
class OldestOverdue:
    """The overdue action open longest: its reference, description, source and team labels, due
    date, and calendar days overdue."""

    reference: str
    description: str
    source: str
    team: str
    due_on: date
    days_overdue: int


@dataclass(frozen=True)
class ActionsSummary:
    """Actions for a period: ``raised`` (created in it), ``completed`` and ``verified``
    (in it), ``overdue`` (of those raised in it, open and past due today, so periods
    compare), each by source module
    (``by_source``) and by team (``by_team``, most overdue first), and the ``oldest``
    overdue action (or None). Cancelled actions count nowhere."""

    raised: int
    completed: int
    overdue: int
    verified: int
    by_source: tuple[SourceFigures, ...]
    by_team: tuple[SourceFigures, ...]
    oldest: OldestOverdue | None


def summary(period, area_id: int | None = None, today: date | None = None) -> ActionsSummary:
    """The actions tracker's figures for ``period`` (a core.years.Period) and one service
    area's teams (None: every action): two grouped queries and one for the oldest overdue
    action (open and past due today, whenever raised). DESIGN: every action is tracked to
    completion; overdue is computed, never stored."""
    return summaries([period], area_id, today)[period]


def summaries(periods, area_id: int | None = None, today: date | None = None) -> dict:
    """``summary`` for each of ``periods`` at once, as {period: ActionsSummary}: still two
    grouped queries (each period's counts side by side, so the actions are read once however
    many periods) and one for the oldest overdue action, which is the same for every period.
    The evidence pack asks for its quarters, their previous quarters and years before, and
    its 12 months together."""
    from qaweb.core.summaries import area_in
    from qaweb.extensions import db

    periods = list(dict.fromkeys(periods))
    today = today or today_london()
    overdue = (Action.status == OPEN) & (Action.due_on < today)
    counts = []
    for period in periods:
        first, last = period.instants()
        counts.append(
            (
                func.count().filter(Action.created_at.between(first, last)),
                func.count().filter(
                    Action.status == COMPLETED,
                    Action.completed_on.between(period.start, period.end),
                ),
                func.count().filter(overdue, Action.created_at.between(first, last)),
                func.count().filter(Action.verified_at.between(first, last)),
            )
        )
    live = (Action.status != CANCELLED, area_in(Action.team_id, area_id))
    by_source = db.session.execute(
        select(Action.source_type, *(c for four in counts for c in four))
        .where(*live)
        .group_by(Action.source_type)
    ).all()
    by_team = db.session.execute(
        select(func.coalesce(Team.name, "No team"), *(c for four in counts for c in four[:3]))
        .select_from(Action)
        .outerjoin(Team, Team.id == Action.team_id)
        .where(*live)
        .group_by(Team.name)
    ).all()
    oldest = db.session.execute(
        select(Action, Team.name)
        .outerjoin(Team, Team.id == Action.team_id)
        .where(*live, overdue)
        .order_by(Action.due_on, Action.id)
        .limit(1)
    ).first()
    oldest = (
        OldestOverdue(
            oldest[0].reference,
            oldest[0].description,
            oldest[0].source.label,
            oldest[1] or "No team",
            oldest[0].due_on,
            (today - oldest[0].due_on).days,
        )
        if oldest
        else None
    )
    return {
        period: _summary_of(
            [(row[0], *row[1 + 4 * i : 5 + 4 * i]) for row in by_source],
            [(row[0], *row[1 + 3 * i : 4 + 3 * i]) for row in by_team],
            oldest,
        )
        for i, period in enumerate(periods)
    }


def _summary_of(by_source: list, by_team: list, oldest: OldestOverdue | None) -> ActionsSummary:
    """One period's ActionsSummary from its rows: (source type, raised, completed, overdue,
    verified) per source and (team name, raised, completed, overdue) per team."""
    from qaweb.core import sources

    source_rows = tuple(
        sorted(
            (SourceFigures(sources.get(s).label, r, c, o) for s, r, c, o, _v in by_source),
            key=lambda f: f.label,
        )
    )
    return ActionsSummary(
        raised=sum(f.raised for f in source_rows),
        completed=sum(f.completed for f in source_rows),
        overdue=sum(f.overdue for f in source_rows),
        verified=sum(row[4] for row in by_source),
        by_source=tuple(f for f in source_rows if f.raised or f.completed or f.overdue),
        by_team=tuple(
            f
            for f in sorted(
                (SourceFigures(name, r, c, o) for name, r, c, o in by_team),
                key=lambda f: (-f.overdue, f.label),
            )
            if f.raised or f.completed or f.overdue
        ),
        oldest=oldest,
    )


# -- for the modules actions come from ----------------------------------------------------------


def actions_for(source_type: str, source_id: int) -> list[Action]:
    """The actions raised from one record (``source_type``, a ``core.sources`` key, and the
    record's id), soonest due first (then in the order raised)."""
    from qaweb.extensions import db

    return list(
        db.session.scalars(
            select(Action)
            .where(Action.source_type == source_type, Action.source_id == source_id)
            .order_by(Action.due_on, Action.id)
        )
    )
