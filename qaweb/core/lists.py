"""List pages: filters read from the query string, applied in SQL, paginated."""

import copy
from collections.abc import Callable
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app, request, url_for
from flask_sqlalchemy.pagination import SelectPagination
from flask_wtf import FlaskForm

from qaweb.extensions import db

MAX_PAGE = 100_000
MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds (PostgreSQL's is 32-bit)


def as_id(value) -> int | None:
    """A posted or queried record id as an int, or None if it cannot be one."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def contains(term: str) -> str:
    """A LIKE pattern matching ``term`` anywhere, with % and _ in it taken literally."""
    escaped = term.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class FilterForm(FlaskForm):
    """A GET form of list filters: no CSRF token, values from the query string."""

    class Meta:
        """No CSRF token: a filter form is a GET that changes nothing."""

        csrf = False

    def __init__(self, *args, **kwargs):
        super().__init__(request.args, *args, **kwargs)

    def cleaned(self) -> dict:
        """The filters that passed validation; a bad value is dropped, never a 500."""
        self.validate()
        cleaned = {}
        self.dropped = {}
        for name, field in self._fields.items():
            if field.errors:
                # A stale bookmark or an edited URL: ignore the value rather than refuse the page.
                self.dropped[name] = (field.data, field.errors)
                field.errors = []
                field.data = field.default
                continue
            if field.data not in (None, "", False, []):
                cleaned[name] = field.data
        return cleaned

    def active_args(self) -> dict:
        """The filters that are set, as query-string arguments (for links and exports)."""
        args = {}
        for field in self:
            if field.type in ("SubmitField", "CSRFTokenField"):
                continue
            value = field.data
            if value in (None, "", False, []):
                continue
            if isinstance(value, list):
                args[field.name] = [str(v) for v in value]
            elif value is True:
                args[field.name] = "y"
            else:
                args[field.name] = str(value)
        return args

    def labels(self) -> list[tuple[str, str]]:
        """The filters that are set as (field label, value as the list shows it) pairs, for
        an export's About sheet: a choice by its label, a yes/no as "Yes"."""
        labels = []
        for field in self:
            if field.type in ("SubmitField", "CSRFTokenField"):
                continue
            value = field.data
            if value in (None, "", False, []):
                continue
            if value is True:
                shown = "Yes"
            elif getattr(field, "choices", None) is not None:
                chosen = {str(v) for v in value} if isinstance(value, list) else {str(value)}
                shown = ", ".join(
                    str(choice[1]) for choice in field.iter_choices() if str(choice[0]) in chosen
                ) or ", ".join(sorted(chosen))
            else:
                shown = str(value)
            labels.append((field.label.text, shown))
        return labels


def page_number() -> int:
    """The ``page`` query argument as a page number from 1 to ``MAX_PAGE``; 1 for anything else."""
    try:
        return min(max(1, int(request.args.get("page", 1))), MAX_PAGE)
    except ValueError:
        return 1


class Rows(NamedTuple):
    """How a list's rows are plain objects rather than ORM instances (``paginate``'s
    ``rows``): ``columns`` turns the list's statement (a select of one entity, with its
    filters and order) into a select of the columns its rows show, the same rows in the same
    order; ``make`` turns a page of that select's Row tuples (a list) into the page's items
    (a list). Building a model object, its relations' objects and their identity-map
    entries costs about four times what reading the same columns as a Row does."""

    columns: Callable
    make: Callable


class _Pagination(SelectPagination):
    """Deep pages look their rows' ids up first (a deferred join: the OFFSET walks an index,
    not whole joined rows), so page 2,000 of a long list costs about what page 1 does.

    With ``rows`` (a ``Rows``) the page's items are plain objects (see ``Rows``); the count
    is of the list's statement as it is."""

    DEFER_AFTER = 500

    def _query_items(self) -> list:
        statement = self._query_args["select"]
        session = self._query_args["session"]
        rows = self._query_args.get("rows")
        descriptions = statement.column_descriptions
        entity = descriptions[0].get("entity") if len(descriptions) == 1 else None
        keys = sa.inspect(entity).primary_key if entity is not None else ()
        if self._query_offset < self.DEFER_AFTER or len(keys) != 1:
            if rows is None:
                return super()._query_items()
            page = rows.columns(statement).limit(self.per_page).offset(self._query_offset)
            return rows.make(session.execute(page).all())
        key = keys[0]
        ids = statement.with_only_columns(key).limit(self.per_page).offset(self._query_offset)
        page = statement.where(key.in_(ids))
        if rows is not None:
            return rows.make(session.execute(rows.columns(page).limit(self.per_page)).all())
        return list(session.execute(page.limit(self.per_page)).unique().scalars())


def paginate(statement, per_page: int | None = None, rows: Rows | None = None):
    """A page of ``statement`` (a select): page ``page_number()``, ``per_page`` rows (the app's
    PAGE_SIZE by default); a page past the end is empty, never a 404. With ``rows`` (a
    ``Rows``) the page's items are the plain objects it makes, not ORM instances."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    return _Pagination(
        select=statement,
        session=db.session(),
        page=page_number(),
        per_page=per_page,
        max_per_page=None,
        error_out=False,
        rows=rows,
    )


def past_end(page: int, pages: int, total: int, link) -> dict | None:
    """What a list says when the page asked for is past its last page while the list has
    rows (a stale bookmark, an edited address, rows gone since): {"page": the page asked
    for, "pages": the number of pages, "href": ``link(pages)``, the last page with the
    filters kept}. None when the page is one the list has, or the list is empty (then the
    list's own "No … match these filters" is the truth). ``templates/_lists.html``'s
    ``empty`` and ``past_end`` macros write it."""
    if not total or page <= pages:
        return None
    return {"page": page, "pages": pages, "href": link(pages)}


def pagination_params(pagination, endpoint: str, args: dict, **values) -> dict | None:
    """Parameters for the govukPagination macro, keeping the current filters in each link.

    None when the list fits on one page. For a page past the last page of a list with rows,
    the pager of the last page (none of its pages current, Previous to the last page) with
    ``past_end`` (see ``past_end``), so the list can say so and link back."""

    def link(page):
        return url_for(endpoint, **values, **args, page=page)

    beyond = past_end(pagination.page, pagination.pages, pagination.total or 0, link)
    if pagination.pages <= 1 and beyond is None:
        return None
    shown = pagination
    if beyond is not None:
        # iter_pages around page 999 of 4 gives only "1 …": lay the pages out as the last's.
        shown = copy.copy(pagination)
        shown.page = pagination.pages
    items = []
    for number in shown.iter_pages(left_edge=1, left_current=1, right_current=2, right_edge=1):
        if number is None:
            items.append({"ellipsis": True})
            continue
        items.append({"number": number, "href": link(number), "current": number == pagination.page})
    params: dict = {"items": items}
    if beyond is not None:
        params["previous"] = {"href": beyond["href"]}
        params["past_end"] = beyond
        return params
    if pagination.has_prev:
        params["previous"] = {"href": link(pagination.prev_num)}
    if pagination.has_next:
        params["next"] = {"href": link(pagination.next_num)}
    return params


# -- lists the council keeps (themes, categories): add, stop offering, offer again --------


def name_taken(model, name: str) -> bool:
    """Whether an entry of ``model`` already has this name, whatever its case."""
    from sqlalchemy import func, select

    name = name.strip()
    # SQLite's lower() folds only ASCII letters: compare the exact name too, so a name in
    # another script is found (and never reaches the unique constraint as a 500).
    return bool(
        db.session.scalar(
            select(model.id).where(
                sa.or_(model.name == name, func.lower(model.name) == name.lower())
            )
        )
    )


def commit_unique() -> bool:
    """Commit; False (rolled back) when a unique value was saved by someone else a moment
    earlier (between this save's check and its commit), so the form can say so."""
    from sqlalchemy.exc import IntegrityError

    from qaweb.core.db import is_unique_violation

    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        if not is_unique_violation(error):
            raise
        return False
    return True


def add_named(model, name: str, field, message: str, **values):
    """Add an entry called ``name`` to a council's list and commit; or, when the list already
    has it (whatever its case), put ``message`` on the form ``field`` and return None.

    The check before saving catches almost every repeat; the unique constraint catches the
    rest (two people adding the same name at the same moment): the second is given the same
    message, never an error page.
    """
    name = name.strip()
    if name_taken(model, name):
        field.errors.append(message)
        return None
    entry = model(name=name, **values)
    db.session.add(entry)
    if not commit_unique():
        field.errors.append(message)
        return None
    return entry


def toggle_active(model, raw_id: str):
    """Offer an entry again or stop offering it (never deleted); 404 for an unknown id."""
    entry = db.get_or_404(model, as_id(raw_id) or 0)
    entry.active = not entry.active
    return entry


def render_list(
    template: str,
    form: FilterForm,
    statement,
    endpoint: str,
    export: str | None = None,
    rows: Rows | None = None,
    **context,
):
    """A filtered list page: the rows ``statement`` selects (already filtered by ``form``'s
    values) a page at a time, rendered with ``core.htmx.render`` (the whole page, or its
    ``results`` block on an htmx request, which the template must have). The template gets
    ``form``, ``pagination``, ``pager`` (links to the pages of ``endpoint`` with the form's
    active filters) and, when ``export`` names the list's export endpoint, ``export_url``
    for exactly the rows the filters show, with ``context`` besides. ``rows``: the list's rows
    as plain objects (see ``Rows``). Returns the response."""
    from qaweb.core.htmx import render

    pagination = paginate(statement, rows=rows)
    args = form.active_args()
    if export is not None:
        context["export_url"] = url_for(export, **args)
    return render(
        template,
        block="results",
        form=form,
        pagination=pagination,
        pager=pagination_params(pagination, endpoint, args),
        **context,
    )
