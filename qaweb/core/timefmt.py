"""Dates and times shown the GOV.UK way, in Europe/London."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def to_london(value: datetime) -> datetime:
    """An aware datetime in Europe/London time."""
    return value.astimezone(LONDON)


def format_date(value: date | datetime | str | None) -> str:
    """23 November 2026 (the ``date`` filter of every template).

    Text is read as an ISO date ("2026-11-23"), as the rows of a staged import keep dates
    (JSON has no date type), so a preview shows every date this one way; text that is not an
    ISO date (a cell that is not a date, shown as typed) is returned as it is.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = to_london(value).date()
    return f"{value.day} {value:%B %Y}"


def format_datetime(value: datetime | None) -> str:
    """2:05pm on 23 November 2026."""
    if value is None:
        return ""
    local = to_london(value)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}:{local:%M}{suffix} on {format_date(local.date())}"


def format_time(value: datetime) -> str:
    """9:30am, or 11am on the hour."""
    local = to_london(value)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local:%M}{suffix}"


def format_span(starts_at: datetime, ends_at: datetime) -> str:
    """9:30am to 11am on Tuesday 3 November 2026."""
    day = to_london(starts_at)
    return f"{format_time(starts_at)} to {format_time(ends_at)} on {day:%A} {format_date(day)}"


def today_london() -> date:
    """Today's date in London (what "today" means to a person using qaweb)."""
    from qaweb.core.db import utcnow

    return to_london(utcnow()).date()
