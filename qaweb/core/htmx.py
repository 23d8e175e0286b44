"""Render a whole page, or just one block of it when htmx asks for a fragment."""

from urllib.parse import urlsplit

from flask import after_this_request, g, make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block

# The request headers a response may depend on when a view asks is_htmx(): a cache (the
# browser's too) must never answer a plain or history-restore request with a fragment.
VARY = ("HX-Request", "HX-History-Restore-Request")


def is_htmx() -> bool:
    """True when htmx asks for a part of the page to swap in.

    False for a plain request and for htmx's history restore: when Back reaches a page that
    has fallen out of htmx's history cache (ten entries), htmx 2 fetches the URL again with
    ``HX-Request: true`` *and* ``HX-History-Restore-Request: true`` and puts the answer in
    place of the whole ``<body>``, so that request must get the whole page, never a block.
    The response then says it varies on both headers.
    """
    if not g.get("_htmx_vary"):
        g._htmx_vary = True

        @after_this_request
        def _vary(response):
            response.vary.update(VARY)
            return response

    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(template: str, block: str | None = None, **context):
    """The full page, or ``block`` of the same template on an htmx request.

    The same template serves both, so a full load and an htmx swap show the same markup. A
    history restore gets the full page (see ``is_htmx``). Responses carry
    ``Vary: HX-Request, HX-History-Restore-Request`` so a cache never mixes them.
    """
    if block and is_htmx():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body)
    response.vary.update(VARY)
    if is_htmx() and request.method == "GET" and _is_current_url():
        # "Apply filters" after the filters already updated the list (and the address, in
        # place): the page is unchanged, so it must not become a second history entry that
        # Back would seem to ignore.
        response.headers["HX-Push-Url"] = "false"
    return response


def _is_current_url() -> bool:
    """Is this request for the address the browser shows now (htmx's ``HX-Current-URL``)?"""
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    this = urlsplit(request.url)
    return (current.path, current.query) == (this.path, this.query)


def hx_redirect(url: str):
    """Send htmx (or a plain browser) to ``url`` after a successful save."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)
