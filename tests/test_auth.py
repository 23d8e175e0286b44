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


def test_five_failures_lock_the_account_for_fifteen_minutes(client, make_user):
    user = make_user()
    for _ in range(5):
        client.post("/sign-in", data={"email": user.email, "password": "wrong"})
    # Even the right password is refused now.
    page = client.post("/sign-in", data={"email": user.email, "password": PASSWORD}).get_data(
        as_text=True
    )
    assert "too many failed attempts" in page
    assert client.get("/").status_code == 302
    # The count is in the database (so every worker sees it)...
    count = db.session.scalar(
        select(db.func.count()).select_from(SignInFailure).where(SignInFailure.email == user.email)
    )
    assert count == 5
    # ...and after 15 minutes the account opens again.
    for failure in db.session.scalars(select(SignInFailure)):
        failure.failed_at -= timedelta(minutes=16)
    db.session.commit()
    sign_in(client, user)
    assert client.get("/").status_code == 200


def test_four_failures_do_not_lock(client, make_user):
    user = make_user()
    for _ in range(4):
        client.post("/sign-in", data={"email": user.email, "password": "wrong"})
    sign_in(client, user)


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
    assert "Password must be 10 characters or more" in page
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
