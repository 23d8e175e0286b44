"""When the database goes away: the house error page (never a bare 500), what was typed shown
back, /health saying which part failed, and recovery without a restart.

The test's own database is made unreachable, never the server others use: on PostgreSQL it
stops accepting connections (ALLOW_CONNECTIONS false) and its sessions are ended; on SQLite
its folder is moved away and the pool emptied (as a disk gone from under the app).
"""

import sqlite3
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from live_support import complaint_data, make_live_app, signed_in_client

from qaweb.extensions import db

DOWN_TITLE = "qaweb cannot reach its database"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request, scratch_database, tmp_path_factory):
    url = scratch_database(request.param, tmp_path_factory.mktemp("down") / "instance")
    if request.param == "sqlite":
        Path(sa.engine.make_url(url).database).parent.mkdir(parents=True)
    app = make_live_app(url)
    yield app
    with app.app_context():
        db.engine.dispose()


@contextmanager
def database_down(app):
    """Make the app's own database unreachable inside the block; back afterwards."""
    from support import pg_admin_url

    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() == "sqlite":
        folder = Path(url.database).parent
        away = folder.with_name(folder.name + "-away")
        folder.rename(away)
        with app.app_context():
            db.engine.dispose()  # open files would keep working: new connections must fail
        try:
            yield
        finally:
            away.rename(folder)
        return
    admin = sa.create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    name = url.database
    with admin.connect() as conn:
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (name,),
        )
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.dispose()


def test_pages_show_the_house_error_page_and_recover_without_a_restart(live):
    client = signed_in_client(live, "officer")
    assert client.get("/complaints/").status_code == 200
    with database_down(live):
        for url in ("/", "/complaints/", "/actions/mine", "/sign-in"):
            response = client.get(url)
            page = response.get_data(as_text=True)
            assert response.status_code == 503, (url, page[:500])
            assert DOWN_TITLE in page
            assert "Try again in a minute" in page
            assert 'class="govuk-template' in page  # the house layout, not a bare error
            assert "Internal Server Error" not in page
            assert response.headers["Retry-After"] == "60"
    # Back: the same signed-in person carries on, no restart (the pool pings first).
    response = client.get("/complaints/")
    assert response.status_code == 200
    assert "Officer Tester" in response.get_data(as_text=True)


def test_a_save_while_down_says_nothing_was_saved_and_shows_what_was_typed(live):
    client = signed_in_client(live, "officer")
    typed = "Nobody visited for six weeks.\nThe family asked twice."
    with database_down(live):
        response = client.post("/complaints/new", data=complaint_data(live, summary=typed))
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert DOWN_TITLE in page and "Nothing you typed has been saved" in page
    assert "What you typed" in page
    assert "Nobody visited for six weeks.\nThe family asked twice." in page
    assert "Jo Bloggs" in page
    assert response.headers["Cache-Control"] == "no-store"  # a complainant's name is on it


def test_an_htmx_save_while_down_keeps_the_form_and_says_so_above_it(live):
    client = signed_in_client(live, "officer")
    with database_down(live):
        response = client.post(
            "/complaints/new",
            data=complaint_data(live),
            headers={"HX-Request": "true"},
        )
    page = response.get_data(as_text=True)
    assert response.status_code == 200  # htmx swaps it (it would ignore a 503)
    assert response.headers["HX-Retarget"] == "#qaweb-form-problem"
    assert "<html" not in page
    assert DOWN_TITLE in page and "it is still in the form" in page


def test_health_checks_the_database(live):
    client = live.test_client()
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "failed": [],
        "checks": {"app": "ok", "database": "ok"},
    }
    with database_down(live):
        response = client.get("/health")
        assert response.status_code == 503
        assert response.get_json()["status"] == "unavailable"
        assert response.get_json()["failed"] == ["database"]
        assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/health").status_code == 200


def test_a_save_that_waited_too_long_for_another_says_press_save_again(
    scratch_database, tmp_path_factory, monkeypatch
):
    """SQLite: a save queued behind another for longer than the busy timeout."""
    from qaweb.core import db as core_db

    monkeypatch.setattr(core_db, "SQLITE_BUSY_TIMEOUT_MS", 100)
    url = scratch_database("sqlite", tmp_path_factory.mktemp("busy"))
    app = make_live_app(url)
    client = signed_in_client(app, "officer")
    blocker = sqlite3.connect(sa.engine.make_url(url).database, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # someone else's long save holds the write lock
        response = client.post("/complaints/new", data=complaint_data(app))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        with app.app_context():
            db.engine.dispose()
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Someone else was saving at the same moment" in page
    assert "press the button again" in page
    assert "Jo Bloggs" in page  # what was typed, to copy back
    assert client.post("/complaints/new", data=complaint_data(app)).status_code == 302


class _Driver(Exception):
    def __init__(self, message, sqlstate=None):
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("message", "sqlstate", "expected"),
    [
        ("database is locked", None, "busy"),
        ("could not serialize access due to concurrent update", "40001", "busy"),
        ("deadlock detected", "40P01", "busy"),
        ("terminating connection due to administrator command", "57P01", "down"),
        ("the database system is starting up", "57P03", "down"),
        ("server closed the connection unexpectedly", "08006", "down"),
        ("unable to open database file", None, "down"),
        ("no such table: complaint", None, None),  # a fault in qaweb, not the database
        ("division by zero", "22012", None),
    ],
)
def test_database_errors_are_told_apart(message, sqlstate, expected):
    from sqlalchemy.exc import OperationalError

    from qaweb.core.errors import database_problem

    error = OperationalError("SELECT 1", {}, _Driver(message, sqlstate))
    assert database_problem(error) == expected
