from flask import Blueprint, render_template
from flask_login import current_user, login_required

from qaweb.core.mywork import work_for
from qaweb.core.timefmt import today_london

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    from qaweb.dip_samples.services import can_see_list as can_see_dip_samples
    from qaweb.qa_report.services import can_view_reports

    items, summary = work_for(current_user)
    return render_template(
        "home/index.html",
        items=items,
        summary=summary,
        today=today_london(),
        qa_report=can_view_reports(current_user),
        dip_samples=can_see_dip_samples(current_user),
    )


@bp.get("/health")
def health():
    """For the load balancer and monitoring: 200 when the app answers and its database does;
    503 naming the part that failed otherwise (``{"status": "unavailable", "failed":
    ["database"], ...}``). Never cached."""
    from flask import current_app
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from qaweb.extensions import db

    checks = {"app": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        checks["database"] = "ok"
    except SQLAlchemyError as error:
        current_app.logger.warning("Health check: the database does not answer: %s", error)
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
        checks["database"] = "unreachable"
    failed = [part for part, state in checks.items() if state != "ok"]
    body = {"status": "unavailable" if failed else "ok", "failed": failed, "checks": checks}
    return body, 503 if failed else 200, {"Cache-Control": "no-store"}
