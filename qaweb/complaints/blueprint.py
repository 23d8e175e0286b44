"""The complaints blueprint and what its page modules (views, record_views, import_views)
share, so that none of them imports another."""

from flask import Blueprint, abort
from flask_login import current_user

from qaweb.complaints import points, services
from qaweb.complaints.models import Complaint
from qaweb.core.permissions import forbid_unless
from qaweb.extensions import db

bp = Blueprint("complaints", __name__, url_prefix="/complaints")

#: The rule errors a complaints save shows as a message (see core.history.guarded_save).
ERRORS = (services.ComplaintError, points.PointError)


@bp.after_request
def _not_kept(response):
    """Complainants' names and contact details are on these pages (and in their exports):
    neither the browser nor anything between may keep a copy (a shared PC's back button, a
    proxy's cache)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _manage_only():
    forbid_unless(services.can_manage(current_user))


def _stage(complaint_id, number):
    """The complaint and its stage ``number`` (1 to 3), or 404; for the complaints
    officer only (403)."""
    _manage_only()
    complaint = db.get_or_404(Complaint, complaint_id)
    stage = next((s for s in complaint.stages if s.stage == number), None)
    if stage is None:
        abort(404)
    return complaint, stage
