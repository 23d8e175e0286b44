"""Password reset by email: the link works once and for an hour, the page says the same for
any address, and an account gets at most three emails an hour."""

import re
import time

import pytest
from mail_support import text_of
from support import PASSWORD

from qaweb.core import outbox
from qaweb.extensions import db

NEW = "a brand new passphrase here"
SAME_ANSWER = "we have sent it a link to reset the password"


def ask(client, email):
    response = client.post("/forgot-password", data={"email": email})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def link_in(mail) -> str:
    db.session.commit()
    outbox.send_due()
    [(recipients, message)] = mail.messages
    mail.messages.clear()
    assert message["Subject"] == "Reset your qaweb password"
    [link] = re.findall(r"http://\S+/reset-password/\S+", text_of(message))
    return link.replace("http://127.0.0.1:5000", "")


def test_a_link_by_email_sets_a_new_password_once(client, mail, make_user):
    person = make_user("practitioner", email="ola@council.example")
    assert "Forgotten your password?" in client.get("/sign-in").get_data(as_text=True)
    assert SAME_ANSWER in ask(client, "  OLA@council.example ")
    path = link_in(mail)
    assert "Choose a new password" in client.get(path).get_data(as_text=True)
    mismatch = client.post(path, data={"new_password": NEW, "confirm_password": "other"})
    assert "Passwords do not match" in mismatch.get_data(as_text=True)
    done = client.post(path, data={"new_password": NEW, "confirm_password": NEW})
    assert done.status_code == 302 and done.headers["Location"].endswith("/sign-in")
    db.session.refresh(person)
    assert person.check_password(NEW) and not person.check_password(PASSWORD)
    # Used once: the same link is refused.
    again = client.get(path)
    assert again.status_code == 400 and "This link no longer works" in again.get_data(as_text=True)
    signed = client.post("/sign-in", data={"email": person.email, "password": NEW})
    assert signed.status_code == 302


def test_the_same_answer_for_unknown_inactive_and_passwordless_addresses(client, mail, make_user):
    make_user("practitioner", email="gone@council.example", active=False)
    make_user("practitioner", email="sso@council.example", password=None)
    for email in ("nobody@council.example", "gone@council.example", "sso@council.example"):
        assert SAME_ANSWER in ask(client, email)
    db.session.commit()
    outbox.send_due()
    assert mail.messages == []


def test_a_link_expires_after_an_hour(client, mail, make_user, monkeypatch):
    make_user("practitioner", email="ola@council.example")
    ask(client, "ola@council.example")
    path = link_in(mail)
    later = time.time() + 61 * 60
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    assert client.get(path).status_code == 400


def test_a_changed_or_forged_token_is_refused(client, mail, make_user):
    make_user("practitioner", email="ola@council.example")
    other = make_user("practitioner")
    ask(client, "ola@council.example")
    path = link_in(mail)
    token = path.rsplit("/", 1)[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/reset-password/{forged}").status_code == 400
    assert client.get(f"/reset-password/{other.id}").status_code == 400


@pytest.mark.parametrize("asks", [4])
def test_an_account_gets_at_most_three_emails_an_hour(client, mail, make_user, asks):
    make_user("practitioner", email="ola@council.example")
    for _ in range(asks):
        assert SAME_ANSWER in ask(client, "ola@council.example")
    db.session.commit()
    outbox.send_due()
    assert len(mail.messages) == 3
