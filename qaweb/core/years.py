"""Councils' years: April to March unless a setting says otherwise."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from werkzeug.exceptions import NotFound


def year_for(day: date, start_month: int = 4) -> int:
    """The year a date falls in, named by the calendar year it starts in."""
    return day.year if day.month >= start_month else day.year - 1


def year_bounds(year: int, start_month: int = 4) -> tuple[date, date]:
    """The first and last day of the year starting in ``start_month`` of ``year`` (the financial
    year, April to March, by default)."""
    first = date(year, start_month, 1)
    return first, date(year + 1, start_month, 1) - timedelta(days=1)


def year_label(year: int, start_month: int = 4) -> str:
    """The year as "April 2026 to March 2027"."""
    first, last = year_bounds(year, start_month)
    return f"{first:%B %Y} to {last:%B %Y}"


def quarter_of(day: date, start_month: int = 4) -> tuple[int, int]:
    """(year, quarter 1 to 4) of a date."""
    year = year_for(day, start_month)
    months = (day.month - start_month) % 12
    return year, months // 3 + 1


def quarter_label(year: int, quarter: int, start_month: int = 4) -> str:
    """Quarter 1 to 4 of the year as "Q3: October to December 2026"."""
    first = date(year, start_month, 1)
    month = (start_month - 1 + (quarter - 1) * 3) % 12 + 1
    start = date(first.year + (1 if month < start_month else 0), month, 1)
    end_month = (month + 1) % 12 + 1
    end = date(start.year + (1 if end_month < month else 0), end_month, 1)
    return f"Q{quarter}: {start:%B} to {end:%B %Y}"


@dataclass(frozen=True)
class Period:
    """A reporting period: ``start`` and ``end`` dates, both included. Reports compare it
    with ``previous()`` (the same length just before) and ``year_before()`` (the same dates
    a year earlier), as the QA Board's quarterly report does (seed 000, Governance)."""

    start: date
    end: date

    @property
    def months(self) -> int:
        """The number of calendar months the period spans."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def label(self) -> str:
        """The period as people read it: "Q3: October to December 2026 (2026-27)" for a quarter
        of the financial year, else "May 2026 to July 2026"."""
        if self.months == 3:
            year, quarter = quarter_of(self.start)
            if self == quarter_period(year, quarter):
                return f"{quarter_label(year, quarter)} ({year}-{str(year + 1)[2:]})"
        return f"{self.start:%B %Y} to {self.end:%B %Y}"

    @property
    def short_label(self) -> str:
        """For a table's column: "Jul to Sep 2026", "Apr 2026 to Mar 2027"."""
        if self.start.year == self.end.year:
            return f"{self.start:%b} to {self.end:%b %Y}"
        return f"{self.start:%b %Y} to {self.end:%b %Y}"

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        return months_from(_add_months(self.start, -self.months), self.months)

    def year_before(self) -> "Period":
        """The same months one year earlier."""
        return months_from(_add_months(self.start, -12), self.months)

    def contains(self, day: date) -> bool:
        """True if ``day`` falls in the period (both ends included)."""
        return self.start <= day <= self.end

    def instants(self) -> tuple[datetime, datetime]:
        """The first and last instants of the period's London days, for timestamp columns."""
        from qaweb.core.timefmt import LONDON

        first = datetime.combine(self.start, time.min, LONDON)
        last = datetime.combine(self.end + timedelta(days=1), time.min, LONDON)
        return first, last - timedelta(microseconds=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_from(first: date, months: int) -> Period:
    """``months`` whole calendar months starting with the month of ``first``."""
    start = date(first.year, first.month, 1)
    return Period(start, _add_months(start, months) - timedelta(days=1))


def quarter_period(year: int, quarter: int, start_month: int = 4) -> Period:
    """Quarter 1 to 4 of the year starting in April ``year`` (Q1 is April to June)."""
    return months_from(_add_months(date(year, start_month, 1), 3 * (quarter - 1)), 3)


def month_from_url(year: int, month: int) -> date:
    """The first day of the month a page's URL names (``/months/<year>/<month>``: a month's
    case-file sample, its moderation sample).

    Raises ``NotFound`` (a 404 page) for a year outside 2000 to 2100 or a month outside 1 to
    12: an edited or mistyped address, never a 500.
    """
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise NotFound()
    return date(year, month, 1)
