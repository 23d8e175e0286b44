"""No query per row: a page issues the same number of SQL statements for 3 rows or 60."""

import importlib.util
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event
from support import make_app, sign_in

from qaweb.extensions import db
from qaweb.organisation.models import User

# Every signed-in request checks its session is live: one indexed lookup
# (qaweb.auth.sessions.load_user), added to each budget below.
SIGNED_IN = 1


@contextmanager
def counted():
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def statements_for(client, url):
    with counted() as statements:
        response = client.get(url)
        assert response.status_code == 200
        response.close()
    return len(statements)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/actions/mine",
        "/actions/all",
        "/actions/all?status=all&overdue=y",
        "/actions/team",
        "/admin/users",
        "/admin/teams",
        "/admin/outbox",
        "/supervision/",
        "/supervision/coverage",
        "/thematic/",
        "/actions/all/export.xlsx",
    ],
)
def test_statement_count_does_not_grow_with_rows(client, make_user, make_team, make_action, url):
    team = make_team()
    me = make_user("qa_officer", "team_manager", "admin", team=team)
    sign_in(client, me)
    for i in range(3):
        make_action(make_user(team=team), due_in_days=i - 1)
        make_action(me, due_in_days=i)
    few = statements_for(client, url)
    for i in range(30):
        make_action(make_user(team=make_team()), due_in_days=i - 10)
        make_action(me, due_in_days=i)
    many = statements_for(client, url)
    assert many == few, f"{url}: {few} statements with few rows, {many} with many"
    # My work asks every module (two statements each), reports add grouped counts; other
    # pages have a dozen at most. Moderation adds one to My work (to grade, for the panel,
    # the panel's feedback: one statement) and dip samples one (a manager's cases to sample).
    budget = {"/": 18 + 2, "/supervision/coverage": 20}.get(url, 12) + SIGNED_IN
    assert many <= budget, f"{url}: {many} statements"


# -- every page the benchmark measures, at two sizes of the demo council --------------------


def _bench_pages():
    """tests/bench/pages.py: the one list of list pages, reports, exports and My work."""
    path = Path(__file__).parent / "bench" / "pages.py"
    spec = importlib.util.spec_from_file_location("qaweb_bench_pages", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Statements per request, whatever the number of rows. My work asks every module (two
# statements each); reports add grouped counts; list pages and exports have a dozen at most.
BUDGET = {"list": 12, "deep": 12, "export": 12, "mywork": 22, "report": 20}
BUDGET_FOR = {
    # Workbooks of several sheets: the report's figures, then a sheet per table.
    "Supervision annual workbook": 25,
    "Complaints report workbook": 20,
    # The year's figures, then what is not accepted, advocacy, the learning and the
    # self-assessment.
    "Complaints annual report": 25,
    "Practice week report workbook": 25,
    # Completion, grades now and a year before, per team, per question, the Inadequate
    # tracker (its actions and re-audits): one grouped count each, plus the scale.
    "Case-file audit report": 25,
    "Case-file audit workbook": 25,
    # Grouped pair counts per month, auditor, team and question, the question labels, the
    # names, and the overall grades before and after moderation.
    "Grade agreement workbook": 20,
    # The week page also asks whether the person has anything for "add your week" (one
    # EXISTS), so the feed link is never offered for an empty calendar.
    "Practice week page (practitioner)": 13,
    # The QA report reads each module's summary (a few grouped counts each) for three
    # periods: the period, the one before and the same one last year; then the themes.
    # Moderation (two statements) and dip samples (two) add four a period.
    "QA report (quarter)": 80 + 12,
    "QA report (service area)": 80 + 12,
    "QA report (12 months)": 80 + 12,
    "QA report paper": 80 + 12,
    "QA report workbook": 80 + 12,
    # A team manager's My work asks every module: dip samples (one grouped statement) and
    # moderation (to grade, to chair, the panel's feedback for their team: one statement).
    "My work (team manager)": 22 + 2 + 1,
    # Panel meetings are paginated in SQL (the pager's count), then one grouped count of
    # each page's audits, and the moderations waiting for a panel.
    "Moderation Panel meetings": 12 + 1,
    # Counted since each request began with an empty session (see _demo_counts): these
    # pages read a record or two that an earlier request had left in the session before.
    # The week page reads its two tools' versions once (one statement; the history names
    # them from it). The report reads the grading scale once for the two weeks it compares.
    "Practice week page": 13 + 3,
    "Practice week report": 20 + 1,
    "Moderation Panel meeting": 12 + 2,
    "My work (QA officer)": 22 + 1,
}
# The week the benchmark reports on has a week before it at scale 2, whose figures are read
# (one statement) for the comparison; the everyday demo's past week is its first.
# Lists that still fit one page in the larger demo (the busiest person has under 50 actions;
# a week has under 150 meetings): their later pages are measured by the benchmark at scale
# 50, and the board's are held to budget by tests/test_queries_practice_week.py.
ONE_PAGE_AT_SCALE_2 = {"Actions: mine [deep page]", "Practice week board [deep page]"}
COMPARED_WITH_EARLIER = {"Practice week report", "Practice week report workbook"}


def _demo_counts(demo_database, engine_name, scale):
    """A copy of the demo at ``scale`` (seeded once per run); statements per benchmarked URL."""
    from qaweb.demo import builder

    pages = _bench_pages()
    app = make_app(demo_database(engine_name, scale))
    counts = {}
    with app.app_context():
        ctx = pages.context()
        busy = db.session.get(User, ctx.busy_user_id).email
        targets = pages.all_targets(ctx)
        db.session.remove()
        clients = {}
        for target in targets:
            if target.user not in clients:
                email = busy if target.user == "busy" else f"{target.user}@{builder.DOMAIN}"
                clients[target.user] = client = app.test_client()
                signed = client.post(
                    "/sign-in", data={"email": email, "password": builder.DEMO_PASSWORD}
                )
                assert signed.status_code == 302, email
            client = clients[target.user]
            url = target.url
            if target.kind == "deep":
                body = client.get(url).get_data(as_text=True)
                pages_seen = [int(n) for n in re.findall(r"[?&;]page=(\d+)", body)]
                if not pages_seen or max(pages_seen) < 2:
                    counts[target.name] = (target.kind, target.user, None)
                    continue
                url = f"{url}{'&' if '?' in url else '?'}page={max(pages_seen)}"
            client.get(url).close()  # warm: settings and lookups cached per process
            # Each request begins with an empty session, as in production: the requests here
            # share this block's app context, so a record a request loaded stayed in the
            # session's identity map (held weakly) until the garbage collector freed it, and
            # whether a later ``session.get`` issued a statement depended on when it ran.
            db.session.remove()
            counts[target.name] = (target.kind, target.user, statements_for(client, url))
            db.session.remove()
        db.engine.dispose()
    return counts


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"])
def test_every_benchmarked_page_keeps_its_statement_count(demo_database, engine_name):
    """The same number of statements for the everyday demo and for one with twice the
    records, within a fixed budget: a query per row cannot come back unnoticed."""
    small = _demo_counts(demo_database, engine_name, scale=1)
    large = _demo_counts(demo_database, engine_name, scale=2)
    problems = []
    for name, (kind, user, many) in large.items():
        if many is None:
            if name not in ONE_PAGE_AT_SCALE_2:
                problems.append(f"{name}: no second page at scale 2 to measure")
            continue
        few = small.get(name, (kind, user, None))[2]
        if few is not None and name in COMPARED_WITH_EARLIER:
            few += 1
        # "busy" is whoever owns most open actions: another person, with other roles, in the
        # larger council, so only their budget is compared.
        if few is not None and few != many and user != "busy":
            problems.append(f"{name}: {few} statements at scale 1, {many} at scale 2")
        budget = BUDGET_FOR.get(name, BUDGET[kind]) + SIGNED_IN
        if many > budget:
            problems.append(f"{name}: {many} statements, budget {budget}")
    assert not problems, "\n".join(problems)
    # Every module's list pages, reports and exports, and a deep page of the long lists.
    assert len(large) >= 35, sorted(large)
