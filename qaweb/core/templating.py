"""Template filters, globals and the navigation shown to the signed-in person."""

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import jinja2
from flask import current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from qaweb.core import labels
from qaweb.core.forms import MarkupCache, _params_key
from qaweb.core.permissions import (
    QA_OFFICER,
    has_any_role,
)
from qaweb.core.text import counted
from qaweb.core.timefmt import format_date, format_datetime, format_span, format_time


@dataclass(frozen=True)
class NavItem:
    """One entry of the service navigation: its label, endpoint and arguments, the roles that see it
    (empty: everyone signed in), the URL prefix that marks it current and the roles it is hidden
    from."""

    label: str
    endpoint: str
    #: Roles that may use it; empty means everyone signed in.
    roles: tuple[str, ...] = ()
    values: tuple[tuple[str, str], ...] = ()
    #: URL prefix that marks the item as the current section.
    prefix: str = ""
    #: Roles that reach it another way already (the item is left out for them).
    hidden_for: tuple[str, ...] = ()


def add_navigation(app, item: NavItem) -> None:
    """Add ``item`` to the service navigation of ``app`` (after the items added before it:
    features add theirs from their ``init_app``, in the order of ``qaweb.FEATURES``)."""
    app.extensions.setdefault("qaweb.navigation", []).append(item)


def navigation_for(user) -> list[dict]:
    """The service navigation for ``user`` as GOV.UK header items ({"text", "href", "active"}),
    empty when signed out."""
    if not user.is_authenticated:
        return []
    # The person behind ``current_user`` once, not through the proxy for every item's checks.
    user = getattr(user, "_get_current_object", lambda: user)()
    items = []
    path = request.path
    for item in current_app.extensions.get("qaweb.navigation", ()):
        if item.roles and not has_any_role(user, *item.roles):
            continue
        if item.hidden_for and has_any_role(user, *item.hidden_for):
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


_CAPTION = re.compile(r"<caption\b([^>]*)>")
_ID = re.compile(r"""\bid=["']([^"']+)["']""")


def table_region(caller) -> Markup:
    """A table in its own scrollable region, labelled by the table's caption (WCAG 1.4.10:
    at 320 CSS px a wide table scrolls inside the region, never the whole page).

    Used as ``{% call table_region() %}<table …><caption …>…</caption>…</table>{% endcall %}``
    in every template, fragments included (a global, so no import is needed in a block).
    The caption gets an id when it has none (random, so a fragment swapped into a page never
    repeats an id already there); ``tabindex="0"`` lets a keyboard scroll the region.
    """
    table = str(caller())
    caption = _CAPTION.search(table)
    if caption is None:
        raise ValueError("table_region: a table needs a <caption> to name its region")
    found = _ID.search(caption.group(1))
    if found:
        caption_id = found.group(1)
    else:
        caption_id = f"table-caption-{secrets.token_hex(4)}"
        table = (
            table[: caption.start()]
            + f'<caption id="{caption_id}"{caption.group(1)}>'
            + table[caption.end() :]
        )
    return Markup(
        f'<div class="qaweb-table-scroll" role="region" aria-labelledby="{caption_id}" '
        f'tabindex="0">{table}</div>'
    )


def record_url(endpoint: str, key: str) -> str:
    """The URL of a record's page with its id left off the end, for the rows of a list:
    ``{% set audit_url = record_url("thematic.audit", "audit_id") %}`` before the loop, then
    ``{{ audit_url }}{{ a.id }}`` in each row: one ``url_for`` a page rather than one a row
    (about 30 microseconds each). ValueError if the id is not the last part of the URL.
    """
    url = url_for(endpoint, **{key: 0})
    if not url.endswith("/0"):
        raise ValueError(f"record_url: {endpoint}'s {key} is not the end of its URL")
    return url[:-1]


#: An id no record has, put into a URL by ``record_url_for`` to find where ids go.
_ID_MARK = 987654321987


def record_url_for(endpoint: str, key: str):
    """A function from a record's id to the URL of its page, for the rows of a list whose
    id is not the last part of the URL (``/teams/<id>/edit``; ``record_url`` when it is):
    ``{% set team_url = record_url_for("organisation.team_form", "team_id") %}`` before the
    loop, then ``{{ team_url(team.id) }}`` in each row. One ``url_for`` a page; each row
    joins three strings instead of building a URL (a ``url_for`` is several microseconds,
    and the teams list called it for each of a council's 200 teams).
    ValueError if the id is not one part of the URL's path.
    """
    url = url_for(endpoint, **{key: _ID_MARK})
    head, mark, tail = url.partition(str(_ID_MARK))
    if not mark or "?" in head or str(_ID_MARK) in tail:
        # (An endpoint without ``key`` in its path puts it in the query string.)
        raise ValueError(f"record_url_for: {endpoint}'s {key} is not one part of its path")
    return lambda record_id: f"{head}{record_id}{tail}"


_ARROW_PREV = (
    '<svg class="govuk-pagination__icon govuk-pagination__icon--prev" '
    'xmlns="http://www.w3.org/2000/svg" height="13" width="15" aria-hidden="true" '
    'focusable="false" viewBox="0 0 15 13"><path d="m6.5938-0.0078125-6.7266 6.7266 6.7441 '
    '6.4062 1.377-1.449-4.1856-3.9768h12.896v-2h-12.984l4.2931-4.293-1.414-1.414z"></path></svg>'
)
_ARROW_NEXT = (
    '<svg class="govuk-pagination__icon govuk-pagination__icon--next" '
    'xmlns="http://www.w3.org/2000/svg" height="13" width="15" aria-hidden="true" '
    'focusable="false" viewBox="0 0 15 13"><path d="m8.107-0.0078125-1.4136 1.414 4.2926 '
    '4.293h-12.986v2h12.896l-4.1855 3.9766 1.377 1.4492 6.7441-6.4062-6.7246-6.7266z"></path></svg>'
)


def pager_html(params: dict | None) -> Markup:
    """The GOV.UK pagination component (the markup ``govukPagination`` writes) for the params
    ``core.lists.pagination_params`` gives: ``items`` (``number``, ``href``, ``current``, or
    ``ellipsis``) and optional ``previous`` / ``next`` (``href``). Empty for None.

    Written in Python: the macro, with its nested macros and imports, cost about 1 ms a
    list page; this costs a few microseconds a link.
    """
    if not params:
        return Markup("")
    out = ['<nav class="govuk-pagination" aria-label="Pagination">']
    previous, following = params.get("previous"), params.get("next")
    if previous and previous.get("href"):
        out.append(
            f'<div class="govuk-pagination__prev"><a class="govuk-link govuk-pagination__link" '
            f'href="{escape(previous["href"])}" rel="prev">{_ARROW_PREV}'
            '<span class="govuk-pagination__link-title">Previous'
            '<span class="govuk-visually-hidden"> page</span></span></a></div>'
        )
    out.append('<ul class="govuk-pagination__list">')
    for item in params.get("items", ()):
        if item.get("ellipsis"):
            out.append(
                '<li class="govuk-pagination__item govuk-pagination__item--ellipsis">&ctdot;</li>'
            )
            continue
        current = ' aria-current="page"' if item.get("current") else ""
        modifier = " govuk-pagination__item--current" if current else ""
        out.append(
            f'<li class="govuk-pagination__item{modifier}">'
            f'<a class="govuk-link govuk-pagination__link" href="{escape(item["href"])}" '
            f'aria-label="Page {item["number"]}"{current}>{item["number"]}</a></li>'
        )
    out.append("</ul>")
    if following and following.get("href"):
        out.append(
            f'<div class="govuk-pagination__next"><a class="govuk-link govuk-pagination__link" '
            f'href="{escape(following["href"])}" rel="next">'
            '<span class="govuk-pagination__link-title">Next'
            f'<span class="govuk-visually-hidden"> page</span></span>{_ARROW_NEXT}</a></div>'
        )
    out.append("</nav>")
    return Markup("".join(out))


def format_count(value):
    """A whole number as GOV.UK writes it: commas in numbers over 999 (12,345)."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value


def working_days(count: int, when: str = "left") -> str:
    """A count of working days as a sentence ends: "1 working day left", "3 working days
    overdue". ``when`` is the word after it ("left" or "overdue")."""
    return f"{count} working {'day' if count == 1 else 'days'} {when}"


def multiline(text) -> Markup:
    """Text typed in a textarea as people wrote it: escaped, each line break kept as <br>.

    For a summary-list value use ``{"html": text|multiline}``; a plain ``"text"`` value runs
    the lines together.
    """
    if text is None:
        return Markup("")
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Markup("<br>").join(escape(line) for line in lines)


GOVUK_COMPONENTS = "govuk_frontend_jinja/components"


def govuk_macro_names() -> dict[str, str]:
    """Every GOV.UK Frontend macro govuk-frontend-jinja ships: name -> its template.

    ``tag`` -> ``govukTag``, ``generic-header`` -> ``govukGenericHeader``.
    """
    import govuk_frontend_jinja

    folder = Path(govuk_frontend_jinja.__file__).parent / "templates" / "components"
    names = {}
    for macro in sorted(folder.glob("*/macro.html")):
        component = macro.parent.name
        name = "govuk" + "".join(part.capitalize() for part in component.split("-"))
        names[name] = f"{GOVUK_COMPONENTS}/{component}/macro.html"
    return names


class Template(jinja2.Template):
    """Jinja's template, with a cheaper ``{% import %}`` / ``{% from ... import %}``.

    Each import asks whether the importing template has globals the imported one lacks
    (then Jinja builds the module again, uncached). Jinja answers by testing each of the
    ~60 global names against the ChainMap of the imported template's globals, in Python:
    about 60 microseconds an import, and a page makes dozens (the page template's five, one
    in every GOV.UK macro call). The same question as one set difference in C costs about
    2 microseconds; the answer, and so the module returned, is the same.
    """

    def _get_default_module(self, ctx=None):
        maps = getattr(self.globals, "maps", None)
        if ctx is not None and maps is not None and not ctx.globals_keys.difference(*maps):
            ctx = None  # no new globals: Jinja's cached module, as it would return
        return super()._get_default_module(ctx)


class TemplateMacros:
    """A template's macros, loaded on first use, as ``{% import name as x %}`` would load them
    (without the caller's context). Registered as a Jinja global, a macro is defined in every
    template and every block of it, so a block rendered alone for htmx (jinja2-fragments
    renders only that block, not the imports at the top of the template) has it too."""

    def __init__(self, env, template: str):
        self._env = env
        self._template = template
        self._module = None

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        module = self._module
        if module is None:
            # get_template caches the template, and the template caches its module; unless
            # templates reload when changed (debug), the module is kept here too, sparing
            # the loader's look-up on every macro call (a page makes hundreds).
            module = self._env.get_template(self._template).module
            if not self._env.auto_reload:
                self._module = module
        return getattr(module, name)


_MACRO_CACHE = MarkupCache(256)


class TemplateMacro:
    """One macro of a template, loaded on first call (see TemplateMacros).

    With ``pure=True`` (the GOV.UK macros: their output depends on their params alone, never
    on the request) the markup is remembered, keyed by the params, as ``core.forms``
    remembers its widgets' markup: the header's service navigation, a Back link, an "Add"
    button or a status tag come back with the same params page after page, and a macro call
    with its nested macros and imports costs 0.1 to 1 ms against a few microseconds for
    the key. At most 256 entries (the oldest dropped first), each shorter than 20,000
    characters (``core.forms.MarkupCache``); params of anything but plain values (a lazy
    string, an object) and ``{% call %}`` uses (a ``caller``) are rendered each time.
    """

    def __init__(self, env, template: str, name: str, pure: bool = False):
        self._macros = TemplateMacros(env, template)
        self._name = name
        self._pure = pure and not env.auto_reload

    def __call__(self, *args, **kwargs):
        """The macro's output for these arguments (the template is loaded on first use)."""
        key = None
        if self._pure and not kwargs:
            try:
                key = (self._name, _params_key(list(args)))
            except TypeError:
                key = None
            if key is not None and (markup := _MACRO_CACHE.get(key)) is not None:
                return markup
        markup = getattr(self._macros, self._name)(*args, **kwargs)
        if key is not None:
            _MACRO_CACHE.keep(key, markup)
        return markup


def register_macros(env) -> None:
    """Every GOV.UK macro (``govukTag``…) and qaweb's own (``ui.status_tag``…) as globals:
    templates use them without importing them, in the page and in every block of it; the
    list-page kit (``_lists.html``) is ``lists.filter_form``, ``lists.count`` and the rest."""
    for name, template in govuk_macro_names().items():
        env.globals[name] = TemplateMacro(env, template, name, pure=True)
    env.globals["ui"] = TemplateMacros(env, "_macros.html")
    env.globals["lists"] = TemplateMacros(env, "_lists.html")


def register(app):
    """Add the macros, filters (``number``, ``working_days``, ``date``...) and globals every
    template uses to ``app``'s Jinja environment."""
    app.jinja_env.template_class = Template
    register_macros(app.jinja_env)
    app.add_template_global(form_errors)
    app.add_template_filter(multiline, "multiline")
    app.add_template_global(table_region)
    app.add_template_global(record_url)
    app.add_template_global(record_url_for)
    app.add_template_global(pager_html)
    app.add_template_filter(format_count, "number")
    app.add_template_filter(working_days, "working_days")
    app.add_template_filter(labels.label, "label")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_time, "time")
    app.add_template_global(format_span, "timespan")
    app.add_template_filter(counted, "counted")

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
