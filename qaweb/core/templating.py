"""Template filters, globals and the navigation shown to the signed-in person."""

from dataclasses import dataclass

from flask import request, url_for
from flask_login import current_user

from qaweb.core.permissions import (
    ADMIN,
    COMPLAINTS_OFFICER,
    QA_BOARD,
    QA_OFFICER,
    SERVICE_MANAGER,
    TEAM_MANAGER,
    has_any_role,
)
from qaweb.core.timefmt import format_date, format_datetime, format_span, format_time


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    #: Roles that may use it; empty means everyone signed in.
    roles: tuple[str, ...] = ()
    values: tuple[tuple[str, str], ...] = ()
    #: URL prefix that marks the item as the current section.
    prefix: str = ""


NAVIGATION: list[NavItem] = [
    NavItem("My work", "home.index", prefix="/"),
    NavItem("Actions", "actions.listing", values=(("scope", "mine"),), prefix="/actions"),
    NavItem(
        "Supervision audits",
        "supervision.index",
        (TEAM_MANAGER, SERVICE_MANAGER, QA_OFFICER),
        prefix="/supervision",
    ),
    NavItem(
        "Practice weeks",
        "practice_week.index",
        prefix="/practice-weeks",
    ),
    NavItem(
        "Thematic audits",
        "thematic.index",
        (QA_OFFICER, QA_BOARD, SERVICE_MANAGER),
        prefix="/thematic",
    ),
    NavItem(
        "Complaints",
        "complaints.index",
        (COMPLAINTS_OFFICER, ADMIN, SERVICE_MANAGER),
        prefix="/complaints",
    ),
    NavItem("Admin", "organisation.index", (ADMIN,), prefix="/admin"),
]


def navigation_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    items = []
    path = request.path
    for item in NAVIGATION:
        if item.roles and not has_any_role(user, *item.roles):
            continue
        current = path == "/" if item.prefix == "/" else path.startswith(item.prefix)
        items.append(
            {
                "text": item.label,
                "href": url_for(item.endpoint, **dict(item.values)),
                "active": current,
            }
        )
    return items


def _council_name() -> str:
    """The council's name; the default if the database cannot say (so error pages render)."""
    from flask import g
    from sqlalchemy.exc import SQLAlchemyError

    from qaweb.core.settings import DEFAULTS, get_setting
    from qaweb.extensions import db

    # Form widgets render their own templates: read the setting once per request.
    if "council_name" not in g and g.get("database_unavailable"):
        return DEFAULTS["council_name"]  # the error page says the database is out of reach
    if "council_name" not in g:
        try:
            g.council_name = get_setting("council_name")
        except SQLAlchemyError:
            db.session.rollback()
            g.council_name = DEFAULTS["council_name"]
    return g.council_name


def form_errors(form) -> dict:
    """Error summary parameters: each message links to the input it is about (a date's day
    box, each entry of a list of fields), as GOV.UK asks."""
    from qaweb.core.forms import DateField

    items = []

    def add(field):
        if isinstance(field, DateField):
            items.append({"text": field.errors[0], "href": f"#{field.name}-day"})
        else:
            items.append({"text": field.errors[0], "href": f"#{field.id}"})

    for field in form:
        if not field.errors:
            continue
        if field.type == "FieldList":
            for entry in field.entries:
                if hasattr(entry, "form"):  # a list of sub-forms
                    for sub in entry.form:
                        if sub.errors:
                            add(sub)
                elif entry.errors:
                    add(entry)
            items.extend(
                {"text": e, "href": f"#{field.id}"} for e in field.errors if isinstance(e, str)
            )
        else:
            add(field)
    return {"titleText": "There is a problem", "errorList": items}


def format_count(value):
    """A whole number as GOV.UK writes it: commas in numbers over 999 (12,345)."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value


def register(app):
    app.add_template_global(form_errors)
    app.add_template_filter(format_count, "number")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_time, "time")
    app.add_template_global(format_span, "timespan")

    @app.context_processor
    def layout_context():
        from flask import g
        from sqlalchemy.exc import SQLAlchemyError

        if not g.get("database_unavailable"):
            try:
                return {
                    "council_name": _council_name(),
                    "navigation": navigation_for(current_user),
                    "is_qa_officer": has_any_role(current_user, QA_OFFICER),
                }
            except SQLAlchemyError:
                # The signed-in person could not be read: an error page must still render.
                from qaweb.core.errors import without_database

                without_database()
        return {"council_name": _council_name(), "navigation": [], "is_qa_officer": False}
