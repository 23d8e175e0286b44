"""Fuzzing: no input gives a 500.

For a person who holds every role (so admin, and the role that owns each form), every route
of the app is opened with generated query strings (as a page and as an htmx fragment) and
with ids too large for the database; then every form found on those pages is posted with
generated values in each of its fields (text with control characters and NUL, very long
text, huge and negative numbers, dates with huge years, ids that are not ids). Any 5xx, or
an exception escaping the app, fails the test, which lists each failure once.

Runs on both databases (the ``app`` fixture). Hypothesis is derandomized, so a run is
repeatable; the number of examples per form and per route keeps it to about a minute.
"""

import re
from collections import Counter
from datetime import time, timedelta
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import page_forms, sign_in
from test_authorization import records, url_for_rule  # noqa: F401  (the records fixture)

from qaweb.core.permissions import ROLES
from qaweb.extensions import db

FORM_EXAMPLES = 8
FORM_COPIES = 2
PAGES_PER_ENDPOINT = 4
QUERY_EXAMPLES = 3
NOT_FUZZED = {"auth.sign_out", "static"}
#: Query-string names the list and report pages read, beyond those their forms show.
QUERY_NAMES = [
    "page",
    "year",
    "quarter",
    "to",
    "from",
    "status",
    "area",
    "team",
    "stage",
    "owner",
    "observer",
    "theme",
    "q",
    "scope",
    "overdue",
    "next",
]

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x0b",
    "Plans\x0bwere\x0creviewed",
    "\x01\x02\x1b\x7f",
    "\r\n\r\n",
    "\u200bname@council.example",
    "\u202eevil",
    "\ud7ff\ufffe\uffff",
    "-1",
    "0",
    "1.5",
    "1e309",
    "nan",
    "inf",
    "2147483648",
    "9223372036854775808",
    "9" * 40,
    "-" + "9" * 40,
    "x" * 5000,
    "<a href='x'>y</a>",
    "' OR 1=1 --",
    "=1+1",
    "%",
    "_",
    "../../etc/passwd",
    "31",
    "13",
    "99999",
    "275760",
    "10000000000",
]

fuzz_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x20), max_size=10),
    st.integers().map(str),
    st.integers(min_value=2**31, max_value=2**80).map(str),
)


def query_names(html: str) -> set[str]:
    """Names read from the query string: the page's links' arguments."""
    names = set()
    for href in re.findall(r'href="([^"]*\?[^"]*)"', html):
        query = urlsplit(href.replace("&amp;", "&")).query
        names.update(part.split("=", 1)[0] for part in query.split("&") if part)
    return names


huge = st.integers(min_value=10**4, max_value=10**40).map(str)
DATE_PARTS = [
    st.one_of(st.integers(1, 28).map(str), huge, fuzz_text),  # day
    st.one_of(st.integers(1, 12).map(str), huge, fuzz_text),  # month
    st.one_of(st.integers(1990, 2030).map(str), huge, st.just("9" * 20), fuzz_text),  # year
]


def field_value(field, date_part=None) -> st.SearchStrategy:
    """A value for one field: the page's own (valid) value or a generated one."""
    if date_part is not None:
        return DATE_PARTS[date_part]
    known = [v for v in field["values"] if v is not None]
    if field["kind"] == "submit":
        return st.just(known[0] if known else "")
    valid = st.sampled_from(known) if known else st.just("")
    return st.one_of(valid, valid, fuzz_text)


class Tally:
    def __init__(self):
        self.requests = 0
        self.values = 0
        self.failures: Counter = Counter()
        self.examples: dict = {}

    def call(self, client, method, url, label, **kw):
        self.requests += 1
        try:
            response = client.open(url, method=method, **kw)
            status = response.status_code
            response.close()
        except Exception as error:  # noqa: BLE001  (an exception escaping the app is a 500)
            db.session.rollback()
            status = 500
            key = (label, f"{type(error).__name__}: {str(error).splitlines()[0][:120]}")
            self.failures[key] += 1
            self.examples.setdefault(key, (method, url, kw.get("data") or kw.get("query_string")))
            return
        if status >= 500:
            key = (label, f"status {status}")
            self.failures[key] += 1
            self.examples.setdefault(key, (method, url, kw.get("data") or kw.get("query_string")))

    def report(self) -> str:
        lines = [f"{sum(self.failures.values())} server errors in {self.requests} requests:"]
        for (label, error), count in sorted(self.failures.items()):
            lines.append(
                f"  {count:3} x {label}: {error}  e.g. {self.examples[(label, error)]!r}"[:600]
            )
        return "\n".join(lines)


FUZZ_SETTINGS = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def fuzz_query(client, tally, path, endpoint, names):
    """GET ``path`` with generated query strings, as a page and as an htmx fragment."""

    @settings(FUZZ_SETTINGS, max_examples=QUERY_EXAMPLES)
    @given(query=st.dictionaries(st.sampled_from(names), fuzz_text, min_size=1, max_size=4))
    def run(query):
        tally.values += len(query)
        url = f"{path}?{urlencode(query)}"
        tally.call(client, "GET", url, f"{endpoint} ?query")
        tally.call(client, "GET", url, f"{endpoint} ?query (htmx)", headers={"HX-Request": "true"})

    run()


def fuzz_form(client, tally, form):
    """POST ``form`` with each field its page's value or a generated one."""
    fields = form["fields"]
    label = f"{form['page']} form -> POST {urlsplit(form['action']).path}"
    # A GOV.UK date input is three text boxes of one name: day, month, year.
    names = Counter(f["name"] for f in fields if f["kind"] == "text")
    seen: Counter = Counter()
    strategies = []
    for field in fields:
        part = None
        if field["kind"] == "text" and names[field["name"]] == 3:
            part = seen[field["name"]]
            seen[field["name"]] += 1
        strategies.append(field_value(field, part))

    @settings(FUZZ_SETTINGS, max_examples=FORM_EXAMPLES)
    @given(values=st.tuples(*strategies), htmx=st.booleans())
    def run(values, htmx):
        data: dict[str, list[str]] = {}
        for field, value in zip(fields, values, strict=True):
            data.setdefault(field["name"], []).append(value)
        tally.values += len(values)
        headers = {"HX-Request": "true"} if htmx else {}
        tally.call(client, "POST", form["action"], label, data=data, headers=headers)

    run()


@pytest.fixture(scope="module")
def _app(demo_council_app):
    """The demo council (records in every state, linked from the list pages): this
    module's tests run on a copy of it, seeded once per run."""
    return demo_council_app


@pytest.fixture
def fuzzer(app, client, make_user, make_team, records):  # noqa: F811
    """Signed in as someone with every role, who also observes an observation of their own;
    the demo council loaded, and the records every route's ids name."""
    from qaweb.core.timefmt import today_london
    from qaweb.practice_week import services
    from qaweb.practice_week.models import MeetingType, PracticeWeek
    from qaweb.supervision import services as supervision
    from qaweb.supervision.models import SupervisionAudit
    from qaweb.thematic import services as thematic

    user = make_user(*ROLES, team=make_team("Fuzzing Team"))
    week = db.session.get(PracticeWeek, records["week_id"])
    monday = today_london() + timedelta(days=7 - today_london().weekday())
    mine = services.schedule(
        week,
        services.Booking(
            observer=user,
            practitioner=make_user("practitioner", team=make_team()),
            meeting_type_id=db.session.scalars(db.select(MeetingType.id)).first(),
            starts_at=services.at_london(monday + timedelta(days=1), time(10)),
            ends_at=services.at_london(monday + timedelta(days=1), time(11)),
            place="Office",
            case_reference="654321",
        ),
        user,
    )
    # Forms that appear only once work has begun: an observation record and a supervision
    # audit of this person's (the tool's sections), and terms of reference being written.
    recorded = services.schedule(
        week,
        services.Booking(
            observer=user,
            practitioner=make_user("practitioner", team=make_team()),
            meeting_type_id=db.session.scalars(db.select(MeetingType.id)).first(),
            starts_at=services.at_london(monday + timedelta(days=2), time(10)),
            ends_at=services.at_london(monday + timedelta(days=2), time(11)),
            place="Office",
            case_reference="654322",
        ),
        user,
    )
    record = services.start_record(recorded, user)
    supervisor = make_user("team_manager", team=make_team())
    audit = SupervisionAudit(
        year=today_london().year,
        supervisor_id=supervisor.id,
        auditor_id=user.id,
        team_id=supervisor.team_id,
        due_on=today_london() + timedelta(days=60),
    )
    db.session.add(audit)
    db.session.flush()
    supervision.start(audit, user)
    terms = thematic.add_to_plan("Fuzzed terms", today_london().year, 2, None)
    fieldwork = thematic.add_to_plan("Fuzzed findings", today_london().year, 2, None)
    fieldwork.status = "in_progress"
    db.session.flush()
    thematic.add_finding(fieldwork, "risk", "Plans drift", "")
    db.session.commit()
    sign_in(client, user)
    extra = [
        f"/responses/{record.id}",
        f"/practice-weeks/observations/{recorded.id}",
        f"/supervision/audits/{audit.id}",
        f"/responses/{audit.response_id}",
        f"/thematic/{terms.id}/terms",
        f"/thematic/{terms.id}",
        f"/thematic/{fieldwork.id}",
        f"/thematic/{fieldwork.id}/actions/new",
    ]
    return {**records, "observation_id": mine.id, "extra_urls": extra}


def links(html: str) -> list[str]:
    """The app's own pages a page links to."""
    found = []
    for href in re.findall(r'href="([^"#]+)', html):
        href = href.replace("&amp;", "&")
        if href.startswith("/") and not href.startswith(("//", "/static/")):
            found.append(href)
    return found


class Pages:
    """Pages fetched once each; their forms collected (up to FORM_COPIES of each form: the
    same form on records in other states reaches other code)."""

    def __init__(self, app, client, tally):
        self.adapter = app.url_map.bind("qaweb.test")
        self.client = client
        self.tally = tally
        self.visited: set[str] = set()
        self.per_endpoint: Counter = Counter()
        self.forms: dict[tuple, list[dict]] = {}

    def endpoint(self, url: str, method: str = "GET") -> str | None:
        try:
            return self.adapter.match(urlsplit(url).path, method=method)[0]
        except Exception:  # noqa: BLE001  (not a route of the app, or another method)
            return None

    def fetch(self, url: str, endpoint: str) -> str:
        self.visited.add(url)
        self.per_endpoint[endpoint] += 1
        self.tally.requests += 1
        try:
            response = self.client.get(url)
        except Exception as error:  # noqa: BLE001
            db.session.rollback()
            self.tally.failures[(endpoint, f"GET {type(error).__name__}")] += 1
            self.tally.examples.setdefault((endpoint, f"GET {type(error).__name__}"), url)
            return ""
        html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        response.close()
        if response.status_code >= 500:
            self.tally.failures[(endpoint, f"GET {response.status_code}")] += 1
            self.tally.examples.setdefault((endpoint, f"GET {response.status_code}"), url)
        for form in page_forms(html):
            target = form["action"] or url
            target_endpoint = self.endpoint(target, form["method"].upper())
            if target_endpoint in NOT_FUZZED or target_endpoint is None:
                continue
            key = (form["method"], target_endpoint, tuple(f["name"] for f in form["fields"]))
            copies = self.forms.setdefault(key, [])
            if len(copies) < FORM_COPIES:
                copies.append({**form, "action": target, "page": endpoint})
        return html


def test_no_input_gives_a_server_error(app, client, fuzzer):
    tally = Tally()
    pages = Pages(app, client, tally)
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint not in NOT_FUZZED),
        key=lambda r: r.rule,
    )
    found: list[str] = []
    fuzzed_queries = 0

    # 1. Every route: its page, ids too large for the database, generated query strings.
    for rule in rules:
        url = url_for_rule(app, rule, fuzzer)
        for arg in rule.arguments:
            if arg == "scope":
                continue
            huge = re.sub(rf"(?<=/){fuzzer.get(arg, '')}(?=[/.]|$)", str(2**64), url, count=1)
            if huge != url:
                tally.call(client, "GET", huge, f"{rule.endpoint} huge path id")
        if "GET" not in rule.methods:
            continue
        html = pages.fetch(url, rule.endpoint)
        found.extend(links(html))
        names = sorted(
            set(QUERY_NAMES)
            | query_names(html)
            | {f["name"] for fm in page_forms(html) if fm["method"] == "get" for f in fm["fields"]}
        )
        fuzzed_queries += 1
        fuzz_query(client, tally, urlsplit(url).path, rule.endpoint, names)

    # Pages of work begun (see the fuzzer fixture).
    for url in fuzzer["extra_urls"]:
        found.extend(links(pages.fetch(url, pages.endpoint(url))))

    # 2. Pages the demo council's records link to (records in every state), two links deep,
    # a few of each kind: their forms join the ones to fuzz.
    for _depth in range(2):
        next_round = []
        for url in dict.fromkeys(found):
            endpoint = pages.endpoint(url)
            if endpoint is None or endpoint in NOT_FUZZED or url in pages.visited:
                continue
            if pages.per_endpoint[endpoint] >= PAGES_PER_ENDPOINT:
                continue
            next_round.extend(links(pages.fetch(url, endpoint)))
        found = next_round

    # 3. Every form found: generated values in every field.
    posted = [f for copies in pages.forms.values() for f in copies if f["method"] == "post"]
    for form in posted:
        if form["fields"]:
            fuzz_form(client, tally, form)

    # The one form for people not signed in.
    anonymous = app.test_client()
    for form in page_forms(anonymous.get("/sign-in").get_data(as_text=True)):
        if form["method"] == "post":
            posted.append({**form, "action": "/sign-in", "page": "auth.sign_in"})
            fuzz_form(anonymous, tally, posted[-1])

    kinds = {key for key in pages.forms if key[0] == "post"} | {("post", "auth.sign_in")}
    print(
        f"\nfuzzed {len(kinds)} forms ({len(posted)} copies on {len(pages.visited)} pages) "
        f"and the query strings of {fuzzed_queries} routes ({len(rules)} routes): "
        f"{tally.values} values in {tally.requests} requests, "
        f"{sum(tally.failures.values())} server errors"
    )
    assert not tally.failures, tally.report()
