"""Email through an outbox: ``notify`` writes messages in the transaction of the change that
causes them; ``qaweb.core.outbox`` sends them afterwards.

Nothing is sent for a change that rolls back (its outbox rows roll back with it), and nothing
is lost while the mail server is down (the rows wait in the table). Each row has a unique
``key`` (the event and the recipient), so the same event never reaches a person twice, even
when the code that raises it runs again.

What a message may say: its templates get the records they describe, and must never show a
complainant's personal details or a child's name (complaint messages name the reference and
the stage only; observations the case number, never a name). A person whose account is
inactive gets nothing.
"""

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qaweb.core.db import Base, UTCDateTime, utcnow
from qaweb.extensions import db
from qaweb.organisation.models import User

# -- kinds and what a person may choose for each ------------------------------------------

IMMEDIATELY = "immediately"
DIGEST = "digest"
OFF = "off"
CHOICES = {
    IMMEDIATELY: "Straight away",
    DIGEST: "In one daily email",
    OFF: "Not at all",
}


@dataclass(frozen=True)
class Kind:
    """A kind of message a person can choose how to get: its label and hint on the preferences page,
    the choices offered (straight away, in the daily digest, off) and the default."""

    label: str
    hint: str
    choices: tuple[str, ...] = (IMMEDIATELY, DIGEST, OFF)
    default: str = IMMEDIATELY


#: Every kind of message qaweb sends, as a person sees it on their email preferences page.
#: Meeting requests carry a calendar file, which a digest cannot: they are sent straight
#: away or not at all. Statutory complaint reminders cannot be turned off (the Children Act
#: 1989 Representations Procedure (England) Regulations 2006 set the timescales they guard).
KINDS: dict[str, Kind] = {
    "observation": Kind(
        "Practice observations",
        "Meeting requests when an observation you are in is booked, moved or cancelled",
        (IMMEDIATELY, OFF),
    ),
    "learning_session": Kind(
        "Learning sessions",
        "Meeting requests for sessions you book, a place freed from the waiting list, "
        "and cancellations",
        (IMMEDIATELY, OFF),
    ),
    "supervision": Kind(
        "Supervision audits",
        "Feedback asked of you, audits allocated to you, your audit completed",
    ),
    "case_audit": Kind(
        "Case-file audits",
        "Audits allocated to you, and an audit in your team or area graded Inadequate",
    ),
    "thematic": Kind(
        "Thematic audits",
        "Terms of reference submitted for sign-off, returned or approved",
    ),
    "action": Kind("Actions", "Actions given to you"),
    "action_reminder": Kind("Action reminders", "Your actions due soon or overdue"),
    "action_verification": Kind(
        "Actions to verify",
        "One email a day listing completed actions waiting for the QA team to verify them",
    ),
    "complaint_reminder": Kind(
        "Complaint deadlines",
        "Complaint stages due soon or overdue. Statutory deadlines cannot be turned off",
        (IMMEDIATELY, DIGEST),
    ),
    "moderation": Kind(
        "Moderation of case-file audits",
        "The Moderation Panel's confirmed moderation of your audit, or of an audit in your team",
    ),
}
#: Kinds sent whatever a person has chosen (their own password reset).
SYSTEM_KINDS = {"password_reset": "Password reset", "digest": "Daily summary"}

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
HELD = "held"  # waiting for the person's daily digest
DIGESTED = "digested"  # sent inside a digest message
STATUSES = {
    QUEUED: "Queued",
    SENDING: "Sending",
    SENT: "Sent",
    FAILED: "Failed",
    HELD: "Waiting for digest",
    DIGESTED: "Sent in a digest",
}


class OutboxMessage(Base):
    """One email to one person (or one address), written with the change that caused it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # The sender's queue: what is due, oldest first.
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at", "id"),
        # The admin list: newest first within a status.
        sa.Index("ix_outbox_message_status_id", "status", "id"),
        sa.Index("ix_outbox_message_recipient_status", "recipient_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(255))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    #: JSON list of {"filename", "mimetype", "content"} (text attachments: calendar files).
    attachments: Mapped[str] = mapped_column(sa.Text, default="[]")
    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    digest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_message.id"))

    recipient: Mapped[User | None] = relationship(lazy="joined")

    @property
    def status_label(self) -> str:
        """The status as the outbox page words it (``STATUSES``)."""
        return STATUSES.get(self.status, self.status)

    @property
    def kind_label(self) -> str:
        """The kind as a person sees it (``KINDS`` or ``SYSTEM_KINDS``)."""
        kind = KINDS.get(self.kind)
        return kind.label if kind else SYSTEM_KINDS.get(self.kind, self.kind)

    def attachment_list(self) -> list[dict]:
        """The attachments as a list of {"filename", "mimetype", "content"} dicts."""
        return json.loads(self.attachments or "[]")


class NotificationChoice(Base):
    """How one person wants one kind of message (absent: the kind's default)."""

    __tablename__ = "notification_choice"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    choice: Mapped[str] = mapped_column(sa.String(16))


class DigestHour(Base):
    """The hour (London time, 0-23) a person's daily digest is sent; absent: the default."""

    __tablename__ = "digest_hour"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[int]


DEFAULT_DIGEST_HOUR = 8


@dataclass(frozen=True)
class Attachment:
    """A text attachment (a calendar file): its file name, MIME type and content."""

    filename: str
    mimetype: str  # e.g. 'text/calendar; method=REQUEST'
    content: str

    def as_dict(self) -> dict:
        """The attachment as stored on the outbox row: {"filename", "mimetype", "content"}."""
        return {"filename": self.filename, "mimetype": self.mimetype, "content": self.content}


# -- preferences ----------------------------------------------------------------------------


def choices_for(user_ids: list[int], kind: str) -> dict[int, str]:
    """Each person's choice for ``kind`` (one statement), the kind's default where unset."""
    spec = KINDS.get(kind)
    if spec is None:
        return {uid: IMMEDIATELY for uid in user_ids}
    rows = dict(
        db.session.execute(
            select(NotificationChoice.user_id, NotificationChoice.choice).where(
                NotificationChoice.kind == kind, NotificationChoice.user_id.in_(user_ids)
            )
        ).all()
    )
    result = {}
    for uid in user_ids:
        choice = rows.get(uid, spec.default)
        result[uid] = choice if choice in spec.choices else spec.default
    return result


def preferences(user: User) -> tuple[dict[str, str], int]:
    """A person's choice for every kind, and their digest hour (0-23, London time)."""
    stored = dict(
        db.session.execute(
            select(NotificationChoice.kind, NotificationChoice.choice).where(
                NotificationChoice.user_id == user.id
            )
        ).all()
    )
    chosen = {}
    for kind, spec in KINDS.items():
        value = stored.get(kind, spec.default)
        chosen[kind] = value if value in spec.choices else spec.default
    hour = db.session.scalar(select(DigestHour.hour).where(DigestHour.user_id == user.id))
    return chosen, DEFAULT_DIGEST_HOUR if hour is None else hour


def save_preferences(user: User, chosen: dict[str, str], hour: int) -> None:
    """Store a person's choices. Raises ValueError for a choice a kind does not allow (a
    statutory reminder turned off) or an hour outside 0-23."""
    if not 0 <= hour <= 23:
        raise ValueError("Choose an hour from 0 to 23")
    for kind, value in chosen.items():
        spec = KINDS.get(kind)
        if spec is None or value not in spec.choices:
            raise ValueError(f"{spec.label if spec else kind} cannot be set to {value}")
    existing = {
        row.kind: row
        for row in db.session.scalars(
            select(NotificationChoice).where(NotificationChoice.user_id == user.id)
        )
    }
    for kind, value in chosen.items():
        if kind in existing:
            existing[kind].choice = value
        else:
            db.session.add(NotificationChoice(user_id=user.id, kind=kind, choice=value))
    row = db.session.get(DigestHour, user.id)
    if row is None:
        db.session.add(DigestHour(user_id=user.id, hour=hour))
    else:
        row.hour = hour
    db.session.flush()


# -- links and rendering -------------------------------------------------------------------


def absolute_url(endpoint: str, **values) -> str:
    """The page's full address for an email: QAWEB_BASE_URL plus the route's path (works
    without a request, from `flask notify remind`)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    adapter = current_app.url_map.bind("localhost")
    return base + adapter.build(endpoint, values)


def council_name() -> str:
    """The council's name, from the settings."""
    from qaweb.core.settings import get_setting

    return get_setting("council_name")


def render_message(template: str, context: dict) -> tuple[str, str]:
    """The plain-text body of ``templates/email/<template>.txt`` and the same text as GOV.UK
    style HTML: paragraphs, the one link as a link, the council's name at the top."""
    # The template alone, without the page context processors (no request, no signed-in
    # person: reminders are built by a command).
    text = current_app.jinja_env.get_template(f"email/{template}.txt").render(**context)
    text = text.strip() + "\n"
    html = html_body(text, context.get("link", ""), context.get("council", council_name()))
    return text, html


def html_body(text: str, link: str, council: str) -> str:
    """The HTML body of an email in the GOV.UK email style: ``text`` split into paragraphs at blank
    lines (line breaks kept), the paragraph that is just ``link`` as a link, and the ``council``'s
    name at the top; every piece of text escaped."""
    paragraphs = [p.strip() for p in text.strip().split("\n\n") if p.strip()]
    parts = []
    for paragraph in paragraphs:
        if link and paragraph == link:
            parts.append(
                f'<p style="font-size:19px;line-height:1.3;margin:0 0 20px">'
                f'<a href="{escape(link)}" style="color:#1d70b8">{escape(link)}</a></p>'
            )
            continue
        lines = Markup("<br>").join(escape(line) for line in paragraph.split("\n"))
        parts.append(
            f'<p style="font-size:19px;line-height:1.3;margin:0 0 20px;color:#0b0c0c">{lines}</p>'
        )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title></title></head>"
        '<body style="font-family:Arial,sans-serif;margin:0;padding:0">'
        '<div style="background:#0b0c0c;color:#fff;padding:10px 15px;font-size:24px;'
        f'font-weight:bold">{escape(council)}</div>'
        '<div style="max-width:580px;padding:15px">' + "".join(parts) + "</div></body></html>"
    )


def _insert(values: dict) -> int | None:
    """Insert one outbox row unless its key is already there (one statement, no error on
    either engine): its id, or None when the key was already there."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (
        insert(OutboxMessage.__table__)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxMessage.__table__.c.id)
    )
    return db.session.execute(statement).scalar()


def notify(
    kind: str,
    recipients,
    subject: str,
    template: str,
    context: dict,
    *,
    key: str,
    link: str = "",
    attachments=(),
) -> int:
    """Queue one message per recipient in the current transaction.

    ``recipients``: User objects (None, duplicates and inactive people are dropped) or, for
    system messages only, email address strings. ``key``: the event (for example
    ``observation:12:invite:3``); each person's row is ``<key>:<user id>`` and unique, so the
    same event never reaches someone twice. ``context`` goes to the template with ``person``
    (the recipient), ``council`` and ``link``. A person who chose "not at all" for the kind
    gets nothing; "daily digest" holds the message for their digest.

    Returns how many messages were queued (or held). Nothing is sent here: the sender sends
    after the transaction has committed.
    """
    council = council_name()
    people: dict = {}
    for person in recipients:
        if person is None:
            continue
        if isinstance(person, str):
            people[person.lower()] = person
        elif person.active and person.email:
            people[person.id] = person
    if not people:
        return 0
    user_ids = [k for k in people if isinstance(k, int)]
    choices = choices_for(user_ids, kind) if user_ids else {}
    files = json.dumps([a.as_dict() for a in attachments])
    added = 0
    now = utcnow()
    for ident, person in people.items():
        choice = choices.get(ident, IMMEDIATELY)
        if choice == OFF:
            continue
        is_user = isinstance(person, User)
        text, html = render_message(
            template,
            {**context, "person": person if is_user else None, "council": council, "link": link},
        )
        made = _insert(
            {
                "key": f"{key}:{ident}"[:255],
                "kind": kind,
                "recipient_id": person.id if is_user else None,
                "to_address": person.email if is_user else person,
                "subject": subject[:255],
                "body_text": text,
                "body_html": html,
                "link": link[:500],
                "attachments": files,
                "status": HELD if choice == DIGEST else QUEUED,
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "created_at": now,
            }
        )
        added += made is not None
    return added
