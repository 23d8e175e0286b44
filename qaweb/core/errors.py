"""Error pages in the house style: never a stack trace."""

import re

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from qaweb.core.htmx import is_htmx

MESSAGES = {
    400: ("There is a problem with your request", "Go back and try again."),
    403: (
        "You do not have permission to see this page",
        "If you think you should, ask your QA team or an administrator to check your roles.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you pasted it, check you "
        "copied the entire address.",
    ),
    405: ("There is a problem with your request", "Go back and try again."),
    413: ("The file is too large", "Files must be smaller than 10MB."),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. What you entered has not been saved.",
    ),
}


def _page(status, title=None, body=None):
    default_title, default_body = MESSAGES.get(status, MESSAGES[400])
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=title or default_title,
            body=body or default_body,
        ),
        status,
    )


def register(app):
    from qaweb.extensions import db

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        db.session.rollback()
        if is_htmx():
            # htmx: reload the page so the person gets a fresh form (and token).
            return "", 200, {"HX-Refresh": "true"}
        return _page(
            400,
            "The form had expired",
            "For your security, forms expire after a while. Go back, reload the page and "
            "try again: what you entered has not been saved.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        db.session.rollback()
        return _page(error.code if error.code in MESSAGES else 400)

    @app.errorhandler(Exception)
    def unexpected(error):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return _page(InternalServerError.code)

    register_database_errors(app, unexpected)


# -- the database busy or out of reach -----------------------------------------------------

#: PostgreSQL's "try again" errors: serialization failure, deadlock, lock not available.
BUSY_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
#: SQLite's words for a write that waited its whole busy timeout.
BUSY_WORDS = ("database is locked", "database is busy", "database table is locked")
#: SQLite's words for a database file it cannot use.
DOWN_WORDS = ("unable to open database file", "disk i/o error", "readonly database")

UNAVAILABLE = {
    "busy": "Someone else was saving at the same moment",
    "down": "qaweb cannot reach its database",
}
#: What to do next: (problem, what the request was) -> words.
NEXT_STEP = {
    ("busy", "page"): "Nothing you typed has been saved yet. Go back and press the button "
    "again: what you typed is still in the form.",
    ("busy", "htmx"): "Nothing you typed has been saved yet: it is still in the form. Press "
    "the button again.",
    ("busy", "read"): "Reload the page in a moment.",
    ("down", "page"): "Nothing you typed has been saved. Try again in a minute: go back, and "
    "what you typed is still in the form.",
    ("down", "htmx"): "Nothing you typed has been saved: it is still in the form. Try again "
    "in a minute.",
    ("down", "read"): "Try again in a minute. If it goes on, tell your administrator.",
}
#: A posted value that is a chosen option or a date's part, not typed text.
OPTION_VALUE = re.compile(r"[a-z0-9_]{1,24}")
#: Posted fields that are not typed text (never shown back).
NOT_TYPED = ("csrf_token", "form_key", "version", "password", "submit", "what")


def database_problem(error) -> str | None:
    """What a database error means for the person: "busy" (another save held the data; the
    same save will work in a moment), "down" (the database cannot be reached: stopped,
    restarting, refusing connections, its file gone), or None (a fault in qaweb)."""
    orig = getattr(error, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None)
    message = str(orig if orig is not None else error).lower()
    if sqlstate in BUSY_SQLSTATES or any(words in message for words in BUSY_WORDS):
        return "busy"
    if getattr(error, "connection_invalidated", False):
        return "down"
    if sqlstate is not None:
        # Connection exception (08…), operator intervention (57…: shutdown, cannot connect now).
        return "down" if sqlstate[:2] in ("08", "57") else None
    module = type(orig).__module__ if orig is not None else ""
    if module.startswith("psycopg"):
        return "down"  # psycopg's connection failures carry no SQLSTATE
    if any(words in message for words in DOWN_WORDS):
        return "down"
    return None


def without_database() -> None:
    """Render the rest of this request without reading the database (it is out of reach):
    the layout then shows the council's default name, no navigation, nobody signed in."""
    from flask import g

    from qaweb.extensions import db, login_manager

    g.database_unavailable = True
    g._login_user = login_manager.anonymous_user()  # (Flask-Login's per-request user)
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001  (the connection is gone; nothing to undo)
        pass


def _typed_text() -> list[tuple[str, str]]:
    """What the person typed into the form just posted, to show back to them."""
    typed = []
    for name, value in request.form.items(multi=True):
        if not value.strip() or any(word in name.lower() for word in NOT_TYPED):
            continue
        if OPTION_VALUE.fullmatch(value.strip()):
            continue  # a chosen option (an id, a key like "statutory") or part of a date
        label = name.rsplit("-", 1)[-1].replace("_", " ").capitalize()
        typed.append((label, value))
    return typed


def register_database_errors(app, unexpected) -> None:
    from sqlalchemy.exc import InterfaceError, OperationalError

    def database_error(error):
        problem = database_problem(error)
        if problem is None:
            return unexpected(error)
        app.logger.warning("Database %s on %s %s: %s", problem, request.method, request.path, error)
        without_database()
        title = UNAVAILABLE[problem]
        saving = request.method not in ("GET", "HEAD", "OPTIONS")
        kind = "htmx" if saving and is_htmx() else "page" if saving else "read"
        body = NEXT_STEP[(problem, kind)]
        if is_htmx():
            # htmx does not swap a 5xx: answer 200 with a message placed above the page, so
            # the form and what was typed in it stay as they are.
            response = app.make_response(
                render_template("errors/_unavailable.html", title=title, body=body)
            )
            response.headers["HX-Retarget"] = "#qaweb-alert"
            response.headers["HX-Reswap"] = "innerHTML"
        else:
            typed = _typed_text() if saving else []
            response = app.make_response(
                (
                    render_template(
                        "errors/error.html", status=503, title=title, body=body, typed=typed
                    ),
                    503,
                )
            )
        response.headers["Retry-After"] = "5" if problem == "busy" else "60"
        # Typed text (perhaps a complainant's details) is on it: never kept in a cache.
        response.headers["Cache-Control"] = "no-store"
        return response

    app.register_error_handler(OperationalError, database_error)
    app.register_error_handler(InterfaceError, database_error)
