"""Working days: Monday to Friday, less England and Wales bank holidays and the council's own
closure days. The bank holidays come from govuk-bank-holidays' bundled data (no internet)."""

from bisect import bisect_right
from datetime import date, datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Mapped, mapped_column

from qaweb.core.db import Base, Timestamped
from qaweb.core.history import Tracked


class ClosureDay(Tracked, Timestamped, Base):
    """A day the council counts as not working (besides weekends and bank holidays), or a
    bank holiday the bundled calendar does not know yet."""

    __tablename__ = "closure_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    reason: Mapped[str] = mapped_column(sa.String(200))


@lru_cache(maxsize=1)
def bank_holidays() -> frozenset[date]:
    from govuk_bank_holidays.bank_holidays import BankHolidays

    calendar = BankHolidays(use_cached_holidays=True)
    return frozenset(
        h["date"] for h in calendar.get_holidays(division=BankHolidays.ENGLAND_AND_WALES)
    )


def calendar_ends() -> date:
    """The last date the bundled bank-holiday calendar covers."""
    return max(bank_holidays())


def closure_days() -> frozenset[date]:
    if not has_app_context():
        return frozenset()
    if "closure_days" not in g:
        from qaweb.extensions import db

        g.closure_days = frozenset(db.session.scalars(select(ClosureDay.day)))
    return g.closure_days


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays() and day not in closure_days()


# Working days from 2000 to 2060 as a sorted list of ordinals, built once per set of closure
# days: reports count working days for thousands of stages, so each sum is a binary search.
_TABLE_FIRST, _TABLE_LAST = date(2000, 1, 1).toordinal(), date(2060, 12, 31).toordinal()


@lru_cache(maxsize=8)
def _working_day_table(closures: frozenset[date]) -> list[int]:
    off = {d.toordinal() for d in bank_holidays() | closures}
    # Ordinal 1 (1 January of year 1) was a Monday: (ordinal - 1) % 7 is the weekday.
    return [o for o in range(_TABLE_FIRST, _TABLE_LAST + 1) if (o - 1) % 7 < 5 and o not in off]


def _in_table(*days: date) -> bool:
    return all(_TABLE_FIRST <= d.toordinal() <= _TABLE_LAST - 400 for d in days)


class Calendar:
    """Working-day sums against one calendar, for reports that do thousands of them."""

    def __init__(self):
        self._table = _working_day_table(closure_days())

    def add(self, start: date, days: int) -> date:
        if not (0 < days <= 250 and _in_table(start)):
            return add_working_days(start, days)
        table = self._table
        return date.fromordinal(table[bisect_right(table, start.toordinal()) + days - 1])

    def between(self, start: date, end: date) -> int:
        if end < start or not _in_table(start, end):
            return working_days_between(start, end)
        table = self._table
        return bisect_right(table, end.toordinal()) - bisect_right(table, start.toordinal())


def add_working_days(start: date | datetime, days: int) -> date:
    """The date ``days`` working days after ``start``: the first working day after it is day 1
    (so something received on a Saturday or a bank holiday counts from the next working day)."""
    if isinstance(start, datetime):
        start = start.date()
    if 0 < days <= 250 and _in_table(start):
        table = _working_day_table(closure_days())
        return date.fromordinal(table[bisect_right(table, start.toordinal()) + days - 1])
    current = start
    counted = 0
    while counted < days:
        current += timedelta(days=1)
        if is_working_day(current):
            counted += 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is
    before ``start`` (then the working days after ``end`` up to ``start``)."""
    if end < start:
        return -working_days_between(end, start)
    if _in_table(start, end):
        table = _working_day_table(closure_days())
        return bisect_right(table, end.toordinal()) - bisect_right(table, start.toordinal())
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
