"""Create forms save once, however often the button is pressed.

A create form (``qaweb.core.forms.OnceForm``) carries a one-time key, made when the form is
drawn. The view claims the key in the same transaction as the record it creates, and notes
where the record is. A second post of the same form (a double click, a browser or slow
network resending, the back button and Save again) finds the key taken and is sent to the
record the first one made, instead of making another.

The claim is an insert into a table whose primary key is the form key, so two posts at the
very same moment cannot both win: on PostgreSQL the second insert waits for the first
transaction and then finds the key taken; on SQLite the saves already take turns.
"""

import random
import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import flash, redirect
from flask_login import current_user
from sqlalchemy.orm import Mapped, mapped_column

from qaweb.core.db import Base, UTCDateTime, utcnow

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
#: Keys are kept this long: long enough for any form left open, then tidied away.
KEEP = timedelta(days=14)
#: One claim in this many also deletes keys older than KEEP (an indexed range delete).
TIDY_EVERY = 50

ALREADY_SAVED = (
    "This was already saved when the button was first pressed: here it is. It has not been "
    "saved twice."
)


class FormSubmission(Base):
    """A claimed one-time form key: who posted it, when (UTC) and where the record it made is."""

    __tablename__ = "form_submission"
    __table_args__ = (sa.Index("ix_form_submission_created_at", "created_at"),)

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: Where the record the form made is shown (set in the same transaction as the claim).
    url: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def form_key(form) -> str | None:
    """The form's one-time key as posted; None when the post has none (or not a key)."""
    field = getattr(form, "form_key", None)
    raw = (getattr(field, "raw_data", None) or [None])[0] if field is not None else None
    return raw if isinstance(raw, str) and KEY_PATTERN.match(raw) else None


def claim(session, form) -> str | None:
    """Take the form's key for the save about to happen, in the current transaction.

    Returns None when this is the first post of the form (go ahead and save), or the URL of
    the record an earlier post of the same form made. A post without a key always goes
    ahead. Call it after the form validates and before creating anything.
    """
    key = form_key(form)
    if key is None:
        return None
    table = FormSubmission.__table__
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    user_id = current_user.id if current_user and current_user.is_authenticated else None
    now = utcnow()
    if random.randrange(TIDY_EVERY) == 0:
        session.execute(sa.delete(table).where(table.c.created_at < now - KEEP))
    inserted = session.execute(
        insert(table)
        .values(key=key, user_id=user_id, url="", created_at=now)
        .on_conflict_do_nothing(index_elements=[table.c.key])
        .returning(table.c.key)  # (rowcount is not reliable here on psycopg)
    ).scalar()
    if inserted is not None:
        return None
    url = session.scalar(sa.select(table.c.url).where(table.c.key == key))
    return url or "/"


def saved(session, form, url: str) -> None:
    """Note where the record this form made is shown, for a second post to be sent there."""
    key = form_key(form)
    if key is not None:
        table = FormSubmission.__table__
        session.execute(sa.update(table).where(table.c.key == key).values(url=url[:500]))


def repeat_of(session, form):
    """The response to a second post of a form already saved (a redirect to what it made,
    with a message), or None for the first post. A view's create branch starts with
    ``if (repeat := submissions.repeat_of(db.session, form)) is not None: return repeat``.
    """
    url = claim(session, form)
    if url is None:
        return None
    session.rollback()
    flash(ALREADY_SAVED, "info")
    return redirect(url)
