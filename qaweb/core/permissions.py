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


def get_or_403(model, record_id, can=None):
    """Load a record or 404; 403 unless ``can(current_user, record)`` allows it."""
    record = db.get_or_404(model, record_id)
    if can is not None and not can(current_user, record):
        abort(403)
    return record
