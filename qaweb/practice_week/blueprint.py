"""The practice-week blueprint and what its three page modules (views, observation_views,
session_views) share, so that none of them imports another."""

from flask import Blueprint

from qaweb.core.permissions import get_or_403
from qaweb.practice_week import services
from qaweb.practice_week.models import PracticeWeek

bp = Blueprint("practice_week", __name__, url_prefix="/practice-weeks")

#: The rule errors a practice-week save shows as a message (see core.history.guarded_save).
ERRORS = (services.PracticeWeekError,)


def load_week(week_id) -> PracticeWeek:
    """The week, or 404; 403 unless the person may see it (``services.can_see_week``)."""
    return get_or_403(PracticeWeek, week_id, services.can_see_week)
