"""Sessions end on the server: on sign-out, when idle, when too old, on a new password."""

from datetime import timedelta

from sqlalchemy import event, select
from support import PASSWORD, sign_in

from qaweb.auth.models import UserSession
from qaweb.extensions import db


def _rows(user):
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)))


def _age(user, **delta):
    """Make every session of ``user`` look as if it were last used ``delta`` earlier."""
    for row in _rows(user):
        row.last_seen_at -= timedelta(**delta)
    db.session.commit()


def test_a_cookie_copied_before_sign_out_is_refused_after(app, make_user):
    user = make_user(first_name="Nadia")
    browser = app.test_client()
    sign_in(browser, user)
    assert "Nadia" in browser.get("/").get_data(as_text=True)
    # An attacker copies the session cookie (from a shared PC, a proxy log...).
    stolen = browser.get_cookie("session", domain="qaweb.test").value
    thief = app.test_client()
    thief.set_cookie("session", stolen, domain="qaweb.test")
    assert thief.get("/").status_code == 200

    browser.post("/sign-out")
    assert browser.get("/").status_code == 302
    response = thief.get("/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    [row] = _rows(user)
    assert row.ended_at is not None


def test_only_a_hash_of_the_session_key_is_stored(app, make_user):
    user = make_user()
    browser = app.test_client()
    sign_in(browser, user)
    with browser.session_transaction() as cookie:
        key = cookie["qaweb_session"]
    [row] = _rows(user)
    assert key not in row.key_hash and len(row.key_hash) == 64


def test_an_idle_session_expires(app, make_user):
    user = make_user()
    browser = app.test_client()
    sign_in(browser, user)
    idle = app.config["SESSION_IDLE_MINUTES"]
    _age(user, minutes=idle - 5)
    assert browser.get("/").status_code == 200  # used just in time: it goes on...
    # ...and its use was written, so the idle time starts again (without that it would
    # now be idle - 5 + idle - 5 minutes unused).
    _age(user, minutes=idle - 5)
    assert browser.get("/").status_code == 200
    _age(user, minutes=idle + 1)
    assert browser.get("/").status_code == 302  # forgotten for longer than the idle time
    sign_in(browser, user)
    assert browser.get("/").status_code == 200


def test_idle_time_is_a_setting(app, make_user):
    user = make_user()
    browser = app.test_client()
    sign_in(browser, user)
    _age(user, minutes=30)
    assert browser.get("/").status_code == 200
    app.config["SESSION_IDLE_MINUTES"], before = 20, app.config["SESSION_IDLE_MINUTES"]
    try:
        _age(user, minutes=30)
        assert browser.get("/").status_code == 302
    finally:
        app.config["SESSION_IDLE_MINUTES"] = before


def test_a_session_in_use_still_ends_after_its_maximum_lifetime(app, make_user):
    user = make_user()
    browser = app.test_client()
    sign_in(browser, user)
    for row in _rows(user):
        row.created_at -= timedelta(hours=app.config["SESSION_MAX_HOURS"], minutes=1)
    db.session.commit()
    assert browser.get("/").status_code == 302


def test_a_new_password_ends_every_other_session_and_keeps_this_one(app, make_user):
    user = make_user()
    laptop, phone, tablet = app.test_client(), app.test_client(), app.test_client()
    for client in (laptop, phone, tablet):
        sign_in(client, user)
    old_laptop_cookie = laptop.get_cookie("session", domain="qaweb.test").value
    laptop.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "another long one",
            "confirm_password": "another long one",
        },
    )
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    assert tablet.get("/").status_code == 302
    # The laptop's session went on under a new key: its old cookie is no good either.
    copy = app.test_client()
    copy.set_cookie("session", old_laptop_cookie, domain="qaweb.test")
    assert copy.get("/").status_code == 302
    live = [row for row in _rows(user) if row.ended_at is None]
    assert len(live) == 1


def test_signed_in_requests_look_the_session_up_once_and_write_it_now_and_then(app, make_user):
    user = make_user()
    browser = app.test_client()
    sign_in(browser, user)
    statements = []

    def record(conn, cursor, statement, *args):
        if "user_session" in statement:
            statements.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for _ in range(3):
            assert browser.get("/actions/mine").status_code == 200
        assert statements == ["SELECT"] * 3  # no write within the minute
        statements.clear()
        _age(user, seconds=app.config["SESSION_SEEN_INTERVAL_SECONDS"] + 1)
        statements.clear()
        assert browser.get("/actions/mine").status_code == 200
        assert browser.get("/actions/mine").status_code == 200
        assert statements == ["SELECT", "UPDATE", "SELECT"]
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
