"""Dates and times shown the GOV.UK way, in Europe/London."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def to_london(value: datetime) -> datetime:
    return value.astimezone(LONDON)


def format_date(value: date | datetime | None) -> str:
    """23 November 2026."""
    if value is None:
        return ""
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


def today_london() -> date:
    from qaweb.core.db import utcnow

    return to_london(utcnow()).date()
