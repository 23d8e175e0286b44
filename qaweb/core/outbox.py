"""The sender: drains the outbox through the configured transport.

``send_due`` claims a batch of due messages in one atomic UPDATE (on PostgreSQL its
subquery takes the rows ``FOR UPDATE SKIP LOCKED``, so two senders on two hosts never claim
the same row; SQLite runs one writer at a time), commits the claim, sends, then records each
result. A message is sent at most once: one still "sending" when its claim runs out (the
sender stopped mid-send) is marked failed for a person to check and send again, never
re-sent on its own. A temporary failure (SMTP 4xx, a refused connection, Notify 429/5xx) is
retried after 1, 2, 4, ... times ``NOTIFY_RETRY_SECONDS`` up to ``NOTIFY_MAX_ATTEMPTS``
tries; a permanent one (SMTP 5xx, Notify 400/403) fails at once.

Transports (``QAWEB_MAIL_TRANSPORT``): ``file`` (development: each message an .eml under
``instance/mail/``), ``smtp`` and ``notify`` (GOV.UK Notify).
"""

import json
import logging
import smtplib
import ssl
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date
from email.utils import formataddr, make_msgid
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from qaweb.core.db import utcnow
from qaweb.core.notify import (
    DIGEST,
    DIGESTED,
    FAILED,
    HELD,
    KINDS,
    QUEUED,
    SENDING,
    SENT,
    DigestHour,
    OutboxMessage,
    council_name,
    html_body,
)
from qaweb.core.timefmt import to_london
from qaweb.extensions import db

log = logging.getLogger(__name__)

CLAIM_SECONDS = 300


class TemporaryFailure(Exception):
    """Worth trying again later (the server is busy, down or said 4xx)."""


class PermanentFailure(Exception):
    """Trying again will not help (address refused, a 5xx, a bad Notify request)."""


# -- messages ------------------------------------------------------------------------------


def email_message(row: OutboxMessage) -> EmailMessage:
    """The MIME message: plain text and HTML alternatives, then any calendar file attached
    (text/calendar, so Outlook offers Accept/Decline)."""
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = formataddr((council_name(), config["MAIL_FROM"]))
    message["To"] = row.to_address
    if config.get("MAIL_REPLY_TO"):
        message["Reply-To"] = config["MAIL_REPLY_TO"]
    message["Date"] = rfc2822_date(utcnow())
    message["Message-ID"] = make_msgid(idstring=f"outbox{row.id}")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text)
    message.add_alternative(row.body_html, subtype="html")
    for item in row.attachment_list():
        maintype, _, rest = item["mimetype"].partition("/")
        subtype, _, params = rest.partition(";")
        extra = {}
        for part in params.split(";"):
            name, _, value = part.strip().partition("=")
            if name:
                extra[name] = value
        message.add_attachment(
            item["content"].encode(),
            maintype=maintype,
            subtype=subtype.strip(),
            filename=item["filename"],
            params=extra,
        )
    return message


# -- transports ------------------------------------------------------------------------------


class FileTransport:
    """Development: each message written as ``<directory>/<time>-<id>.eml``."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def send(self, row: OutboxMessage) -> None:
        """Write the message as an .eml file into the directory (named by time and row id)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%d-%H%M%S")
        path = self.directory / f"{stamp}-{row.id:06d}.eml"
        path.write_bytes(bytes(email_message(row)))

    def close(self) -> None:
        """Nothing to close."""
        pass


class SmtpTransport:
    """SMTP through the council's relay (Exchange, Microsoft 365): STARTTLS (port 587),
    implicit TLS (465) or none (a local relay), login when a user name is set. One
    connection serves a batch."""

    def __init__(self, config: dict):
        self.host = config["SMTP_HOST"]
        self.port = config["SMTP_PORT"]
        self.security = config["SMTP_SECURITY"]
        self.username = config["SMTP_USERNAME"]
        self.password = config["SMTP_PASSWORD"]
        self.timeout = config["SMTP_TIMEOUT"]
        self.connection = None

    def _connect(self):
        context = ssl.create_default_context()
        try:
            if self.security == "tls":
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.security == "starttls":
                    smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password)
        except smtplib.SMTPAuthenticationError as error:
            raise TemporaryFailure(f"SMTP login refused: {error.smtp_code}") from error
        except (OSError, smtplib.SMTPException) as error:
            raise TemporaryFailure(f"Cannot reach the mail server: {error}") from error
        return smtp

    def send(self, row: OutboxMessage) -> None:
        """Send the message over the batch's connection (opened on first use); raises
        TemporaryFailure for a 4xx reply or a lost connection (tried again later) and
        PermanentFailure for a 5xx reply."""
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.send_message(email_message(row))
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            self._raise(code, reply, error)
        except smtplib.SMTPResponseException as error:
            self._raise(error.smtp_code, error.smtp_error, error)
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise TemporaryFailure(f"The mail server connection failed: {error}") from error

    def _raise(self, code: int, reply, error):
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        message = f"SMTP {code}: {text}"
        if 400 <= code < 500:
            self.close()
            raise TemporaryFailure(message) from error
        raise PermanentFailure(message) from error

    def close(self) -> None:
        """Quit the connection if one is open; a connection already gone is ignored."""
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.connection = None


class NotifyTransport:
    """GOV.UK Notify through its official client. The Notify template (its id is
    ``QAWEB_NOTIFY_TEMPLATE_ID``) must be the subject ``((subject))`` and the body
    ``((body))``; the message's key is the Notify reference. Notify sends no calendar
    attachments: an invite's link leads to the page, where the .ics downloads."""

    def __init__(self, config: dict):
        from notifications_python_client.notifications import NotificationsAPIClient

        self.client = NotificationsAPIClient(
            config["NOTIFY_API_KEY"], base_url=config["NOTIFY_BASE_URL"], timeout=30
        )
        self.template_id = config["NOTIFY_TEMPLATE_ID"]
        self.reply_to_id = config.get("NOTIFY_REPLY_TO_ID") or None

    def send(self, row: OutboxMessage) -> None:
        """Send the message through GOV.UK Notify; raises TemporaryFailure for 429 and 5xx answers
        (tried again later) and PermanentFailure for the others."""
        from notifications_python_client.errors import HTTPError

        try:
            self.client.send_email_notification(
                email_address=row.to_address,
                template_id=self.template_id,
                personalisation={"subject": row.subject, "body": row.body_text},
                reference=row.key,
                email_reply_to_id=self.reply_to_id,
            )
        except HTTPError as error:
            text = f"GOV.UK Notify {error.status_code}: {error.message}"
            if error.status_code in (429, 503) or error.status_code >= 500:
                raise TemporaryFailure(text) from error
            raise PermanentFailure(text) from error

    def close(self) -> None:
        """Nothing to close."""
        pass


def make_transport():
    """The transport the configuration names (``MAIL_TRANSPORT``: "smtp", "notify", or files in
    ``mail_directory()`` otherwise)."""
    config = current_app.config
    name = config["MAIL_TRANSPORT"]
    if name == "smtp":
        return SmtpTransport(config)
    if name == "notify":
        return NotifyTransport(config)
    return FileTransport(mail_directory())


def mail_directory() -> Path:
    """Where the file transport writes: ``MAIL_DIRECTORY``, else ``<instance>/mail``."""
    return Path(
        current_app.config.get("MAIL_DIRECTORY") or Path(current_app.instance_path) / "mail"
    )


# -- claiming and sending ----------------------------------------------------------------------


def _backoff(attempts: int) -> timedelta:
    base = current_app.config["NOTIFY_RETRY_SECONDS"]
    return timedelta(seconds=min(base * 2 ** (attempts - 1), 6 * 3600))


def release_abandoned(now=None) -> int:
    """Messages a sender claimed and never finished (it stopped mid-send): failed, with a
    note, so a person decides to send them again (they may have arrived)."""
    now = now or utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == SENDING, OutboxMessage.claimed_until < now)
        .values(
            status=FAILED,
            claimed_by=None,
            last_error="The sender stopped while sending this message: it may have arrived. "
            "Check with the recipient, then send it again if it did not.",
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def claim(limit: int, now=None) -> tuple[str, list[int]]:
    """Claim up to ``limit`` due messages for this sender in one UPDATE and commit: returns
    (claim token, ids). Safe for several senders at once (see the module's docstring)."""
    now = now or utcnow()
    token = uuid.uuid4().hex
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()), OutboxMessage.status == QUEUED)
        .values(
            status=SENDING,
            claimed_by=token,
            claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.claimed_by == token, OutboxMessage.status == SENDING)
            .order_by(OutboxMessage.id)
        )
    )
    return token, ids


def _finish(message_id: int, token: str, **values) -> None:
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == token)
        .values(claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def send_due(limit: int = 100, transport=None) -> dict[str, int]:
    """Send what is due now, once: returns counts {"sent", "retry", "failed"}. Builds the
    daily digests that are due first. For `flask notify send` (cron, a systemd timer)."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    release_abandoned()
    build_digests()
    db.session.commit()
    token, ids = claim(limit)
    if not ids:
        return counts
    transport = transport or make_transport()
    max_attempts = current_app.config["NOTIFY_MAX_ATTEMPTS"]
    council_name()  # read once, before the messages are let go of the transaction
    columns = [c.key for c in OutboxMessage.__table__.columns]
    claimed = []
    left = []
    for row in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
    ):
        if row.recipient is not None and not row.recipient.active:
            left.append(row.id)  # deactivated since it was queued: nothing goes to a leaver
            continue
        # Detached copies: the transport reads them after the transaction has ended.
        claimed.append(OutboxMessage(**{name: getattr(row, name) for name in columns}))
    for message_id in left:
        _finish(
            message_id,
            token,
            status=FAILED,
            last_error="Not sent: the person's account was deactivated after it was queued.",
        )
        counts["failed"] += 1
    # End the read: SQLite must not hold a snapshot while the message goes out (the result
    # is then written in a transaction of its own, queued behind any other sender's).
    db.session.commit()
    try:
        for row in claimed:
            message_id = row.id
            attempts = row.attempts + 1
            try:
                transport.send(row)
            except TemporaryFailure as error:
                if attempts >= max_attempts:
                    counts["failed"] += 1
                    _finish(
                        message_id,
                        token,
                        status=FAILED,
                        attempts=attempts,
                        last_error=f"{error} (gave up after {attempts} tries)",
                    )
                else:
                    counts["retry"] += 1
                    _finish(
                        message_id,
                        token,
                        status=QUEUED,
                        attempts=attempts,
                        claimed_by=None,
                        last_error=str(error),
                        next_attempt_at=utcnow() + _backoff(attempts),
                    )
                log.warning("Mail to outbox message %s not sent: %s", message_id, error)
            except PermanentFailure as error:
                counts["failed"] += 1
                _finish(message_id, token, status=FAILED, attempts=attempts, last_error=str(error))
                log.warning("Mail to outbox message %s refused: %s", message_id, error)
            else:
                counts["sent"] += 1
                _finish(
                    message_id,
                    token,
                    status=SENT,
                    attempts=attempts,
                    sent_at=utcnow(),
                    last_error="",
                )
    finally:
        transport.close()
        db.session.rollback()
    return counts


def send_again(row: OutboxMessage) -> None:
    """Queue a failed (or sent) message again, now, with its tries counted afresh."""
    row.status = QUEUED
    row.attempts = 0
    row.next_attempt_at = utcnow()
    row.claimed_by = None
    row.claimed_until = None
    row.last_error = ""


# -- digests -------------------------------------------------------------------------------


def build_digests(now=None) -> int:
    """For each person with held messages whose digest hour (London time) has come today,
    one queued message with a section per kind; the held rows become "sent in a digest".
    Keyed by person and day, so it is built once a day. Returns how many digests."""
    now = now or utcnow()
    local = to_london(now)
    rows = list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == HELD)
            .order_by(OutboxMessage.recipient_id, OutboxMessage.kind, OutboxMessage.id)
        )
    )
    if not rows:
        return 0
    people = {r.recipient_id for r in rows}
    hours = dict(
        db.session.execute(
            select(DigestHour.user_id, DigestHour.hour).where(DigestHour.user_id.in_(people))
        ).all()
    )
    from qaweb.core.notify import DEFAULT_DIGEST_HOUR, _insert

    by_person: dict[int, list[OutboxMessage]] = {}
    for row in rows:
        if local.hour >= hours.get(row.recipient_id, DEFAULT_DIGEST_HOUR):
            by_person.setdefault(row.recipient_id, []).append(row)
    council = council_name()
    made = 0
    for person_id, held in by_person.items():
        first = held[0]
        sections: dict[str, list[OutboxMessage]] = {}
        for row in held:
            sections.setdefault(row.kind, []).append(row)
        lines = [f"Your daily summary from {council}."]
        for kind, items in sections.items():
            label = KINDS[kind].label if kind in KINDS else kind
            lines.append(f"{label} ({len(items)})\n" + "-" * len(label))
            for item in items:
                lines.append(f"{item.subject}\n{item.link}".strip())
        text = "\n\n".join(lines) + "\n"
        key = f"digest:{local.date().isoformat()}:{person_id}"
        count = len(held)
        subject = f"Your daily summary: {count} update{'s' if count != 1 else ''}"
        digest_id = _insert(
            {
                "key": key,
                "kind": DIGEST,
                "recipient_id": person_id,
                "to_address": first.to_address,
                "subject": subject,
                "body_text": text,
                "body_html": html_body(text, "", council),
                "link": "",
                "attachments": json.dumps([]),
                "status": QUEUED,
                "attempts": 0,
                "next_attempt_at": min(now, utcnow()),
                "last_error": "",
                "created_at": now,
            }
        )
        if digest_id is None:
            continue  # today's digest was already built: the rest wait for tomorrow's
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([r.id for r in held]))
            .values(status=DIGESTED, digest_id=digest_id, sent_at=now)
            .execution_options(synchronize_session=False)
        )
        made += 1
    return made
