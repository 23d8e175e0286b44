from datetime import timedelta

from sqlalchemy import select
from support import PASSWORD, sign_in

from qaweb.auth.models import SignInFailure
from qaweb.extensions import db


def test_sign_in_and_out(client, make_user):
    user = make_user("practitioner", first_name="Nadia")
    assert client.get("/").status_code == 302  # sent to sign in
    response = client.post("/sign-in", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert "Nadia" in client.get("/").get_data(as_text=True)
    response = client.post("/sign-out", follow_redirects=True)
    assert "You have signed out" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_clear_message(client, make_user):
    user = make_user()
    response = client.post("/sign-in", data={"email": user.email, "password": "wrong"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter a correct email address and password" in page
    assert "<title>Error: Sign in - qaweb</title>" in page


def test_empty_sign_in_names_each_missing_field(client):
    page = client.post("/sign-in", data={}).get_data(as_text=True)
    assert "Enter your email address" in page
    assert "Enter your password" in page
    assert 'href="#email"' in page


ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
OFFICE = {"REMOTE_ADDR": "10.20.30.40"}


def _try(client, email, password, environ=ATTACKER):
    response = client.post(
        "/sign-in", data={"email": email, "password": password}, environ_base=environ
    )
    return response.status_code, response.get_data(as_text=True)


def _shift_failures(**delta):
    """Move every recorded failure ``delta`` into the past (time passes)."""
    for failure in db.session.scalars(select(SignInFailure)):
        failure.failed_at -= timedelta(**delta)
    db.session.commit()


def test_failures_from_one_address_make_that_address_wait_longer_each_time(
    app, client, make_user, caplog
):
    user = make_user()
    free = app.config["SIGN_IN_FREE_FAILURES"]
    for _ in range(free - 1):
        assert "Enter a correct email" in _try(client, user.email, "wrong")[1]
    _shift_failures(seconds=1)
    assert "Enter a correct email" in _try(client, user.email, "wrong")[1]  # the fifth
    # Now every try from this address waits: even the right password is not checked...
    page = _try(client, user.email, PASSWORD)[1]
    assert "too many failed attempts to sign in from this device" in page
    assert "Wait 1 second and try again" in page
    assert client.get("/").status_code == 302
    assert "Sign-in throttled" in caplog.text and "203.0.113.66" in caplog.text
    # ...the wait grows with each failure (1, 2, 4, ... seconds)...
    _shift_failures(seconds=2)
    _try(client, user.email, "wrong")
    assert "Wait 2 seconds" in _try(client, user.email, "wrong")[1]
    _shift_failures(seconds=3)
    _try(client, user.email, "wrong")
    assert "Wait 4 seconds" in _try(client, user.email, "wrong")[1]
    # ...up to the maximum, however many guesses are made.
    for _ in range(20):
        _shift_failures(hours=1)
        _try(client, user.email, "wrong")
    cap = app.config["SIGN_IN_MAX_DELAY_SECONDS"]
    assert f"Wait {cap // 60} minutes" in _try(client, user.email, "wrong")[1]
    # The failures are in the database, so every worker and host sees them.
    count = db.session.scalar(
        select(db.func.count()).select_from(SignInFailure).where(SignInFailure.email == user.email)
    )
    assert count == free + 2 + 20
    # Once the wait is over, the right password works.
    _shift_failures(seconds=cap)
    sign_in(client, user)


def test_an_attacker_cannot_lock_the_real_person_out(app, make_user, monkeypatch):
    # A minute's first wait: a busy machine's slow requests never outlast it mid-test.
    monkeypatch.setitem(app.config, "SIGN_IN_FIRST_DELAY_SECONDS", 60)
    user = make_user(first_name="Nadia")
    attacker, nadia = app.test_client(), app.test_client()
    for _ in range(30):
        _try(attacker, user.email, "guess")
    assert "too many failed attempts" in _try(attacker, user.email, PASSWORD)[1]
    # Nadia, at her own desk, signs in with the right password straight away.
    status, _ = _try(nadia, user.email, PASSWORD, environ=OFFICE)
    assert status == 302
    assert "Nadia" in nadia.get("/", environ_base=OFFICE).get_data(as_text=True)


def test_the_real_persons_success_keeps_the_attackers_failures(app, make_user, monkeypatch):
    # A minute's first wait: a busy machine's slow requests never outlast it mid-test.
    monkeypatch.setitem(app.config, "SIGN_IN_FIRST_DELAY_SECONDS", 60)
    user = make_user()
    attacker, owner = app.test_client(), app.test_client()
    for _ in range(6):
        _try(attacker, user.email, "guess")
    assert _try(owner, user.email, PASSWORD, environ=OFFICE)[0] == 302
    assert "too many failed attempts" in _try(attacker, user.email, "guess")[1]


def test_one_address_trying_many_accounts_is_made_to_wait(app, client, make_user, monkeypatch):
    # A minute's first wait: a busy machine's slow requests never outlast it mid-test.
    monkeypatch.setitem(app.config, "SIGN_IN_FIRST_DELAY_SECONDS", 60)
    people = [make_user() for _ in range(12)]
    free = app.config["SIGN_IN_ADDRESS_FREE_FAILURES"]
    pages = [_try(client, person.email, "Summer2026!")[1] for person in people]
    assert all("Enter a correct email" in page for page in pages[:free])
    # Each account was tried once only, yet the address now waits, for every account...
    assert "too many failed attempts" in pages[free + 1]
    assert _try(client, people[-1].email, PASSWORD)[0] == 200
    # ...while the same people sign in from their own desks.
    assert _try(app.test_client(), people[-1].email, PASSWORD, environ=OFFICE)[0] == 302


def test_guesses_spread_over_many_addresses_slow_new_addresses_not_the_persons_own(
    app, make_user, caplog, monkeypatch
):
    monkeypatch.setitem(app.config, "SIGN_IN_FIRST_DELAY_SECONDS", 60)
    user = make_user(first_name="Nadia")
    desk = app.test_client()
    assert _try(desk, user.email, PASSWORD, environ=OFFICE)[0] == 302  # her usual desk
    desk.post("/sign-out", environ_base=OFFICE)
    botnet = app.test_client()
    for n in range(app.config["SIGN_IN_ACCOUNT_FREE_FAILURES"]):
        page = _try(botnet, user.email, "guess", environ={"REMOTE_ADDR": f"198.51.100.{n}"})[1]
        assert "Enter a correct email" in page  # one guess each: no address is slowed
    # The account as a whole now waits, for an address never used by Nadia...
    page = _try(botnet, user.email, PASSWORD, environ={"REMOTE_ADDR": "192.0.2.1"})[1]
    assert "too many failed attempts" in page
    assert "account from any address" in caplog.text
    # ...but not at her desk.
    assert _try(desk, user.email, PASSWORD, environ=OFFICE)[0] == 302


def test_four_failures_do_not_slow_anyone_down(client, make_user):
    user = make_user()
    for _ in range(4):
        _try(client, user.email, "wrong")
    assert _try(client, user.email, PASSWORD)[0] == 302


def test_unknown_accounts_are_throttled_like_real_ones(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_FIRST_DELAY_SECONDS", 60)
    for _ in range(app.config["SIGN_IN_FREE_FAILURES"]):
        _try(client, "nobody@council.example", "guess")
    assert "too many failed attempts" in _try(client, "nobody@council.example", "guess")[1]


def _address_seen(proxy_count):
    from flask import request

    from qaweb import create_app

    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "PROXY_COUNT": proxy_count}
    )
    app.add_url_rule("/_address", "address", lambda: request.remote_addr)
    response = app.test_client().get(
        "/_address",
        headers={"X-Forwarded-For": "10.1.2.3"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    return response.get_data(as_text=True)


def test_the_client_address_comes_from_a_proxy_only_when_one_is_configured():
    assert _address_seen(0) == "10.0.0.1"  # no proxy: the header is anyone's to forge
    assert _address_seen(1) == "10.1.2.3"  # QAWEB_PROXY_COUNT=1: the proxy's header


def test_deactivated_person_cannot_sign_in(client, make_user):
    user = make_user(active=False)
    page = client.post("/sign-in", data={"email": user.email, "password": PASSWORD}).get_data(
        as_text=True
    )
    assert "deactivated" in page
    assert client.get("/").status_code == 302


def test_deactivated_while_signed_in_is_signed_out(client, make_user):
    user = make_user()
    sign_in(client, user)
    user.active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_change_password(client, make_user):
    user = make_user()
    sign_in(client, user)
    page = client.post(
        "/account/password",
        data={"current_password": "nope", "new_password": "short", "confirm_password": "x"},
    ).get_data(as_text=True)
    assert "Your current password is not correct" not in page  # field checks come first
    assert "Password must be 12 characters or more" in page
    assert "Passwords do not match" in page
    page = client.post(
        "/account/password",
        data={
            "current_password": "nope",
            "new_password": "a much longer one",
            "confirm_password": "a much longer one",
        },
    ).get_data(as_text=True)
    assert "Your current password is not correct" in page
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a much longer one",
            "confirm_password": "a much longer one",
        },
        follow_redirects=True,
    )
    assert "Your password has been changed" in response.get_data(as_text=True)
    client.post("/sign-out")
    sign_in(client, user, password="a much longer one")


def test_next_goes_only_to_a_local_page(client, make_user):
    user = make_user()
    data = {"email": user.email, "password": PASSWORD}
    response = client.post("/sign-in?next=https://evil.example/", data=data)
    assert response.headers["Location"] == "/"
    client.post("/sign-out")
    response = client.post("/sign-in?next=//evil.example/x", data=data)
    assert response.headers["Location"] == "/"
    client.post("/sign-out")
    response = client.post("/sign-in?next=/actions/mine", data=data)
    assert response.headers["Location"] == "/actions/mine"


def test_session_cookie_is_httponly_and_lax(client, make_user):
    user = make_user()
    response = sign_in(client, user)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_passwords_are_hashed(make_user):
    user = make_user()
    assert PASSWORD not in user.password_hash
    assert user.check_password(PASSWORD)


def test_a_new_password_signs_out_other_sessions(app, make_user):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user)
    sign_in(phone, user)
    laptop.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "another long one",
            "confirm_password": "another long one",
        },
    )
    assert laptop.get("/").status_code == 200  # the session that changed it stays
    assert phone.get("/").status_code == 302  # the other one must sign in again


def test_signing_in_does_not_make_an_open_edit_stale(client, make_user):
    user = make_user()
    version = user.version
    sign_in(client, user)
    db.session.refresh(user)
    assert user.version == version
    assert user.last_signed_in_at is not None


def test_a_very_long_email_is_refused_politely(client):
    response = client.post("/sign-in", data={"email": "a" * 300 + "@x.org", "password": "x"})
    assert response.status_code == 200
    assert "Email address must be 254 characters or fewer" in response.get_data(as_text=True)


def test_an_office_sharing_one_address_is_not_held_up_by_its_neighbours_mistakes(
    app, make_user, monkeypatch
):
    """Behind an office's shared address everyone is one address: colleagues mistyping their
    passwords must not make a person who signs in from there every day wait."""
    monkeypatch.setitem(app.config, "SIGN_IN_FIRST_DELAY_SECONDS", 60)
    regular, stranger = make_user(), make_user()
    desk = app.test_client()
    assert _try(desk, regular.email, PASSWORD, environ=OFFICE)[0] == 302
    desk.post("/sign-out", environ_base=OFFICE)
    colleagues = [make_user() for _ in range(app.config["SIGN_IN_ADDRESS_FREE_FAILURES"] + 2)]
    for person in colleagues:
        _try(app.test_client(), person.email, "mistyped", environ=OFFICE)
    # Someone new at that address waits, as an attacker trying many accounts would...
    page = _try(app.test_client(), stranger.email, PASSWORD, environ=OFFICE)[1]
    assert "too many failed attempts" in page
    # ...but the person who signs in there every day does not.
    assert _try(app.test_client(), regular.email, PASSWORD, environ=OFFICE)[0] == 302
