"""Numbered references (CMP-2026-0007) that two people saving at once can never share.

"The highest so far plus one" gives two simultaneous saves the same number, and the second
fails on the unique reference. Instead each kind of reference keeps a counter row, per year,
moved on by one atomic statement (an upsert: insert the row if missing, else add one, and
return the new value). The row stays locked until the transaction ends, so a second save
waits for the first to commit and then takes the next number. A save that fails rolls its
number back with it, so numbers stay without gaps.
"""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from qaweb.core.db import Base

#: The year of counters that do not start again each year.
NO_YEAR = 0


class ReferenceCounter(Base):
    """The last number given for one kind of reference (``name``) in one ``year`` (``NO_YEAR`` for
    counters that never start again)."""

    __tablename__ = "reference_counter"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


def next_number(session, name: str, year: int = NO_YEAR, floor=None, count: int = 1) -> int:
    """The next number of the ``name`` counter for ``year`` (1, 2, 3 …), taken for this
    transaction: nobody else gets it, even saving at the same moment. With ``count``, a block
    of that many numbers is taken at once (an import): the last of them is returned, so the
    block is ``last - count + 1`` to ``last``.

    ``floor`` is an optional scalar SELECT giving the highest number already in use (made
    before the counter existed, or by a bulk load that did not use it): the number returned
    is always above it. Works on SQLite (3.35+, for RETURNING) and PostgreSQL.
    """
    table = ReferenceCounter.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        greatest = sa.func.greatest
    else:
        from sqlalchemy.dialects.sqlite import insert

        greatest = sa.func.max  # SQLite's max() of two values is the scalar greatest
    if count < 1:
        raise ValueError("count must be at least 1")
    start = sa.literal(count)
    if floor is not None:
        start = sa.func.coalesce(floor.scalar_subquery(), 0) + count
    stmt = insert(table).values(name=name, year=year, last=start)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.name, table.c.year],
        set_={"last": greatest(table.c.last + count, stmt.excluded.last)},
    ).returning(table.c.last)
    return session.execute(stmt).scalar_one()
