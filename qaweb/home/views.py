from flask import Blueprint, render_template
from flask_login import current_user, login_required

from qaweb.core.mywork import work_for
from qaweb.core.timefmt import today_london

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    items, summary = work_for(current_user)
    return render_template("home/index.html", items=items, summary=summary, today=today_london())


@bp.get("/health")
def health():
    """For the load balancer: the app is up and answers."""
    return {"status": "ok"}
