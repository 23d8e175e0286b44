"""Security headers on every response (OWASP ASVS 14.4).

The Content-Security-Policy allows no inline script or style: qaweb's own script is a file
(static/qaweb.js), htmx's inline indicator style is switched off (``htmx-config`` in
templates/base.html; the rules are in qaweb.css), htmx does not copy ``style`` attributes
while settling a swap (``attributesToSettle``: setting one counts as inline style), and
GOV.UK Frontend's inline "js-enabled" script is left out of the page template
(templates/govuk_template.html). No ``unsafe-eval``
either: htmx's ``allowEval`` is off, so ``hx-on`` and ``js:`` values cannot be used.
"""

from flask import Flask, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}

# Only over HTTPS (a browser ignores it otherwise): stay on HTTPS for a year.
HSTS = "max-age=31536000"


def add_security_headers(response):
    """``response`` with the security headers (``HEADERS``) set where a view did not set them, and
    HSTS on HTTPS requests."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def register(app: Flask) -> None:
    """Add the security headers to every response of ``app``."""
    app.after_request(add_security_headers)
