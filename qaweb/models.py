"""Every model, imported in one place so the metadata (and Alembic) sees them all."""

from qaweb.actions.models import Action
from qaweb.auth.models import SignInFailure
from qaweb.core.history import ChangeLog
from qaweb.core.settings import Setting
from qaweb.organisation.models import ServiceArea, Team, User, UserRole
from qaweb.organisation.staff_import import StaffImport

__all__ = [
    "Action",
    "ChangeLog",
    "ServiceArea",
    "Setting",
    "SignInFailure",
    "StaffImport",
    "Team",
    "User",
    "UserRole",
]
