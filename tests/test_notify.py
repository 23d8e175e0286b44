"""Email delivery: the outbox written with the change, sent once through a real SMTP server
(aiosmtpd), retried on temporary refusals, failed after the limit, the development file
transport and mailbox, GOV.UK Notify against a local stub of its API, preferences and
digests, and the admin pages."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from mail_support import html_of, text_of
from sqlalchemy import func, select, update
from support import sign_in

from qaweb.actions import services as actions
from qaweb.core import outbox
from qaweb.core.db import utcnow
from qaweb.core.notify import (
    DIGESTED,
    FAILED,
    HELD,
    QUEUED,
    SENDING,
    SENT,
    OutboxMessage,
    notify,
    save_preferences,
)
from qaweb.core.settings import set_setting
from qaweb.core.timefmt import today_london
from qaweb.extensions import db


def rows(**where):
    statement = select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        statement = statement.where(getattr(OutboxMessage, name) == value)
    return list(db.session.scalars(statement))


def give_action(owner, by, days=10, label="QA Board 1 March 2026"):
    action = actions.raise_action(
        source_type="qa_board",
        source_label=label,
        description="Review the plan",
        owner=owner,
        due_on=today_london() + timedelta(days=days),
        raised_by=by,
    )
    db.session.commit()
    return action


@pytest.fixture
def pair(make_user):
    qa = make_user("qa_officer", first_name="Quinn", last_name="Adebayo")
    owner = make_user(
        "practitioner", first_name="Ola", last_name="Nwosu", email="ola@council.example"
    )
    return qa, owner


def test_a_message_reaches_the_smtp_server_with_text_html_and_one_link(mail, pair):
    qa, owner = pair
    set_setting("council_name", "Wokingham Borough Council")
    action = give_action(owner, qa)
    assert outbox.send_due() == {"sent": 1, "retry": 0, "failed": 0}

    [(recipients, message)] = mail.messages
    assert recipients == ["ola@council.example"]
    assert message["To"] == "ola@council.example"
    assert message["From"].addresses[0].display_name == "Wokingham Borough Council"
    due = today_london() + timedelta(days=10)
    assert message["Subject"] == (f"Action for you: {action.reference}, due {due.day} {due:%B %Y}")
    link = f"http://127.0.0.1:5000/actions/{action.id}"
    text = text_of(message)
    assert text.startswith("Dear Ola,")
    assert "Quinn Adebayo has given you an action" in text
    assert "from QA Board 1 March 2026" in text
    assert text.count("http") == 1 and link in text
    html = html_of(message)
    assert f'href="{link}"' in html and "Wokingham Borough Council" in html
    [row] = rows()
    assert row.status == SENT and row.attempts == 1 and row.sent_at is not None


def test_nothing_is_sent_for_a_change_that_rolled_back(mail, pair):
    qa, owner = pair
    nested = db.session.begin_nested()
    actions.raise_action(
        source_type="qa_board",
        description="Never saved",
        owner=owner,
        due_on=today_london(),
        raised_by=qa,
    )
    assert len(rows()) == 1  # queued inside the transaction...
    nested.rollback()
    assert rows() == []  # ...and gone with it
    assert outbox.send_due() == {"sent": 0, "retry": 0, "failed": 0}
    assert mail.messages == []


def test_the_same_event_reaches_a_person_once_and_inactive_people_never(mail, pair, make_user):
    qa, owner = pair
    gone = make_user("practitioner", active=False)
    for _ in range(3):
        notify(
            "action",
            [owner, owner, gone, None],
            "Hello",
            "action_assigned",
            {"action": give_action(owner, owner), "by": qa},
            key="test:event:1",
        )
    db.session.commit()
    assert [r.to_address for r in rows(kind="action")] == [owner.email]
    outbox.send_due()
    outbox.send_due()
    assert [rcpts for rcpts, _ in mail.messages] == [[owner.email]]


def _due_now():
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()


def test_a_temporary_refusal_is_retried_with_backoff_then_failed_after_the_limit(
    app, client, mail, pair, make_user, monkeypatch
):
    qa, owner = pair
    monkeypatch.setitem(app.config, "NOTIFY_MAX_ATTEMPTS", 3)
    monkeypatch.setitem(app.config, "NOTIFY_RETRY_SECONDS", 60)
    give_action(owner, qa)
    mail.refuse = "451 4.3.0 Mailbox busy, try later"

    before = utcnow()
    assert outbox.send_due() == {"sent": 0, "retry": 1, "failed": 0}
    [row] = rows()
    assert row.status == QUEUED and row.attempts == 1
    assert "451" in row.last_error
    # Tried again after 60 s, then 120 s: not before.
    assert timedelta(seconds=59) < row.next_attempt_at - before < timedelta(seconds=62)
    assert outbox.send_due() == {"sent": 0, "retry": 0, "failed": 0}
    _due_now()
    assert outbox.send_due() == {"sent": 0, "retry": 1, "failed": 0}
    db.session.refresh(row)
    assert timedelta(seconds=119) < row.next_attempt_at - utcnow() < timedelta(seconds=122)
    _due_now()
    assert outbox.send_due() == {"sent": 0, "retry": 0, "failed": 1}
    db.session.refresh(row)
    assert row.status == FAILED and row.attempts == 3
    assert row.last_error == "SMTP 451: 4.3.0 Mailbox busy, try later (gave up after 3 tries)"
    assert mail.tries == 3 and mail.messages == []

    # The administrator sees it failed, with the error, and sends it again.
    admin = make_user("admin")
    sign_in(client, admin)
    page = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "1</strong> message" in page and "Mailbox busy" in page
    mail.refuse = None
    response = client.post(f"/admin/outbox/{row.id}/send-again")
    assert response.status_code == 302
    assert outbox.send_due() == {"sent": 1, "retry": 0, "failed": 0}
    assert len(mail.messages) == 1


def test_a_permanent_refusal_fails_at_once(mail, pair):
    qa, owner = pair
    give_action(owner, qa)
    mail.refuse = "550 5.1.1 No such user here"
    assert outbox.send_due() == {"sent": 0, "retry": 0, "failed": 1}
    [row] = rows()
    assert row.status == FAILED and row.attempts == 1
    assert row.last_error == "SMTP 550: 5.1.1 No such user here"


def test_a_server_that_is_down_is_a_temporary_failure(app, mail, pair, monkeypatch):
    from mail_support import free_port

    qa, owner = pair
    give_action(owner, qa)
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nothing listens there
    assert outbox.send_due() == {"sent": 0, "retry": 1, "failed": 0}
    [row] = rows()
    assert row.status == QUEUED and "Cannot reach the mail server" in row.last_error


def test_a_message_left_sending_by_a_stopped_sender_is_failed_not_sent_twice(mail, pair):
    qa, owner = pair
    give_action(owner, qa)
    token, ids = outbox.claim(10)
    assert len(ids) == 1
    # The sender stops here. Another, after the claim has run out:
    later = utcnow() + timedelta(seconds=outbox.CLAIM_SECONDS + 1)
    assert outbox.release_abandoned(later) == 1
    db.session.commit()
    [row] = rows()
    assert row.status == FAILED and "may have arrived" in row.last_error
    assert outbox.send_due() == {"sent": 0, "retry": 0, "failed": 0}
    assert mail.messages == []


# -- development mailbox -----------------------------------------------------------------


def test_the_file_transport_writes_eml_files_the_admin_reads(
    app, client, pair, make_user, monkeypatch, tmp_path
):
    qa, owner = pair
    monkeypatch.setitem(app.config, "MAIL_TRANSPORT", "file")
    monkeypatch.setitem(app.config, "MAIL_DIRECTORY", str(tmp_path))
    action = give_action(owner, qa)
    assert outbox.send_due()["sent"] == 1
    [path] = list(tmp_path.iterdir())
    assert path.suffix == ".eml"
    assert b"Subject: Action for you: " + action.reference.encode() in path.read_bytes()

    sign_in(client, owner)
    assert client.get("/admin/mailbox").status_code == 403
    client = app.test_client()
    sign_in(client, make_user("admin"))
    page = client.get("/admin/mailbox").get_data(as_text=True)
    assert f"Action for you: {action.reference}" in page and str(tmp_path) in page
    one = client.get(f"/admin/mailbox/{path.name}").get_data(as_text=True)
    assert "Dear Ola," in one and "ola@council.example" in one
    assert client.get("/admin/mailbox/..%2Fsecret_key").status_code == 404
    assert client.get("/admin/mailbox/20260101-000000-000001.eml").status_code == 404


# -- GOV.UK Notify -----------------------------------------------------------------------

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"


@pytest.fixture
def notify_stub():
    """A local stand-in for the GOV.UK Notify API: records each request and answers with
    the status in ``state["status"]``."""
    state = {"requests": [], "status": 201}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state["requests"].append(
                {"path": self.path, "headers": dict(self.headers), "json": json.loads(body)}
            )
            status = state["status"]
            answer = (
                {"id": "740e5834-3a29-46b4-9a6f-16142fde533a", "reference": None}
                if status == 201
                else {"status_code": status, "errors": [{"error": "X", "message": "Refused"}]}
            )
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def test_notify_transport_makes_the_official_clients_request(app, pair, notify_stub, monkeypatch):
    qa, owner = pair
    for key, value in {
        "MAIL_TRANSPORT": "notify",
        "NOTIFY_API_KEY": f"qaweb_test-{SERVICE_ID}-{SECRET}",
        "NOTIFY_TEMPLATE_ID": TEMPLATE_ID,
        "NOTIFY_BASE_URL": notify_stub["url"],
        "NOTIFY_REPLY_TO_ID": "",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    action = give_action(owner, qa)
    assert outbox.send_due() == {"sent": 1, "retry": 0, "failed": 0}

    [request] = notify_stub["requests"]
    assert request["path"] == "/v2/notifications/email"
    assert request["headers"]["Content-type"] == "application/json"
    assert request["headers"]["User-agent"].startswith("NOTIFY-API-PYTHON-CLIENT/")
    token = request["headers"]["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["iss"] == SERVICE_ID
    [row] = rows()
    assert request["json"] == {
        "email_address": "ola@council.example",
        "template_id": TEMPLATE_ID,
        "personalisation": {"subject": row.subject, "body": row.body_text},
        "reference": row.key,
    }
    assert action.reference in row.subject

    # A server error is tried again; a bad request is not.
    give_action(owner, qa, label="Second")
    notify_stub["status"] = 500
    assert outbox.send_due() == {"sent": 0, "retry": 1, "failed": 0}
    _due_now()
    notify_stub["status"] = 400
    assert outbox.send_due() == {"sent": 0, "retry": 0, "failed": 1}
    assert "GOV.UK Notify 400" in rows(status=FAILED)[0].last_error


# -- preferences and digests ------------------------------------------------------------------


def test_preferences_page_saves_choices_and_refuses_turning_off_statutory_reminders(
    app, client, pair, monkeypatch
):
    qa, owner = pair
    sign_in(client, owner)
    page = client.get("/account/email").get_data(as_text=True)
    assert "Email preferences" in page and "Complaint deadlines" in page
    form = {
        "observation": "immediately",
        "learning_session": "off",
        "supervision": "digest",
        "thematic": "immediately",
        "action": "digest",
        "action_reminder": "immediately",
        "action_verification": "digest",
        "complaint_reminder": "off",
        "digest_hour": "7",
    }
    refused = client.post("/account/email", data=form)
    assert refused.status_code == 200
    assert "Select one of the options" in refused.get_data(as_text=True)
    form["complaint_reminder"] = "digest"
    assert client.post("/account/email", data=form).status_code == 302
    page = client.get("/account/email").get_data(as_text=True)
    assert 'value="digest" checked' in page.replace("\n", " ") or "checked" in page
    from qaweb.core.notify import preferences

    chosen, hour = preferences(owner)
    assert chosen["action"] == "digest" and chosen["learning_session"] == "off"
    assert chosen["complaint_reminder"] == "digest" and hour == 7


def test_off_sends_nothing_and_digest_gathers_a_day_into_one_message(mail, pair, make_user):
    qa, owner = pair
    other = make_user("qa_officer")
    save_preferences(owner, {"action": "digest", "action_reminder": "digest"}, 8)
    save_preferences(other, {"action": "off"}, 8)
    db.session.commit()
    first = give_action(owner, qa, label="First meeting")
    second = give_action(owner, qa, label="Second meeting")
    give_action(other, qa)
    assert [r.status for r in rows()] == [HELD, HELD]  # nothing at all for ``other``
    notify(
        "action_reminder",
        [owner],
        "Action due soon",
        "action_reminder",
        {"action": first, "overdue": False},
        key="test:reminder",
    )
    db.session.commit()

    # Before the digest hour nothing goes; at it, one message with a section per kind.
    from datetime import datetime

    from qaweb.core.timefmt import LONDON

    early = datetime.combine(today_london(), datetime.min.time(), LONDON).replace(hour=7)
    assert outbox.build_digests(early) == 0
    at_eight = early.replace(hour=8, minute=5)
    assert outbox.build_digests(at_eight) == 1
    assert outbox.build_digests(at_eight) == 0
    db.session.commit()
    assert outbox.send_due() == {"sent": 1, "retry": 0, "failed": 0}
    [(recipients, message)] = mail.messages
    assert recipients == [owner.email]
    assert message["Subject"] == "Your daily summary: 3 updates"
    text = text_of(message)
    assert "Actions (2)" in text and "Action reminders (1)" in text
    assert f"Action for you: {first.reference}" in text
    assert f"Action for you: {second.reference}" in text
    assert text.index("Actions (2)") < text.index("Action reminders (1)")
    assert [r.status for r in rows(recipient_id=owner.id)] == [DIGESTED] * 3 + [SENT]


# -- two senders at once -------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request, scratch_database, tmp_path_factory):
    from live_support import make_live_app

    app = make_live_app(scratch_database(request.param, tmp_path_factory.mktemp("mail")))
    yield app
    with app.app_context():
        db.engine.dispose()


def test_two_senders_at_once_send_each_message_once(live, smtp_server):
    """Two senders (threads with their own connections, as two hosts) drain the same outbox
    at the same moment: every message arrives exactly once."""
    from qaweb.organisation.models import User

    controller, sink = smtp_server
    sink.clear()
    live.config.update(
        MAIL_TRANSPORT="smtp",
        SMTP_HOST=controller.hostname,
        SMTP_PORT=controller.port,
        SMTP_SECURITY="none",
    )
    total = 60
    with live.app_context():
        person = db.session.scalar(select(User).where(User.email == "qa@council.example"))
        for n in range(total):
            notify(
                "action",
                [person],
                f"Message {n}",
                "action_assigned",
                {
                    "action": type(
                        "A",
                        (),
                        {"reference": f"ACT-{n}", "source_label": "", "due_on": today_london()},
                    )(),
                    "by": None,
                },
                key=f"concurrent:{n}",
            )
        db.session.commit()
        db.session.remove()

    barrier = threading.Barrier(2)
    results = []

    def sender():
        with live.app_context():
            barrier.wait()
            counts = {"sent": 0}
            while True:
                got = outbox.send_due(limit=7)
                counts["sent"] += got["sent"]
                if not any(got.values()):
                    break
            results.append(counts["sent"])
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(results) == total
    assert sorted(sink.subjects()) == sorted(f"Message {n}" for n in range(total))
    with live.app_context():
        statuses = dict(
            db.session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ).all()
        )
        db.session.execute(OutboxMessage.__table__.delete())
        db.session.commit()
        db.session.remove()
    assert statuses == {SENT: total}
    assert SENDING not in statuses


def test_smtp_login_is_used_when_a_user_name_is_set(app, pair, monkeypatch):
    """A relay that wants a login (aiosmtpd with AUTH, without TLS for the test): the right
    user name and password are sent and the message accepted."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
    from mail_support import Sink, free_port

    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        seen.append((auth_data.login.decode(), auth_data.password.decode()))
        ok = auth_data.login == b"qaweb-relay" and auth_data.password == b"s3cret-relay"
        return AuthResult(success=ok)

    sink = Sink()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        qa, owner = pair
        for key, value in {
            "MAIL_TRANSPORT": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": controller.port,
            "SMTP_SECURITY": "none",
            "SMTP_USERNAME": "qaweb-relay",
            "SMTP_PASSWORD": "s3cret-relay",
            "SMTP_TIMEOUT": 5,
        }.items():
            monkeypatch.setitem(app.config, key, value)
        give_action(owner, qa)
        assert outbox.send_due() == {"sent": 1, "retry": 0, "failed": 0}
        assert seen[-1] == ("qaweb-relay", "s3cret-relay")
        assert [r for r, _ in sink.messages] == [[owner.email]]
    finally:
        controller.stop()


def test_the_outbox_exports_the_filtered_messages(client, pair, make_user, monkeypatch):
    import io

    from openpyxl import load_workbook

    qa, owner = pair
    first = give_action(owner, qa, label="One")
    give_action(qa, owner, label="Two")
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.recipient_id == qa.id)
        .values(status=FAILED, attempts=6, last_error="SMTP 550: 5.1.1 No such user")
    )
    db.session.commit()
    sign_in(client, make_user("admin"))
    page = client.get("/admin/outbox?status=queued").get_data(as_text=True)
    assert "/admin/outbox/export.xlsx?status=queued" in page
    response = client.get("/admin/outbox/export.xlsx?status=failed")
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    sheet = load_workbook(io.BytesIO(response.data))["Outbox"]  # the About sheet comes first
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["Queued", "Kind", "To", "Subject", "Status", "Tries", "Sent", "Error"]
    [row] = values[1:]
    assert row[1:7] == ["Actions", qa.email, row[3], "Failed", 6, None]
    assert row[3].startswith("Action for you: ACT-") and first.reference not in row[3]
    assert row[7] == "SMTP 550: 5.1.1 No such user"


def test_a_person_deactivated_after_the_message_was_queued_gets_nothing(mail, pair):
    qa, owner = pair
    give_action(owner, qa)
    owner.active = False
    db.session.commit()
    assert outbox.send_due() == {"sent": 0, "retry": 0, "failed": 1}
    [row] = rows()
    assert row.status == FAILED and "deactivated" in row.last_error
    assert mail.messages == [] and mail.tries == 0
