"""Error pages in the house style: never a stack trace."""

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
