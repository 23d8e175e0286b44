"""The QA Board's sign-off: a paper is submitted as a numbered version that never changes
afterwards, and a Board member who did not submit it approves it or returns it with
comments (seed 000, Governance: the QA Board signs off terms of reference and receives the
quarterly QA report). Used by thematic terms of reference and the quarterly QA report.

A record that is signed off keeps its versions in a table of its own whose model mixes in
``SignoffVersion``; the functions below hold the rules both follow."""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from qaweb.core.db import UTCDateTime, utcnow

PENDING = "pending"
APPROVED = "approved"
RETURNED = "returned"
DECISIONS = {PENDING: "Waiting", APPROVED: "Approved", RETURNED: "Returned"}


class SignoffError(Exception):
    """A sign-off step the rules do not allow; the message says why."""


class SignoffVersion:
    """Columns of a submitted version: its ``number`` (1, 2, ...), who submitted it and
    when, and the Board's decision (pending, approved or returned), who made it, when, and
    their comments."""

    number: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decision: Mapped[str] = mapped_column(sa.String(16), default=PENDING)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comments: Mapped[str] = mapped_column(sa.Text, default="")

    @declared_attr
    def submitted_by_id(cls) -> Mapped[int | None]:  # noqa: N805
        """Who sent this version to the Board (a user id)."""
        return mapped_column(sa.ForeignKey("user.id"))

    @declared_attr
    def decided_by_id(cls) -> Mapped[int | None]:  # noqa: N805
        """Who recorded the Board's decision (a user id)."""
        return mapped_column(sa.ForeignKey("user.id"))

    @property
    def decision_label(self) -> str:
        """The decision as the page words it (``DECISIONS``): "Waiting for a decision",
        "Approved"..."""
        return DECISIONS.get(self.decision, self.decision)


def pending(versions: Sequence):
    """The latest version waiting for the Board's decision, or None."""
    waiting = [v for v in versions if v.decision == PENDING]
    return waiting[-1] if waiting else None


def approved(versions: Sequence):
    """The latest approved version, or None."""
    done = [v for v in versions if v.decision == APPROVED]
    return done[-1] if done else None


def next_number(versions: Sequence) -> int:
    """The number the next submitted version takes (1 for the first)."""
    return max((v.number for v in versions), default=0) + 1


def stamp_submitted(version, by) -> None:
    """Mark ``version`` as submitted now by ``by`` and waiting for a decision."""
    version.submitted_at = utcnow()
    version.submitted_by_id = by.id
    version.decision = PENDING


def decide(version, by, approve: bool, comments: str, *, what: str, waiting: str) -> None:
    """Approve ``version`` or return it with ``comments`` (needed when returning).

    ``what`` names the paper in messages ("terms", "the report"); ``waiting`` is the
    message when nothing waits for a decision. Raises SignoffError when ``version`` is
    None, when returning without comments, or when ``by`` submitted it (someone else on
    the Board decides)."""
    if version is None or version.decision != PENDING:
        raise SignoffError(waiting)
    if not approve and not comments.strip():
        raise SignoffError(f"Say what needs to change when returning {what}.")
    if version.submitted_by_id == by.id:
        raise SignoffError(f"Someone else on the QA Board must decide on {what} you submitted.")
    version.decision = APPROVED if approve else RETURNED
    version.decided_at = utcnow()
    version.decided_by_id = by.id
    version.comments = comments.strip()


def save_decision(form, record, decide, expected=()) -> tuple[bool, str | None]:
    """Record the Board's decision from a validated decision form (``core.forms
    .decision_form``) on ``record``: ``decide(approve, comments)`` (``approve`` True for
    "approve", comments "" when none) and commit, refused when the record moved on since
    the page was loaded (the posted ``version``, ``core.history.guarded_save``); an
    ``expected`` error is rolled back and its message returned. Returns ``(approve,
    problem)``: ``problem`` None when the decision was saved."""
    from flask import request

    from qaweb.core.history import guarded_save
    from qaweb.extensions import db

    approve = form.decision.data == "approve"
    problem = guarded_save(
        db.session,
        record,
        request.form.get("version"),
        lambda: decide(approve, form.comments.data or ""),
        expected,
    )
    return approve, problem
