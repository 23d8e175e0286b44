"""The lists the council keeps (meeting types, learning themes, complaint categories,
compliment themes, thematic-audit themes): one way to show them, add to them and stop or
start offering an entry, on whichever settings page holds them.

Every such list posts the same form to its page:

- ``what=add``, ``list=<key>``, ``<key>-name=<the new name>``: add an entry;
- ``what=toggle``, ``list=<key>``, ``item=<id>``: stop offering an entry, or offer it again.

The page renders each list with the ``council_list`` macro of ``_council_lists.html`` and
calls :func:`handle_post` first on a POST.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, flash, redirect, request
from flask_wtf import FlaskForm

from qaweb.core.forms import MaxLength, Required, StringField
from qaweb.core.lists import add_named, toggle_active
from qaweb.extensions import db

ADD = "add"
TOGGLE = "toggle"


@dataclass(frozen=True)
class KeptList:
    """One list the council keeps, as its settings page shows it.

    ``key`` names the list in the posted form (letters and underscores); ``model`` is a
    ``core.db.CouncilList`` model; ``label`` is one entry in lower case ("meeting type"),
    used in every message; ``heading`` and ``hint`` head its table.
    """

    key: str
    model: type
    label: str
    heading: str
    hint: str = ""

    @property
    def a_label(self) -> str:
        """The label with its article: "a meeting type", "an outcome"."""
        return f"{'an' if self.label[:1] in 'aeiou' else 'a'} {self.label}"


class EntryForm(FlaskForm):
    """The name of a new entry; prefixed with its list's key, so a page holds several."""

    name = StringField("Name", validators=[Required("Enter a name"), MaxLength(120, "Name")])


def entry_form(kept: KeptList) -> EntryForm:
    """The add form of ``kept``, its label and messages naming the list's entry."""
    form = EntryForm(prefix=kept.key)
    form.name.label.text = f"Add {kept.a_label}"
    # The field's own validators (the class's list is shared by every form made from it).
    form.name.validators = [Required(f"Enter the name of the {kept.label}"), MaxLength(120, "Name")]
    return form


def entries(lists: list[KeptList]) -> dict[str, list]:
    """Every entry of each list, offered or not, by name: list key -> entries (one query a
    list)."""
    return {
        kept.key: list(db.session.scalars(sa.select(kept.model).order_by(kept.model.name)))
        for kept in lists
    }


def handle_post(lists: list[KeptList], forms: dict[str, EntryForm], done_url: str):
    """Apply a posted add or toggle (the module docstring gives the form) to one of ``lists``.

    Takes the page's lists, their add forms (list key -> :func:`entry_form`) and the URL to
    return to. Returns a redirect to ``done_url`` once saved (with a flashed message), or
    None when the post is not for a list (another form of the page) or its name is refused:
    the form then carries the error ("Enter the name of the …", "There is already a … called
    …") for the page to show. Aborts 404 for an unknown list or entry.
    """
    what = request.form.get("what")
    if what not in (ADD, TOGGLE):
        return None
    kept = next((k for k in lists if k.key == request.form.get("list")), None)
    if kept is None:
        abort(404)
    if what == TOGGLE:
        entry = toggle_active(kept.model, request.form.get("item", ""))
        db.session.commit()
        shown = "offered again" if entry.active else "no longer offered"
        flash(f"“{entry.name}” is {shown}.", "success")
        return redirect(done_url)
    form = forms[kept.key]
    if not form.validate_on_submit():
        return None
    name = form.name.data.strip()
    message = f"There is already {kept.a_label} called {name}"
    if add_named(kept.model, name, form.name, message) is None:
        return None
    flash(f"{kept.label.capitalize()} “{name}” added.", "success")
    return redirect(done_url)
