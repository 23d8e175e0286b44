"""Roles and the checks every view uses. Rules live here or on the model, nowhere else."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from qaweb.core import labels
from qaweb.extensions import db

PRACTITIONER = "practitioner"
TEAM_MANAGER = "team_manager"
SERVICE_MANAGER = "service_manager"
OBSERVER = "observer"
ORGANISER = "organiser"
QA_OFFICER = "qa_officer"
QA_BOARD = "qa_board"
COMPLAINTS_OFFICER = "complaints_officer"
ADMIN = "admin"

ROLES: dict[str, str] = {
    PRACTITIONER: "Practitioner",
    TEAM_MANAGER: "Team manager",
    SERVICE_MANAGER: "Service manager",
    OBSERVER: "Observer",
    ORGANISER: "Practice week organiser",
    QA_OFFICER: "QA officer",
    QA_BOARD: "QA Board member",
    COMPLAINTS_OFFICER: "Complaints officer",
    ADMIN: "Administrator",
}

labels.register("roles", ROLES)

ROLE_HINTS: dict[str, str] = {
    PRACTITIONER: "Sees their own audits, observations and actions",
    TEAM_MANAGER: "Also for assistant team managers: runs supervision audits of the paired team",
    SERVICE_MANAGER: "Sees everything in their service area",
    OBSERVER: "Senior leaders who record observations of practice",
    ORGANISER: "Sets up practice weeks and schedules observations",
    QA_OFFICER: "The QA team: oversees all QA activity and reports",
    QA_BOARD: "Signs off thematic-audit terms of reference",
    COMPLAINTS_OFFICER: "Complaints and compliments, including complainants' details",
    ADMIN: "Users, teams, roles and settings",
}


def has_any_role(user, *roles: str) -> bool:
    """True if ``user`` is signed in, active and holds at least one of ``roles`` (role names)."""
    return bool(user and user.is_authenticated and user.active and user.has_any_role(*roles))


def roles_required(*roles: str):
    """Signed in and holding at least one of ``roles``; otherwise 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not has_any_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


def get_or_403(model, record_id, can=None, options=()):
    """Load a record or 404; 403 unless ``can(current_user, record)`` allows it. ``options``:
    loader options for the record (what a page shows of its relations), as ``Session.get``
    takes them."""
    if options:
        record = db.session.get(model, record_id, options=options)
        if record is None:
            abort(404)
    else:
        record = db.get_or_404(model, record_id)
    if can is not None and not can(current_user, record):
        abort(403)
    return record


def requires(rule):
    """View decorator for a page-level rule: signed in (else the sign-in page) and
    ``rule(current_user)`` true (else 403). ``rule`` is a feature's ``can_*(user)``, so
    the same function hides the page's links in templates."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not rule(current_user):
                abort(403)
            return view(*args, **kwargs)

        wrapped.access_rule = rule
        return wrapped

    return decorator


def forbid_unless(allowed: bool) -> None:
    """403 unless ``allowed``: for a rule that depends on what the view has read (a URL
    argument, a posted choice), where ``requires`` and ``get_or_403`` cannot say it."""
    if not allowed:
        abort(403)


# -- the organisation: service areas and teams ------------------------------------------------


def service_area_of(user) -> int | None:
    """The id of the service area of ``user``'s team; None for someone with no team."""
    team = user.team
    return team.service_area_id if team is not None else None


def manages_area(user, team) -> bool:
    """``user`` is a service manager of the service area ``team`` (a Team, or None) is in."""
    if team is None or not has_any_role(user, SERVICE_MANAGER):
        return False
    area = service_area_of(user)
    return area is not None and area == team.service_area_id


def manages_team(user, team) -> bool:
    """``user`` manages ``team`` (a Team, or None): its team manager, or the service manager
    of its service area."""
    if team is None:
        return False
    if has_any_role(user, TEAM_MANAGER) and user.team_id == team.id:
        return True
    return manages_area(user, team)


def managed_teams_conditions(user, team_id_column, team_managers: bool = True) -> list:
    """The SQL side of ``manages_team`` (``manages_area`` with ``team_managers=False``):
    conditions on ``team_id_column`` (a record's team id), none when ``user`` manages no
    team. Or them with the feature's other conditions."""
    from sqlalchemy import select

    from qaweb.organisation.models import Team

    conditions = []
    if team_managers and user.team_id and has_any_role(user, TEAM_MANAGER):
        conditions.append(team_id_column == user.team_id)
    area = service_area_of(user)
    if area is not None and has_any_role(user, SERVICE_MANAGER):
        conditions.append(team_id_column.in_(select(Team.id).where(Team.service_area_id == area)))
    return conditions
