"""The outbox list's rows as plain objects: the columns a row shows, read as Row tuples, not
the ORM's messages and recipients (``core.lists.Rows``)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import aliased

from qaweb.core.lists import Rows
from qaweb.core.notify import OutboxMessage
from qaweb.organisation.listing import ListedPerson
from qaweb.organisation.models import User


@dataclass(frozen=True, slots=True)
class ListedMessage:
    """One row of the outbox (templates/notifications/outbox.html): subject, kind, recipient
    or address, when queued, status and last error, with the OutboxMessage's own
    ``status_label`` and ``kind_label``."""

    id: int
    kind: str
    to_address: str
    subject: str
    status: str
    last_error: str
    created_at: datetime
    recipient: ListedPerson | None

    status_label = OutboxMessage.status_label
    kind_label = OutboxMessage.kind_label


#: The recipient, aliased once (an alias made afresh each request costs SQLAlchemy its cache
#: key again).
_RECIPIENT = aliased(User, name="recipient")
_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.kind,
    OutboxMessage.to_address,
    OutboxMessage.subject,
    OutboxMessage.status,
    OutboxMessage.last_error,
    OutboxMessage.created_at,
    _RECIPIENT.id,
    _RECIPIENT.first_name,
    _RECIPIENT.last_name,
)


def list_columns(stmt):
    """The outbox list's statement (the same messages, in the same order) as the columns a
    ``ListedMessage`` is made of: joined as the message's recipient relationship joins."""
    return stmt.with_only_columns(*_COLUMNS).outerjoin(
        _RECIPIENT, _RECIPIENT.id == OutboxMessage.recipient_id
    )


def listed(rows) -> list[ListedMessage]:
    """The ``ListedMessage`` of each row of ``list_columns``'s statement, in order."""
    return [
        ListedMessage(*row[:7], None if row[7] is None else ListedPerson(row[8], row[9]))
        for row in rows
    ]


#: The outbox list's rows (``core.lists.paginate``'s ``rows``).
LIST_ROWS = Rows(list_columns, listed)
