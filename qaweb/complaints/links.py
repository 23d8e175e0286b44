"""Linked complaints: two complaints about the same family or the same matter, shown on each
other's pages. A link is one row a pair (lower id first), so it reads the same both ways and
cannot be made twice; unlinking keeps the row (nothing a person does deletes a record)."""

from sqlalchemy import func, or_, select

from qaweb.complaints.models import LINK_REASONS, Complaint, ComplaintLink
from qaweb.core.db import utcnow
from qaweb.core.text import clean_text
from qaweb.extensions import db


class LinkError(Exception):
    """A link the record does not allow; the message says why."""


def links_of(complaint: Complaint) -> list[ComplaintLink]:
    """The complaint's current links (either side), oldest first; both complaints are loaded
    in the same statement."""
    return list(
        db.session.scalars(
            select(ComplaintLink)
            .where(
                or_(
                    ComplaintLink.first_id == complaint.id,
                    ComplaintLink.second_id == complaint.id,
                ),
                ComplaintLink.unlinked_at.is_(None),
            )
            .order_by(ComplaintLink.created_at, ComplaintLink.id)
        ).unique()
    )


def link(complaint: Complaint, reference: str, reason: str) -> ComplaintLink:
    """Link ``complaint`` to the complaint with ``reference`` (CMP-YYYY-NNNN, or the reference
    it had in the old log it was imported from; any case, spaces ignored) for ``reason`` (a
    ``LINK_REASONS`` key). A link unlinked before is made again.
    Raises LinkError: no such reference, the complaint itself, already linked, no reason."""
    if reason not in LINK_REASONS:
        raise LinkError("Select why the complaints are linked")
    wanted = "".join(clean_text(reference or "").split()).upper()
    if not wanted:
        raise LinkError("Enter the reference of the complaint to link, like CMP-2026-0012")
    other = db.session.scalar(select(Complaint).where(Complaint.reference == wanted))
    if other is None:  # the old log's reference, as the list's search finds it
        other = db.session.scalar(
            select(Complaint).where(
                func.upper(func.replace(Complaint.legacy_reference, " ", "")) == wanted
            )
        )
    if other is None:
        raise LinkError(f"There is no complaint {wanted}: check the reference")
    if other.id == complaint.id:
        raise LinkError("A complaint cannot be linked to itself")
    first_id, second_id = sorted((complaint.id, other.id))
    existing = db.session.scalar(
        select(ComplaintLink).where(
            ComplaintLink.first_id == first_id, ComplaintLink.second_id == second_id
        )
    )
    if existing is not None and existing.unlinked_at is None:
        raise LinkError(f"{complaint.reference} is already linked to {other.reference}")
    if existing is not None:
        existing.unlinked_at = None
        existing.reason = reason
        db.session.flush()
        return existing
    created = ComplaintLink(first_id=first_id, second_id=second_id, reason=reason)
    db.session.add(created)
    db.session.flush()
    return created


def unlink(complaint: Complaint, link_id: int) -> ComplaintLink:
    """End one of the complaint's links. Raises LinkError when it is not one of them."""
    row = db.session.get(ComplaintLink, link_id)
    if (
        row is None
        or complaint.id not in (row.first_id, row.second_id)
        or row.unlinked_at is not None
    ):
        raise LinkError("That link has already been removed")
    row.unlinked_at = utcnow()
    db.session.flush()
    return row
