"""Saving service areas, teams and people; the staff list filters."""

from dataclasses import dataclass
from functools import cache

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from qaweb.core.lists import contains
from qaweb.core.permissions import ROLES
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team, User, UserRole


class DuplicateError(Exception):
    """Another record already has this name or email."""


def teams(active_only: bool = False) -> list[Team]:
    """Every team (or the active ones only), by name."""
    stmt = select(Team).order_by(Team.name)
    if active_only:
        stmt = stmt.where(Team.active)
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class TeamRow:
    """A team as the Teams list shows it: id, name, its service area's name, the paired
    team's name (None: not paired) and whether it is in use."""

    id: int
    name: str
    area: str
    paired: str | None
    active: bool


def team_rows() -> list[TeamRow]:
    """Every team for the Teams list, by name: five columns a team in one statement, not
    Team objects with their service area and paired team (a large council has hundreds)."""
    return [TeamRow(*row) for row in db.session.execute(_team_rows())]


@cache
def _team_rows():
    """``team_rows``'s statement, built once (with its paired-team alias): a statement and
    alias built afresh each request cost about 0.3 ms of Python for SQLAlchemy's cache key."""
    paired = aliased(Team, name="paired_team")
    return (
        select(Team.id, Team.name, ServiceArea.name, paired.name, Team.active)
        .join(ServiceArea, ServiceArea.id == Team.service_area_id)
        .outerjoin(paired, paired.id == Team.paired_team_id)
        .order_by(Team.name)
    )


def team_options(*conditions) -> list[tuple[int, str]]:
    """Teams for a filter or drop-down, by name: ids and names only (a Team object brings its
    service area and paired team along, and a large council has hundreds of teams)."""
    return list(
        db.session.execute(select(Team.id, Team.name).where(*conditions).order_by(Team.name))
    )


def service_areas() -> list[ServiceArea]:
    """Every service area, by name."""
    return list(db.session.scalars(select(ServiceArea).order_by(ServiceArea.name)))


def person_label(first_name: str, last_name: str, team: str | None = None) -> str:
    """A person as every drop-down lists them: "Surname, First name (Team)", so typing a
    surname in a select of hundreds finds them (a select matches on the start of the text)."""
    first, last = (first_name or "").strip(), (last_name or "").strip()
    name = f"{last}, {first}" if first and last else (last or first)
    return f"{name} ({team})" if team else name


@dataclass(frozen=True)
class PersonOption:
    """A person as a drop-down offers them: id, name, job title and the label shown."""

    id: int
    name: str
    job_title: str
    #: "Surname, First name (Team)": what a drop-down shows.
    label: str = ""


def person_options(*conditions) -> list[PersonOption]:
    """People for a drop-down, by surname then first name: five columns, not whole records
    (there may be thousands, and a page lists them all). ``conditions`` filter User (and
    Team, which is outer-joined)."""
    rows = db.session.execute(
        select(User.id, User.first_name, User.last_name, User.job_title, Team.name)
        .outerjoin(Team, Team.id == User.team_id)
        .where(*conditions)
        .order_by(func.lower(User.last_name), func.lower(User.first_name), User.id)
    )
    # Each row unpacked as a tuple: reading a Row's fields by name costs about 0.4 us each,
    # a quarter of a millisecond a hundred people (a council has thousands).
    return [
        PersonOption(id_, f"{first} {last}".strip(), job_title, person_label(first, last, team))
        for id_, first, last, job_title, team in rows
    ]


def person_choices(*conditions, blank: str | None = None, exclude_id: int | None = None):
    """SelectChoices of people for every select where a person is chosen: each listed as
    "Surname, First name (Team)", sorted by surname. ``conditions`` as ``person_options``
    (pass ``User.active`` for active people only); ``exclude_id`` leaves one person out (a
    person cannot be their own line manager)."""
    from qaweb.core.forms import choices

    return choices(
        ((p.id, p.label) for p in person_options(*conditions) if p.id != exclude_id), blank=blank
    )


def ensure_unique(model, column, value, record_id=None, message="") -> None:
    """Raise DuplicateError(``message``) when another ``model`` record (not ``record_id``) already
    has ``value`` in ``column``, compared stripped and ignoring case."""
    value = value.strip()
    # SQLite's lower() folds only ASCII letters: match the exact value too, so a name in
    # another script ("Île") is found here rather than by the unique constraint (a 500).
    stmt = select(model.id).where(or_(column == value, func.lower(column) == value.lower()))
    if record_id:
        stmt = stmt.where(model.id != record_id)
    if db.session.scalar(stmt):
        raise DuplicateError(message)


def save_service_area(area: ServiceArea, form) -> ServiceArea:
    """Copy the form's name and active flag onto ``area`` and flush. Raises DuplicateError for a
    name another area has."""
    ensure_unique(
        ServiceArea,
        ServiceArea.name,
        form.name.data,
        area.id,
        "There is already a service area with this name",
    )
    area.name = form.name.data
    area.active = form.active.data
    db.session.add(area)
    db.session.flush()
    return area


def save_team(team: Team, form) -> Team:
    """Copy the form's name, service area, paired team and active flag onto ``team`` and flush.
    Raises DuplicateError for a name another team has."""
    ensure_unique(
        Team, Team.name, form.name.data, team.id, "There is already a team with this name"
    )
    team.name = form.name.data
    team.service_area_id = form.service_area_id.data
    team.paired_team_id = form.paired_team_id.data
    team.active = form.active.data
    db.session.add(team)
    db.session.flush()
    return team


def save_user(user: User, form, password_method: str) -> User:
    """Copy the form onto ``user`` (email in lower case, roles, and a new password hashed with
    ``password_method`` when one is typed) and flush. Raises DuplicateError for an email someone
    else has."""
    email = form.email.data.strip().lower()
    ensure_unique(User, User.email, email, user.id, "Someone already has this email address")
    user.email = email
    user.first_name = form.first_name.data
    user.last_name = form.last_name.data
    user.job_title = form.job_title.data or ""
    user.team_id = form.team_id.data
    user.line_manager_id = form.line_manager_id.data
    user.active = form.active.data
    user.roles = set(form.roles.data)
    if form.new_password.data:
        user.set_password(form.new_password.data, method=password_method)
    db.session.add(user)
    db.session.flush()
    return user


def people_filtered(filters: dict):
    """The SELECT of people the staff list shows for ``filters`` ({"status": "active" (the default),
    "inactive" or anything for all; "team": a team id; "role"; "q": text in the name, email or job
    title}), by surname."""
    stmt = select(User)
    status = filters.get("status") or "active"
    if status == "active":
        stmt = stmt.where(User.active)
    elif status == "inactive":
        stmt = stmt.where(~User.active)
    if filters.get("team"):
        stmt = stmt.where(User.team_id == int(filters["team"]))
    if filters.get("role") in ROLES:
        stmt = stmt.where(
            User.id.in_(select(UserRole.user_id).where(UserRole.role == filters["role"]))
        )
    if filters.get("q"):
        term = contains(filters["q"])
        stmt = stmt.where(
            or_(
                (User.first_name + " " + User.last_name).ilike(term, escape="\\"),
                User.email.ilike(term, escape="\\"),
                User.job_title.ilike(term, escape="\\"),
            )
        )
    return stmt.order_by(User.last_name, User.first_name, User.id)
