"""Error pages in the house style: never a stack trace, and never a lost form.

A post that arrives with a form token the session no longer accepts, or from a session that
has been signed out, keeps what the person typed: an htmx save leaves the form on the page
and puts a message beside it (never a reload, never the sign-in page swapped into a
fragment); a plain post shows the same form again with the posted values and a fresh token.
"""

import re

from flask import current_app, g, has_request_context, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session
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

#: Said when a form's token was refused but the person is still signed in.
FORM_EXPIRED = "Your form had expired: your answers are still here. Press Save again."
#: The live region in base.html that an htmx refusal is put into, leaving the form alone.
FORM_PROBLEM_TARGET = "#qaweb-form-problem"


class UncheckedPostRefused(RuntimeError):
    """A view tried to commit while redisplaying a post whose form token was refused."""


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


def form_problem(signed_out: bool):
    """The answer to an htmx post that cannot be saved because of the session: a message put
    into the page's live region (HX-Retarget), the form and its typed text left alone.

    When still signed in, the message carries a fresh form token that qaweb.js puts into
    the page, so pressing Save again works. When signed out, qaweb.js fetches a token from
    ``auth.token`` once the person has signed in again (in another tab).
    """
    body = render_template(
        "errors/_form_problem.html",
        signed_out=signed_out,
        token=None if signed_out else generate_csrf(),
        expired_message=FORM_EXPIRED,
    )
    return (
        body,
        200,
        {
            "HX-Retarget": FORM_PROBLEM_TARGET,
            "HX-Reswap": "innerHTML",
            "Vary": "HX-Request",
        },
    )


def signed_out_page():
    """A plain post from a signed-out session: say so; Back still has the typed text."""
    return (
        render_template("errors/signed_out.html"),
        401,
    )


def signed_out():
    """Flask-Login's answer to a request from someone not signed in (``unauthorized``)."""
    from flask import flash, redirect
    from flask_login.utils import login_url

    from qaweb.extensions import db, login_manager

    db.session.rollback()
    if is_htmx():
        if request.method == "GET":
            # A filter or a row expanding: go to the sign-in page, then back to this page.
            target = request.headers.get("HX-Current-URL") or request.url
            return "", 204, {"HX-Redirect": login_url(login_manager.login_view, target)}
        return form_problem(signed_out=True)
    if request.method != "GET":
        return signed_out_page()
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def _redisplay():
    """Run the view again on the refused post, with every commit refused: a form view finds
    its token invalid (see core.forms) and shows the form again with the posted values and a
    fresh token. None when the view would not simply show a form."""
    from qaweb.extensions import db

    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return None
    kept = dict(session)
    g.qaweb_unchecked_post = True
    try:
        response = current_app.make_response(view(**(request.view_args or {})))
    except Exception:  # noqa: BLE001  (the view tried to save, or failed: show the page)
        response = None
    finally:
        g.qaweb_unchecked_post = False
    db.session.rollback()
    if response is None or response.status_code != 200:
        # Whatever the view did to the session (signing out, say) is undone too.
        session.clear()
        session.update(kept)
        return None
    return response


@event.listens_for(Session, "before_commit")
def _refuse_unchecked_commit(session):
    if has_request_context() and g.get("qaweb_unchecked_post"):
        raise UncheckedPostRefused("a post whose form token was refused must not be saved")


def register(app):
    """Bind the error pages to ``app``: an expired form token or a signed-out session answers
    with the same form and the posted values (never a reload), an HTTP error with its GOV.UK
    error page (``MESSAGES``; 400 for one without a page of its own), any other exception
    with the 500 page, and a database outage with "service unavailable"
    (``register_database_errors``)."""
    from qaweb.extensions import db, login_manager

    login_manager.unauthorized_handler(signed_out)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        db.session.rollback()
        if not current_user.is_authenticated and request.endpoint != login_manager.login_view:
            return signed_out()
        if is_htmx():
            return form_problem(signed_out=False)
        if request.method == "POST":
            response = _redisplay()
            if response is not None:
                return response
        return _page(
            400,
            "The form had expired",
            "Your answers have not been saved yet. Go back: your answers are still on the "
            "page. Then press Save again.",
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
        # 57014 is a statement cancelled (statement_timeout): a slow query, not a lost server.
        if sqlstate == "57014":
            return None
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
    """Answer a lost or refused database connection (``database_problem``) with the "service
    unavailable" page, 503, keeping the typed text on it; any other database error goes to
    ``unexpected`` (the 500 handler)."""
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
            response.headers["HX-Retarget"] = "#qaweb-form-problem"
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
