"""Fixtures: the app on SQLite (and PostgreSQL when QAWEB_TEST_DATABASE_URL is set), a client,
a sign-in helper, factories, and a database that rolls back after each test."""

import contextlib
import itertools
import os
import shutil
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from support import PASSWORD, PG_ENV, TEST_HASH, make_app, pg_admin_url, sign_in  # noqa: E402

from qaweb.actions.models import Action  # noqa: E402
from qaweb.core.timefmt import today_london  # noqa: E402
from qaweb.extensions import db  # noqa: E402
from qaweb.organisation.models import ServiceArea, Team, User  # noqa: E402

_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Under pytest-xdist the controller fixes the run's id before the workers start, so it
    can drop the run's shared demo seeds at the end (``_drop_shared_seeds``)."""
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        config.option.testrunuid = config.option.testrunuid or uuid.uuid4().hex


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``make test`` runs two xdist workers. Work is shared out a file and engine at a time
    (a file's SQLite tests and its PostgreSQL tests are two units, so neither worker switches
    the session's app back and forth), the browser lane and the documents lane each as one
    unit (one live server, one LibreOffice run), in collection order: the long browser lane
    starts first. Another ``--dist`` mode asked for on the command line is left alone."""
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class LaneScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path, _, rest = nodeid.partition("::")
            for lane in ("tests/browser/", "tests/documents/"):
                if path.startswith(lane):
                    return lane
            return f"{path} postgresql" if "postgresql" in rest else path

    config.option.loadscopereorder = False
    return LaneScheduling(config, log)


def pytest_sessionfinish(session, exitstatus):
    """In CI every lane must run: a skipped browser or PostgreSQL test fails the run."""
    run_id = getattr(session.config.option, "testrunuid", None)
    if run_id and not hasattr(session.config, "workerinput"):
        _drop_shared_seeds(run_id)
    if os.environ.get("CI") == "true" and _skipped:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(
                f"CI=true: {len(_skipped)} skipped tests fail the run (every lane must run), "
                f"first: {_skipped[0]}",
                red=True,
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def scratch_database():
    """Make empty databases for the run and drop them at the end: name -> URL."""
    made = []

    def make(engine_name: str, tmp_dir, template: str | None = None) -> str:
        """A new database; a copy of the database at URL ``template`` when given (nothing
        may be connected to it)."""
        if engine_name == "sqlite":
            path = tmp_dir / f"qaweb-{uuid.uuid4().hex[:8]}.sqlite"
            if template is not None:
                shutil.copyfile(sa.engine.make_url(template).database, path)
            return f"sqlite:///{path}"
        admin = pg_admin_url()
        if admin is None:
            pytest.skip(f"PostgreSQL lane: set {PG_ENV} to run it")
        name = f"qaweb_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        copy = f' TEMPLATE "{sa.engine.make_url(template).database}"' if template else ""
        engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')
        engine.dispose()
        made.append(name)
        return sa.engine.make_url(admin).set(database=name).render_as_string(hide_password=False)

    yield make

    if made:
        engine = sa.create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for name in made:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


#: Under pytest-xdist (``make test`` runs two workers) the workers of one run share one seeded
#: demo per engine and scale: the first to need it seeds it under a file lock in the run's
#: shared temporary folder, the others copy it. Its PostgreSQL databases carry the run's id
#: in their names and are dropped by the controller when the run ends.
XDIST_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:12]
SEED_PREFIX = f"qaweb_seed_{XDIST_RUN}_" if XDIST_RUN else ""


def _seed_demo(url: str, scale: int) -> None:
    from qaweb.demo import builder

    app = make_app(url)
    with app.app_context():
        upgrade()
        builder.build(scale=scale)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # SQLite folds its write-ahead log into the file


def _shared_seed(engine_name: str, scale: int, tmp_path_factory) -> str:
    """The URL of this run's seeded demo for ``engine_name`` and ``scale``, seeded by whichever
    xdist worker asks first (the others wait on the lock, then read the URL it wrote)."""
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent / f"demo-seed-{XDIST_RUN}"
    shared.mkdir(exist_ok=True)
    note = shared / f"{engine_name}-{scale}.url"
    with FileLock(str(note) + ".lock"):
        if note.exists():
            return note.read_text()
        # A seed that failed part-way (its worker's test failed) left no note: start again.
        if engine_name == "sqlite":
            path = shared / f"demo-{scale}.sqlite"
            path.unlink(missing_ok=True)
            url = f"sqlite:///{path}"
        else:
            admin = pg_admin_url()
            if admin is None:
                pytest.skip(f"PostgreSQL lane: set {PG_ENV} to run it")
            name = f"{SEED_PREFIX}{scale}"
            engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            engine.dispose()
            url = sa.engine.make_url(admin).set(database=name)
            url = url.render_as_string(hide_password=False)
        _seed_demo(url, scale)
        note.write_text(url)
        return url


def _drop_shared_seeds(run_id: str) -> None:
    """Drop the shared PostgreSQL demo seeds of the xdist run ``run_id`` (the controller calls
    it when the run ends, after every worker has stopped)."""
    admin = pg_admin_url()
    if admin is None:
        return
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        names = conn.exec_driver_sql(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            (f"qaweb_seed_{run_id[:12]}_%",),
        ).scalars()
        for name in list(names):
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


@pytest.fixture(scope="session")
def demo_database(scratch_database, tmp_path_factory):
    """The demo council, seeded once per run for each engine and scale and then copied for
    each caller (a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), so
    the statement budgets and the page walk do not each seed their own:
    ``demo_database("sqlite", scale=2)`` -> the URL of a new copy of its own. Under
    pytest-xdist the seed is shared by the run's workers (``_shared_seed``)."""
    seeded: dict[tuple[str, int], str] = {}

    def make(engine_name: str, scale: int = 1) -> str:
        if (engine_name, scale) not in seeded:
            if XDIST_RUN:
                url = _shared_seed(engine_name, scale, tmp_path_factory)
            else:
                url = scratch_database(engine_name, tmp_path_factory.mktemp("demo-seed"))
                _seed_demo(url, scale)
            seeded[engine_name, scale] = url
        template = seeded[engine_name, scale]
        return scratch_database(engine_name, tmp_path_factory.mktemp("demo"), template=template)

    return make


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_copy(request, demo_database):
    """The app on a fresh copy of the demo council (seeded once per run), for one test, on
    each engine: ``with demo_copy() as app:`` runs the block in the app's context (its
    changes are the copy's alone); ``demo_copy(scale=2)`` for the scaled demo."""
    opened = []

    @contextlib.contextmanager
    def open_copy(scale: int = 1):
        app = make_app(demo_database(request.param, scale))
        opened.append(app)
        with app.app_context():
            try:
                yield app
            finally:
                db.session.remove()

    yield open_copy
    for app in opened:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_council_app(request, demo_database):
    """The app on a copy of the demo council (seeded once per run), for one test module.

    A module whose tests read the demo makes it its ``_app``, so ``app`` (each test rolled
    back), ``client`` and the factories work on the demo without seeding it again::

        @pytest.fixture(scope="module")
        def _app(demo_council_app):
            return demo_council_app
    """
    app = make_app(demo_database(request.param))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def _app(request, scratch_database, tmp_path_factory):
    url = scratch_database(request.param, tmp_path_factory.mktemp("db"))
    app = make_app(url)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


class BoundSession(FlaskSession):
    """A session that uses the test's connection, so the test can roll everything back."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind if bind is not None else self.bind


@pytest.fixture
def app(_app):
    with _app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": BoundSession,
            }
        )
        try:
            yield _app
            _no_complainant_details_in_email()
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


def _no_complainant_details_in_email():
    """After every test: no message queued in it (subject, text, HTML, attachments) holds
    a complainant's name or contact details, whatever the test did."""
    from qaweb.complaints.models import Complaint
    from qaweb.core.notify import OutboxMessage

    try:
        if db.session.scalar(sa.select(OutboxMessage.id).limit(1)) is None:
            return
        secrets = set()
        for name, contact in db.session.execute(
            sa.select(Complaint.complainant_name, Complaint.complainant_contact)
        ):
            secrets.add(name.strip())
            secrets.update(p.strip() for p in contact.replace("\n", ",").split(","))
        # A complainant who shares a name with a member of staff cannot be told apart in
        # a message that names that member of staff.
        staff = {
            f"{first} {last}"
            for first, last in db.session.execute(sa.select(User.first_name, User.last_name))
        }
        secrets = {s for s in secrets if len(s) >= 5} - staff
        if not secrets:
            return
        messages = list(
            db.session.execute(
                sa.select(
                    OutboxMessage.subject,
                    OutboxMessage.body_text,
                    OutboxMessage.body_html,
                    OutboxMessage.attachments,
                )
            )
        )
    except sa.exc.SQLAlchemyError:
        return  # the test left the session unusable (a database-down test): nothing to read
    for row in messages:
        whole = "".join(row)
        leaked = sorted(s for s in secrets if s in whole)
        assert not leaked, f"an email holds a complainant's details: {leaked}"


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def is_postgres(app):
    return db.engine.dialect.name == "postgresql"


# -- factories ---------------------------------------------------------------------------

_seq = itertools.count(1)


@pytest.fixture
def make_area(app):
    def make(name=None, **kw):
        area = ServiceArea(name=name or f"Area {next(_seq)}", **kw)
        db.session.add(area)
        db.session.commit()
        return area

    return make


@pytest.fixture
def make_team(app, make_area):
    def make(name=None, area=None, **kw):
        team = Team(name=name or f"Team {next(_seq)}", service_area=area or make_area(), **kw)
        db.session.add(team)
        db.session.commit()
        return team

    return make


@pytest.fixture
def make_user(app, make_team):
    def make(
        *roles,
        team=None,
        first_name=None,
        last_name="Tester",
        email=None,
        password=PASSWORD,
        active=True,
        line_manager=None,
        job_title="Social Worker",
    ):
        n = next(_seq)
        user = User(
            first_name=first_name or f"Person{n}",
            last_name=last_name,
            email=email or f"person{n}@council.example",
            job_title=job_title,
            team=team if team is not None else make_team(),
            active=active,
            line_manager=line_manager,
        )
        user.roles = set(roles or ["practitioner"])
        if password:
            user.set_password(password, method=TEST_HASH)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_action(app):
    def make(
        owner,
        due_in_days=14,
        description=None,
        status="open",
        source_type="qa_board",
        source_label="QA Board 1 March 2026",
        **kw,
    ):
        action = Action(
            source_type=source_type,
            source_label=source_label,
            description=description or f"Action {next(_seq)}",
            owner=owner,
            team_id=owner.team_id,
            due_on=today_london() + timedelta(days=due_in_days),
            status=status,
            **kw,
        )
        db.session.add(action)
        db.session.commit()
        return action

    return make


@pytest.fixture
def signed_in(client, make_user):
    """A client signed in as a new person with the given roles: ``signed_in("qa_officer")``."""

    def make(*roles, **kw):
        user = make_user(*roles, **kw)
        sign_in(client, user)
        return user

    return make


# -- email -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free port for the whole run: (controller, sink)."""
    from mail_support import start_server

    controller, sink = start_server()
    yield controller, sink
    controller.stop()


@pytest.fixture
def mail(app, smtp_server, monkeypatch):
    """The app sends through the test SMTP server (no TLS, no login); returns the sink,
    emptied. Retries are due at once so a test can drain them."""
    controller, sink = smtp_server
    sink.clear()
    for key, value in {
        "MAIL_TRANSPORT": "smtp",
        "SMTP_HOST": controller.hostname,
        "SMTP_PORT": controller.port,
        "SMTP_SECURITY": "none",
        "SMTP_USERNAME": "",
        "SMTP_TIMEOUT": 5,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return sink
