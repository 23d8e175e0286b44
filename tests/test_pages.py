"""Every page each role can reach in the demo council, followed link by link.

One walk per role and database: sign in as the demo person holding the role, start at
"My work" and follow every internal link (GET only, same origin) within a budget. On every
page it asserts what a person would notice:

- no link answers 403: a link is offered only where its target lets that person in;
- no markup is shown as text (an escaped ``<a>`` or ``<br>``): HTML built in a template is
  never escaped twice;
- no stored code is shown where a label belongs ("in_person", "not_held", "council_name");
- nothing is written twice ("Virtual (Virtual (Teams))");
- every select of people lists them as "Surname, First name (Team)", by surname.
"""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa
from support import make_app, sign_in
from test_authorization import EXPECTED, records, url_for_rule  # noqa: F401 (a fixture)

from qaweb.core import labels
from qaweb.core.permissions import ROLES
from qaweb.extensions import db
from qaweb.organisation.models import User

ORIGIN = "qaweb.test"
#: Pages of one shape (ids replaced by N) read per role: enough to meet each branch of a
#: template (an observation with actions, one without) without reading every record.
PER_SHAPE = 25
#: Pages read per role at most, so the walk ends on a busy machine.
BUDGET = 600
#: Markup shown as text: the sign of HTML escaped twice.
ESCAPED_MARKUP = re.compile(r"&lt;/?(a|span|strong|br|ul|ol|li|p|ins|del|div)[ >/&]")
DOWNLOADS = (".xlsx", ".docx", ".ics", ".yaml", ".csv")
#: Links never followed: they end the session or change data on GET by design (none do).
SKIP = ("/sign-out", "/static/")


class Page(HTMLParser):
    """The links and the visible text of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []
        self.selects: list[list[str]] = []  # the option texts of each select
        self._hidden = 0
        self._option = None

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        found = dict(attrs)
        # A link, or what htmx fetches from an element (a filter, a row that expands).
        for href in (found.get("href") if tag == "a" else None, found.get("hx-get")):
            if href:
                self.links.append(href)
        if tag == "select":
            self.selects.append([])
        if tag == "option" and self.selects:
            self._option = []

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._hidden = max(0, self._hidden - 1)
        if tag == "option" and self._option is not None:
            self.selects[-1].append("".join(self._option).strip())
            self._option = None

    def handle_data(self, data):
        if self._option is not None:
            self._option.append(data)
        if not self._hidden:
            self.text.append(data)


def _codes_pattern():
    """Every stored code with an underscore that the label registry knows: shown on a page,
    such a code means a label was skipped."""
    codes = {code for code in labels.all_codes() if isinstance(code, str) and "_" in code}
    return re.compile(r"(?<![\w/.-])(" + "|".join(sorted(map(re.escape, codes))) + r")(?![\w/.-])")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_app(request, demo_database):
    from qaweb.demo import builder

    app = make_app(demo_database(request.param))
    with app.app_context():
        people = {label: email for label, email, _ in builder.demo_sign_ins()}
        staff = db.session.execute(sa.select(User.first_name, User.last_name)).all()
    app.demo_names = {f"{first} {last}" for first, last in staff}
    app.demo_sorted_names = {f"{last}, {first}" for first, last in staff}
    app.demo_people = {role: people[label] for role, label in ROLES.items()}
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _local(base: str, href: str) -> str | None:
    parts = urlsplit(urljoin(f"http://{ORIGIN}{base}", href))
    if parts.scheme not in ("http", "https") or parts.netloc != ORIGIN:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if any(skip in path for skip in SKIP):
        return None
    return path


def walk(app, role):
    """Read the pages ``role`` can reach from "My work": (url, status, linked from, page)."""
    from qaweb.demo.builder import DEMO_PASSWORD

    client = app.test_client()
    signed = client.post(
        "/sign-in", data={"email": app.demo_people[role], "password": DEMO_PASSWORD}
    )
    assert signed.status_code == 302
    queue = deque([("/", None)])
    seen = {"/"}
    shapes: dict[str, int] = {}
    read = 0
    while queue and read < BUDGET:
        url, source = queue.popleft()
        shape = re.sub(r"\d+", "N", url)
        shapes[shape] = shapes.get(shape, 0) + 1
        if shapes[shape] > PER_SHAPE:
            continue
        read += 1
        response = client.get(url)
        page = None
        if response.status_code == 200 and "text/html" in response.content_type:
            page = Page()
            body = response.get_data(as_text=True)
            page.feed(body)
            page.body = body
            for href in page.links:
                target = _local(url, href)
                if target and target not in seen:
                    seen.add(target)
                    queue.append((target, url))
        response.close()
        yield url, response.status_code, source, page


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_a_role_reaches(demo_app, role):
    codes = _codes_pattern()
    refused, escaped, shown_codes, doubled, errors, selects = [], [], [], [], [], []
    pages = 0
    for url, status, source, page in walk(demo_app, role):
        pages += 1
        if status == 403:
            refused.append(f"{url} (linked from {source})")
        elif status >= 500 or status == 404:
            errors.append(f"{url}: {status} (linked from {source})")
        if page is None:
            continue
        for match in ESCAPED_MARKUP.finditer(page.body):
            escaped.append(f"{url}: …{page.body[match.start() - 40 : match.end() + 40]}…")
        text = " ".join(page.text)
        for match in codes.finditer(text):
            shown_codes.append(
                f"{url}: {match.group(0)!r} in …{text[match.start() - 50 : match.end() + 20]}…"
            )
        for match in re.finditer(r"\b(\w[\w ]{2,40}) \(\1 \(", text):
            doubled.append(f"{url}: {match.group(0)!r}")
        if re.search(r"\bby in person\b", text, re.IGNORECASE):
            shown_codes.append(f"{url}: 'by in person'")
        for options in page.selects:
            names = [o.split(" (")[0] for o in options]
            first_first = [
                o for o, n in zip(options, names, strict=True) if n in demo_app.demo_names
            ]
            people = [n for n in names if n in demo_app.demo_sorted_names]
            if first_first:
                selects.append(f"{url}: {first_first[0]!r} is not listed surname first")
            elif people != sorted(people, key=str.casefold):
                selects.append(f"{url}: people not sorted by surname: {people[:5]}")
    assert pages > 15, f"{role} reached only {pages} pages"
    assert not refused, f"{role} is offered links that answer 403:\n" + "\n".join(refused)
    assert not errors, f"{role}:\n" + "\n".join(errors)
    assert not escaped, f"{role} sees markup as text:\n" + "\n".join(escaped[:20])
    assert not shown_codes, f"{role} sees stored codes:\n" + "\n".join(shown_codes[:30])
    assert not doubled, f"{role} sees words written twice:\n" + "\n".join(doubled[:20])
    assert not selects, f"{role} has person selects hard to type in:\n" + "\n".join(selects)


# -- the same, on the records of the route table ----------------------------------------------


@pytest.mark.parametrize("role", list(ROLES))
def test_no_page_of_the_route_table_offers_a_link_that_refuses(
    app,
    client,
    make_user,
    records,  # noqa: F811 (the route table's fixture, imported above)
    role,
):
    """Every GET route that lets ``role`` in, on the route table's records (someone else's
    action, observation, audit, complaint): none of its internal links answers 403."""
    sign_in(client, make_user(role))
    pages = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or EXPECTED[rule.endpoint][0] != "GET":
            continue
        url = url_for_rule(app, rule, records)
        if not url.split("?")[0].endswith(DOWNLOADS):
            pages.append(url)
    checked: dict[str, int] = {}
    refused = []
    for url in sorted(pages):
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.content_type:
            response.close()
            continue
        page = Page()
        page.feed(response.get_data(as_text=True))
        for href in page.links:
            target = _local(url, href)
            if target is None or target.split("?")[0].endswith(DOWNLOADS):
                continue  # files: each download route's refusals are in the route table
            if target not in checked:
                linked = client.get(target)
                checked[target] = linked.status_code
                linked.close()
            if checked[target] == 403:
                refused.append(f"{target} (linked from {url})")
    assert not refused, f"{role} is offered links that answer 403:\n" + "\n".join(
        sorted(set(refused))
    )
