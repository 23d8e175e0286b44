"""Helpers shared by the request tests (imported as ``from support import …``): the app and
sign-in, reading pages as people read them, and reading and filling in their forms."""

import csv
import html
import io
import os
import re
import tempfile
from html.parser import HTMLParser

from flask import g

from qaweb import create_app

PASSWORD = "correct horse battery"
TEST_HASH = "pbkdf2:sha256:1000"  # quick to compute; production uses scrypt
PG_ENV = "QAWEB_TEST_DATABASE_URL"


def pg_admin_url() -> str | None:
    """The PostgreSQL lane's server (psycopg 3 URL), or None when the lane is not set up."""
    url = os.environ.get(PG_ENV)
    if not url:
        return None
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_app(url: str):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": TEST_HASH,
            "SERVER_NAME": "qaweb.test",
            # A session's last use is written once a minute in production; in tests only
            # when a test moves time on, so statement counts do not depend on the clock.
            "SESSION_SEEN_INTERVAL_SECONDS": 3600,
            # Development mail (the file transport) goes to a folder of the run's own.
            "MAIL_TRANSPORT": "file",
            "MAIL_DIRECTORY": tempfile.mkdtemp(prefix="qaweb-mail-"),
        }
    )

    @app.before_request
    def fresh_g():
        # Tests keep an app context open, which requests would share; in production each
        # request has its own, so start each with an empty ``g`` (signed-in user, caches).
        g.__dict__.clear()

    return app


def sign_in(client, user, password=PASSWORD):
    """Sign ``client`` in as ``user``, signing out whoever it was signed in as first (the
    sign-in page sends a signed-in person home without signing anyone in, so a test that
    switched people without this went on as the first)."""
    client.post("/sign-out")
    response = client.post("/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


# -- reading pages -----------------------------------------------------------------------------


def text(response) -> str:
    """The page as a person reads it (entities such as &#39; turned back into characters)."""
    return html.unescape(response.get_data(as_text=True))


def plain(page: str) -> str:
    """The page's words, without markup, one space between each."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def words(response) -> str:
    """The words a person reads on the page: no markup, entities turned into characters."""
    return plain(text(response))


def error_summary_html(page: str) -> str:
    """The page's error summary as markup (its links included), or "" when it has none."""
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    return match.group(0) if match else ""


def error_summary(page: str) -> str:
    """The words of the page's error summary, or "" when it has none."""
    return plain(error_summary_html(page))


def hidden_value(page: str, name: str) -> str:
    """The value of the page's (first) field called ``name``, as a browser posts it back;
    fails the test when the page has no such field."""
    field = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert field, f"the page has no {name} field"
    value = re.search(r'value="([^"]*)"', field.group(0))
    return html.unescape(value.group(1)) if value else ""


# -- files to upload ---------------------------------------------------------------------------


def csv_bytes(rows) -> bytes:
    """Rows (lists of cells) as a UTF-8 CSV file's bytes."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows) -> bytes:
    """Rows (lists of cells) as the first sheet of an Excel workbook's bytes."""
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# -- forms -------------------------------------------------------------------------------------


class FormReader(HTMLParser):
    """Every form of a page: its action, method and fields, each field with its kind, the
    values it offers (a select's options, a checkbox's value) and the values a browser would
    submit as the page stands (checked boxes, the selected or else first option, the text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.form = None
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.form = {
                "action": a.get("action") or "",
                "method": (a.get("method") or "get").lower(),
                "fields": [],
            }
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        name = a.get("name")
        if tag == "input" and name and (a.get("type") or "").lower() != "file":
            kind = (a.get("type") or "text").lower()
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            if kind in ("checkbox", "radio"):
                checked = "checked" in a
            else:  # a button's value is posted only when it is the one pressed
                checked = kind not in ("submit", "button", "image", "reset")
            self._add(name, kind, [value], [value] if checked else [])
        elif tag == "button" and name:
            self._add(name, "submit", [a.get("value", "")], [])
        elif tag == "select" and name:
            self.select = self._add(name, "select", [], [])
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            self.select["values"].append(value)
            if "selected" in a:
                self.select["submitted"] = [value]
        elif tag == "textarea" and name:
            self.textarea = self._add(name, "textarea", [""], [""])

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea["values"][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select" and self.select is not None:
            if not self.select["submitted"] and self.select["values"]:
                self.select["submitted"] = [self.select["values"][0]]
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            typed = self.textarea["values"][0].removeprefix("\n")
            self.textarea["values"] = self.textarea["submitted"] = [typed]
            self.textarea = None

    def _add(self, name, kind, values, submitted):
        field = {"name": name, "kind": kind, "values": values, "submitted": submitted}
        self.form["fields"].append(field)
        return field


def page_forms(page: str) -> list[dict]:
    """The page's forms: {"action", "method", "fields": [{"name", "kind", "values",
    "submitted"}]} (see FormReader)."""
    reader = FormReader()
    reader.feed(page)
    return reader.forms


def form_values(form: dict) -> dict[str, list[str]]:
    """What a browser posts for ``form`` (one of page_forms) as the page stands: field name ->
    values (a button's value is posted only when it is the one pressed, so never here)."""
    data: dict[str, list[str]] = {}
    for field in form["fields"]:
        for value in field["submitted"]:
            data.setdefault(field["name"], []).append(value)
    return data


#: A one-question dip-sample tool (``tools.services.load_text(ONE_QUESTION_DIP_SAMPLE,
#: publish=True)``) for tests that need a dip sample and not its questions.
ONE_QUESTION_DIP_SAMPLE = """\
tool: one_question_dip
kind: dip_sample
name: One-question dip sample
version: 1
sections:
  - key: file
    title: The file
    questions:
      - {key: chronology, label: "Is there a chronology?", kind: yes_partly_no}
"""


def field_error(page: str, name: str) -> str:
    """The words of the error message shown on the form field called ``name`` (GOV.UK's
    ``<p id="{name}-error" class="govuk-error-message">``), or "" when it has none."""
    match = re.search(
        rf'<p id="{re.escape(name)}-error" class="govuk-error-message">.*?</p>', page, re.S
    )
    return plain(match.group(0)) if match else ""
