"""Councils' years: April to March unless a setting says otherwise."""

from datetime import date, timedelta


def year_for(day: date, start_month: int = 4) -> int:
    """The year a date falls in, named by the calendar year it starts in."""
    return day.year if day.month >= start_month else day.year - 1


def year_bounds(year: int, start_month: int = 4) -> tuple[date, date]:
    first = date(year, start_month, 1)
    return first, date(year + 1, start_month, 1) - timedelta(days=1)


def year_label(year: int, start_month: int = 4) -> str:
    first, last = year_bounds(year, start_month)
    return f"{first:%B %Y} to {last:%B %Y}"


def quarter_of(day: date, start_month: int = 4) -> tuple[int, int]:
    """(year, quarter 1 to 4) of a date."""
    year = year_for(day, start_month)
    months = (day.month - start_month) % 12
    return year, months // 3 + 1


def quarter_label(year: int, quarter: int, start_month: int = 4) -> str:
    first = date(year, start_month, 1)
    month = (start_month - 1 + (quarter - 1) * 3) % 12 + 1
    start = date(first.year + (1 if month < start_month else 0), month, 1)
    end_month = (month + 1) % 12 + 1
    end = date(start.year + (1 if end_month < month else 0), end_month, 1)
    return f"Q{quarter}: {start:%B} to {end:%B %Y}"
