"""Every versioned form: when someone else saves first, the refusal keeps what this person
typed, shows what the other person saved, and the second submit saves (issue 13).

Each case names a form (the URL the person edits in) and a change another person makes to
the same record meanwhile (often the same form). The posts are read from the pages
themselves, as a browser would send them, so each case only says which field is typed in.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select
from support import sign_in

from qaweb.complaints import services as complaint_services
from qaweb.complaints.models import CategoryOption, Complaint
from qaweb.core.timefmt import today_london
from qaweb.extensions import db

MINE = "Invented: my own words, typed while a colleague saved"
THEIRS = "Invented: the colleague's words, saved first"


class _FormReader(HTMLParser):
    """The fields of the page's post forms, as a browser would submit them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self._in_form = False
        self._textarea = None
        self._select = None
        self._option = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._in_form = True
            self.forms.append([])
            return
        if not self._in_form:
            return
        fields = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = {"name": name, "first": None, "chosen": None}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if not self._in_form:
            return
        if tag == "form":
            self._in_form = False
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.forms[-1].append((name, text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            s = self._select
            chosen = s["chosen"] if s["chosen"] is not None else s["first"]
            self.forms[-1].append((s["name"], chosen or ""))
            self._select = None


def versioned_form(page: str) -> dict[str, list[str]]:
    """The post form on the page that carries a version field, field -> values."""
    reader = _FormReader()
    reader.feed(page)
    for fields in reader.forms:
        if any(name == "version" for name, _ in fields):
            data: dict[str, list[str]] = {}
            for name, value in fields:
                data.setdefault(name, []).append(value)
            return data
    raise AssertionError("no post form with a version field on the page")


def version_on(page: str) -> str:
    return versioned_form(page)["version"][0]


@dataclass
class Case:
    """``url`` is the form the person fills in; ``other_url`` the form a colleague saves
    first (the same one unless given); ``field``/``other_field`` the text each types."""

    id: str
    roles: tuple[str, ...]
    make: object  # (ctx) -> record
    url: str  # formatted with the record's id as {id}
    field: str | None
    other_field: str
    other_url: str | None = None
    extra: dict = field(default_factory=dict)  # other values this person must enter
    saved: object = None  # (record) -> value stored from this person's field


# -- records ---------------------------------------------------------------------------------


def _complaint(ctx, responded=False, categories=True):
    received = today_london() - timedelta(days=30)
    complaint = Complaint(
        received_on=received,
        received_how="email",
        complainant_type="parent",
        complainant_name="Invented Parent",
        complainant_contact="parent@example.org",
        summary="Invented: visits missed",
    )
    complaint_services.open_complaint(complaint, None)
    if categories:
        complaint.categories = list(db.session.scalars(select(CategoryOption).limit(1)))
    if responded:
        stage = complaint.stages[0]
        stage.responded_on = today_london() - timedelta(days=7)
        stage.outcome = "not_upheld"
        complaint_services.update_stage(stage)
    db.session.commit()
    return complaint


def _day(d: date) -> list[str]:
    return [str(d.day), str(d.month), str(d.year)]


CASES = [
    Case(
        "complaint-edit",
        ("complaints_officer",),
        _complaint,
        "/complaints/{id}/edit",
        "summary",
        "summary",
        saved=lambda c: c.summary,
    ),
    Case(
        "complaint-stage",
        ("complaints_officer",),
        _complaint,
        "/complaints/{id}/stages/1",
        "findings",
        "findings",
        saved=lambda c: c.stages[0].findings,
    ),
    Case(
        "complaint-extend",
        ("complaints_officer",),
        _complaint,
        "/complaints/{id}/stages/1/extend",
        "reason",
        "findings",
        other_url="/complaints/{id}/stages/1",
        saved=lambda c: c.stages[0].extension_reason,
    ),
    Case(
        "complaint-escalate",
        ("complaints_officer",),
        lambda ctx: _complaint(ctx, responded=True),
        "/complaints/{id}/escalate",
        "late_reason",
        "learning",
        other_url="/complaints/{id}/learning",
        extra={"started_on": _day(today_london())},
        saved=lambda c: c.current_stage.late_reason,
    ),
    Case(
        "complaint-close",
        ("complaints_officer",),
        lambda ctx: _complaint(ctx, responded=True),
        "/complaints/{id}/close",
        None,
        "learning",
        other_url="/complaints/{id}/learning",
        saved=lambda c: c.closed_on,
    ),
    Case(
        "complaint-learning",
        ("complaints_officer",),
        _complaint,
        "/complaints/{id}/learning",
        "learning",
        "learning",
        saved=lambda c: c.learning,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_stale_edit_keeps_my_words_shows_theirs_and_saves_the_second_time(
    app, client, make_user, case
):
    me = make_user(*case.roles, first_name="Mina", last_name="First")
    colleague = make_user(*case.roles, first_name="Cole", last_name="League")
    record = case.make({"app": app, "make_user": make_user, "me": me})
    record_type, record_id = type(record), record.id
    url = case.url.format(id=record_id)
    other_url = (case.other_url or case.url).format(id=record_id)

    # I open the form.
    sign_in(client, me)
    mine = versioned_form(client.get(url).get_data(as_text=True))
    loaded = mine["version"][0]

    # A colleague saves first.
    other = app.test_client()
    sign_in(other, colleague)
    theirs = versioned_form(other.get(other_url).get_data(as_text=True))
    theirs[case.other_field] = [THEIRS]
    response = other.post(other_url, data=theirs)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:3000]

    # I save from my copy: refused, my words kept, theirs shown, the current version in.
    if case.field:
        mine[case.field] = [MINE]
    mine.update(case.extra)
    response = client.post(url, data=mine)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:3000]
    assert "Your changes have not been saved yet" in page
    assert "Cole League changed this record" in page
    assert "the current values" not in page  # the old, untrue promise
    if case.field:
        assert MINE.replace("'", "&#39;") in page
    assert THEIRS.replace("'", "&#39;") in page
    again = versioned_form(page)
    assert again["version"] != [loaded]  # the current version: the next save is not stale
    if case.field:
        assert again[case.field] == [MINE]

    # I press Save again: saved.
    response = client.post(url, data=again)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    current = db.session.get(record_type, record_id)
    if case.saved:
        value = case.saved(current)
        if case.field:
            assert value == MINE
        else:
            assert value
