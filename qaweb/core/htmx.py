"""Render a whole page, or just one block of it when htmx asks for a fragment."""

from flask import make_response, render_template, request
from jinja2_fragments.flask import render_block


def render(template: str, block: str | None = None, **context):
    """The full page, or ``block`` of the same template on an htmx request.

    The same template serves both, so a full load and an htmx swap show the same markup.
    Responses carry ``Vary: HX-Request`` so a cache never mixes the two.
    """
    if block and request.headers.get("HX-Request") == "true":
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body)
    response.vary.add("HX-Request")
    return response


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def hx_redirect(url: str):
    """Send htmx (or a plain browser) to ``url`` after a successful save."""
    from flask import redirect

    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)
