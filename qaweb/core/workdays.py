"""Working days: Monday to Friday, less England and Wales bank holidays and, on the council's
own calendar, its closure days. The bank holidays come from govuk-bank-holidays' bundled data
(no internet), plus the extra bank holidays the council records (one proclaimed at short notice
that the bundled data does not know yet).

Two calendars, because the law and the council count differently:

- **statutory** (``statutory=True``): the Children Act 1989 Representations Procedure
  (England) Regulations 2006 (SI 2006/1738), regulation 2, define a working day as "a day
  which is not a Saturday, Sunday, Christmas Day, Boxing Day, Good Friday or a bank holiday
  under the Banking and Financial Dealings Act 1971". Weekends, Christmas Day, Boxing Day and
  Good Friday (every year, also past the bundled data's end), the bundled bank holidays and
  the extra bank holidays are not working days; a council's own closure days (say between
  Christmas and New Year) are, so they never move a statutory deadline.
- **council** (the default): the same, less the council's closure days too. It serves the
  corporate complaints procedure and the council's own internal targets.
"""

from bisect import bisect_right
from datetime import date, datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Mapped, mapped_column

from qaweb.core.db import Base, Timestamped
from qaweb.core.history import Tracked

#: ``ClosureDay.kind``: what the day is, and so which clocks it stops.
BANK_HOLIDAY, CLOSURE = "bank_holiday", "closure"
DAY_KINDS = {BANK_HOLIDAY: "Extra bank holiday", CLOSURE: "Council closure day"}


class ClosureDay(Tracked, Timestamped, Base):
    """A day off the calendar the council keeps: an extra bank holiday the bundled calendar
    does not know yet (``kind="bank_holiday"``: stops every clock, the statutory one too), or
    one of the council's own closure days (``kind="closure"``: stops only the council's
    calendar, never the statutory clock)."""

    __tablename__ = "closure_day"
    __history_values__ = {"kind": DAY_KINDS}

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    reason: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(16), default=CLOSURE, server_default=CLOSURE)


def good_friday(year: int) -> date:
    """Good Friday of ``year`` (Gregorian Easter, the anonymous algorithm), less two days."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g_ = (8 * b + 13) // 25
    h = (19 * a + b - d - g_ + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1) - timedelta(days=2)


@lru_cache(maxsize=1)
def bank_holidays() -> frozenset[date]:
    """England and Wales bank holidays from the bundled data, with Christmas Day, Boxing Day
    and Good Friday of every year from 2000 to 2060 (named in regulation 2 of the 2006
    Regulations; they stay non-working days after the bundled data ends)."""
    from govuk_bank_holidays.bank_holidays import BankHolidays

    calendar = BankHolidays(use_cached_holidays=True)
    named = set()
    for year in range(2000, 2061):
        named |= {date(year, 12, 25), date(year, 12, 26), good_friday(year)}
    return frozenset(
        {h["date"] for h in calendar.get_holidays(division=BankHolidays.ENGLAND_AND_WALES)} | named
    )


@lru_cache(maxsize=1)
def calendar_ends() -> date:
    """The last date the bundled bank-holiday calendar covers."""
    from govuk_bank_holidays.bank_holidays import BankHolidays

    calendar = BankHolidays(use_cached_holidays=True)
    return max(h["date"] for h in calendar.get_holidays(division=BankHolidays.ENGLAND_AND_WALES))


def _days_off() -> tuple[frozenset[date], frozenset[date]]:
    """(extra bank holidays, council closure days) from the database, read once a request."""
    if not has_app_context():
        return frozenset(), frozenset()
    if "closure_days" not in g:
        from qaweb.extensions import db

        rows = db.session.execute(select(ClosureDay.day, ClosureDay.kind)).all()
        g.closure_days = (
            frozenset(day for day, kind in rows if kind == BANK_HOLIDAY),
            frozenset(day for day, kind in rows if kind != BANK_HOLIDAY),
        )
    return g.closure_days


def forget_days_off() -> None:
    """After the council's calendar changed: read it again on the next sum."""
    if has_app_context():
        g.pop("closure_days", None)


def closure_days(statutory: bool = False) -> frozenset[date]:
    """The days besides weekends and the bundled bank holidays that are not working days:
    the extra bank holidays always; the council's closure days unless ``statutory``."""
    extra, closures = _days_off()
    return extra if statutory else extra | closures


def is_working_day(day: date, statutory: bool = False) -> bool:
    """Whether ``day`` is a working day (see the module docstring for the two calendars and
    the regulation behind the statutory one)."""
    return day.weekday() < 5 and day not in bank_holidays() and day not in closure_days(statutory)


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

    def __init__(self, statutory: bool = False):
        self.statutory = statutory
        self._table = _working_day_table(closure_days(statutory))

    def add(self, start: date, days: int) -> date:
        """The date ``days`` working days after ``start`` on this calendar, as ``add_working_days``
        counts it."""
        if not (0 < days <= 250 and _in_table(start)):
            return add_working_days(start, days, statutory=self.statutory)
        table = self._table
        return date.fromordinal(table[bisect_right(table, start.toordinal()) + days - 1])

    def between(self, start: date, end: date) -> int:
        """Working days from ``start`` (not counted) to ``end`` (counted), as
        ``working_days_between`` counts them on this calendar."""
        if end < start or not _in_table(start, end):
            return working_days_between(start, end, statutory=self.statutory)
        table = self._table
        return bisect_right(table, end.toordinal()) - bisect_right(table, start.toordinal())


def add_working_days(start: date | datetime, days: int, *, statutory: bool = False) -> date:
    """The date ``days`` working days after ``start``: the first working day after it is day 1
    (so something received on a Saturday or a bank holiday counts from the next working day).
    ``statutory`` counts on the Regulations' calendar (closure days are working days)."""
    if isinstance(start, datetime):
        start = start.date()
    if 0 < days <= 250 and _in_table(start):
        table = _working_day_table(closure_days(statutory))
        return date.fromordinal(table[bisect_right(table, start.toordinal()) + days - 1])
    current = start
    counted = 0
    while counted < days:
        current += timedelta(days=1)
        if is_working_day(current, statutory):
            counted += 1
    return current


def working_days_between(start: date, end: date, *, statutory: bool = False) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is
    before ``start`` (then the working days after ``end`` up to ``start``). ``statutory`` as
    for ``add_working_days``."""
    if end < start:
        return -working_days_between(end, start, statutory=statutory)
    if _in_table(start, end):
        table = _working_day_table(closure_days(statutory))
        return bisect_right(table, end.toordinal()) - bisect_right(table, start.toordinal())
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current, statutory):
            count += 1
    return count
